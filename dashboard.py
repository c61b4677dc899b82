"""Golden Thread: the entry. Page config, the sign-in gate and navigation built from ``screens/registry.py``."""

import streamlit as st

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

st.set_page_config(page_title="Golden Thread", page_icon="🧵", layout="wide")


def page(screen, lands_here: bool) -> st.Page:
    return st.Page(screen.path, title=screen.title, icon=screen.icon, url_path=screen.url, default=lands_here)


user = signed_in_user()
if user is None:
    # Every screen stays addressable, so a shared link survives signing in; but only the sign-in form runs.
    everything = [st.Page(s.path, title=s.title, icon=s.icon, url_path=s.url) for s in SCREENS]
    st.navigation(
        [st.Page(sign_in_screen, title="Sign in", url_path="sign-in", default=True), *everything], position="hidden"
    )
    sign_in_screen()
    st.stop()

if needs_first_organisation():
    first_organisation_screen()
    st.stop()
with st.sidebar:
    organisation_picker()
    signed_in_caption()
screens = screens_for(user["role"], session_scope().kind)
# An organisation with nothing built yet opens on its guided start, for whoever can build.
landing = "build" if any(s.url == "build" for s in screens) and organisation_is_empty() else None
sections: dict[str, list[st.Page]] = {}
for screen in screens:
    lands_here = screen.url == landing if landing else user["role"] in screen.lands
    sections.setdefault(screen.section, []).append(page(screen, lands_here))
st.navigation(sections).run()
