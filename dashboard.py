"""Golden Thread: the entry. Page config, the sign-in gate and navigation built from ``screens/registry.py``."""

import streamlit as st

from golden_thread.app.failures import run_page
from golden_thread.app.kept import begin_run
from golden_thread.app.page_end import EndOfPage
from golden_thread.app.ui import (
    first_organisation_screen,
    needs_first_organisation,
    organisation_is_empty,
    organisation_picker,
    session_scope,
    sign_in_screen,
    signed_in_caption,
    signed_in_user,
)
from screens.registry import SCREENS, screens_for

# The menu at the top right holds only this (``client.toolbarMode = "minimal"`` in .streamlit/config.toml): none of
# Streamlit's developer controls, no screen recorder.
st.set_page_config(
    page_title="Golden Thread",
    page_icon="🧵",
    layout="wide",
    menu_items={
        "About": "**Golden Thread**: one true picture of whether our improvement work is moving the aims that "
        "matter. Ask your Golden Thread administrator for help with your account."
    },
)


def page(screen, vocabulary: str = "health") -> st.Page:
    return st.Page(screen.path, title=screen.title_in(vocabulary), icon=screen.icon, url_path=screen.url)


def main() -> None:
    """Sign the person in, then draw the menu of the screens their role opens and run the one asked for."""
    begin_run()
    user = signed_in_user()
    if user is None:
        # Every screen stays addressable, so a shared link survives signing in; but only the sign-in form runs.
        everything = [page(s) for s in SCREENS]
        st.navigation(
            [st.Page(sign_in_screen, title="Sign in", url_path="sign-in", default=True), *everything], position="hidden"
        )
        sign_in_screen()
        return

    if needs_first_organisation():
        first_organisation_screen()
        return
    with st.sidebar:
        organisation_picker()
        signed_in_caption()
    screens = screens_for(user["role"], session_scope().kind)
    # An organisation with nothing built yet opens on its guided start, for whoever can build.
    landing = "build" if any(s.url == "build" for s in screens) and organisation_is_empty() else None
    sections: dict[str, list[st.Page]] = {}
    pages: dict[str, st.Page] = {}
    for screen in screens:
        pages[screen.url] = page(screen, session_scope().vocabulary)  # titles in the organisation's own words
        sections.setdefault(screen.section, []).append(pages[screen.url])
    lands_on = pages.get(landing) or next((pages[s.url] for s in screens if user["role"] in s.lands), None)
    lands_on = lands_on or next(iter(pages.values()))

    def land() -> None:
        """The app's own address opens the person's landing screen under that screen's address. Every screen keeps its
        address (Streamlit gives the default page none but the root), so a shared link to any screen opens it."""
        st.switch_page(lands_on, query_params=st.query_params.to_dict())

    first = next(iter(sections))
    sections[first].insert(0, st.Page(land, title=lands_on.title, url_path="start", default=True, visibility="hidden"))
    run_page(st.navigation(sections))  # an unexpected error: a sentence and a reference, the detail in the log


try:
    main()
except EndOfPage:  # the gate ended the run early (a database that cannot be opened, an account in no organisation)
    pass
