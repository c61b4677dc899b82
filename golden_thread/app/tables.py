"""Tables handed to Streamlit as Arrow, never through polars' ``to_pandas``.

Streamlit turns a polars frame into pandas with ``DataFrame.to_pandas()``, which holds Python's GIL while it waits on
polars' thread pool; if a thread of that pool is at the same moment running a Python function for another session's
page (``map_elements``: the app writes dates and numbers in words that way), each waits for the other and the whole
server stops answering, every session at once (pola-rs/polars#27396 and its kin, still in polars 2.1; the load bench
met it with a dozen people on one process). An Arrow table is serialised by Streamlit directly, and Arrow's own
conversion to pandas (for a styled table) never calls into polars.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import streamlit as st


def arrow_of(frame: pl.DataFrame) -> pa.Table:
    """The frame as Arrow, in the long-standing types (``large_string``, not the newer views) every reader takes."""
    return frame.to_arrow(compat_level=pl.CompatLevel.oldest())


def dataframe(frame: pl.DataFrame, **options) -> object:
    """``st.dataframe`` of a polars frame."""
    return st.dataframe(arrow_of(frame), **options)


def data_editor(frame: pl.DataFrame, **options) -> pl.DataFrame:
    """``st.data_editor`` of a polars frame: the rows as the person left them, as a polars frame."""
    edited = st.data_editor(arrow_of(frame), **options)
    return edited if isinstance(edited, pl.DataFrame) else pl.from_arrow(edited)
