"""Ending a page's run early in the way that lets the run finish.

``st.stop()`` ends a run as a premature stop, and Streamlit then skips what it does after every finished run: drop
what the widgets the run did not draw were holding. A form left behind on another page (a PDSA cycle's stages, say)
keeps, on the server, the values it was last loaded with, while the browser, drawing it afresh on the way back,
shows it blank; the page then sees its values still loaded and does not load them again, and a save sends the
blanks. So a screen that has drawn all it will ends with ``end_page()``: ``run_page``, and the entry around its
sign-in gate, catch it, and the run ends as a finished one.
"""

from __future__ import annotations

from typing import NoReturn


class EndOfPage(BaseException):  # not an Exception: a screen's own ``except Exception`` must let it through
    """Raised by ``end_page``: this run has drawn all it will."""


def end_page() -> NoReturn:
    """Draw nothing more this run (instead of ``st.stop()``, which would leave other pages' forms loaded)."""
    raise EndOfPage
