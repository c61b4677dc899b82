"""An unexpected error while a page runs: the person reads one sentence and a reference, the server's log holds the
detail under the same reference.

A traceback names the server's folders and shows its source, so the browser never gets one: this catches what a
page raises and ``client.showErrorDetails = "none"`` (.streamlit/config.toml) covers anything outside a page.
Streamlit's own ways of ending a run (``st.rerun``, ``st.switch_page``) are not errors: they derive from
``BaseException``, not ``Exception``, and pass through untouched, as does a fragment's error Streamlit has already
handled. A screen's own early end (``page_end.end_page``) ends the page as a finished run.
"""

from __future__ import annotations

import secrets
from collections import deque

import streamlit as st
from streamlit.errors import FragmentHandledException
from streamlit.logger import get_logger

from golden_thread.app.page_end import EndOfPage

LOG = get_logger("golden_thread.app.failures")
# The unexpected errors this process has met, newest last: (reference, the error in a line). The person saw only a
# sentence, so this is how a test (tests/conftest.py) still tells that a page failed.
RECENT: deque[tuple[str, str]] = deque(maxlen=50)


def new_reference() -> str:
    """A reference a person can read out over the phone: 'GT-3F9A1C2B'."""
    return "GT-" + secrets.token_hex(4).upper()


def run_page(page) -> None:
    """Run the page ``st.navigation`` chose; an unexpected error becomes a sentence with a reference."""
    try:
        page.run()
    except EndOfPage:
        return
    except FragmentHandledException:
        raise
    except Exception as error:  # noqa: BLE001 - any error a page did not expect: said, logged, never shown raw
        reference = new_reference()
        RECENT.append((reference, f"{type(error).__name__}: {error}"))
        LOG.error("Unexpected error %s on the page %r", reference, getattr(page, "title", "?"), exc_info=error)
        st.error(
            "Golden Thread could not finish this page because of an unexpected error. Try again; if it happens "
            f"again, tell your Golden Thread administrator the reference {reference}: it finds the details in the "
            "server's log.",
            icon=":material/report:",
        )
