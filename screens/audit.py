"""Audit trail: every change, who made it, when, and what it changed, each said as a sentence."""

import datetime as dt

import polars as pl
import streamlit as st

from golden_thread.app.page_end import end_page
from golden_thread.app.ui import all_measures, kept, show_table, store
from golden_thread.domain.audit import Names, audit_trail
from golden_thread.domain.csv_export import safe_csv

db = store()
st.title("Audit trail")
st.caption(
    "Every write to Golden Thread is recorded here with who, when, what and the values before and after. "
    "Nothing is ever deleted from this trail."
)

# The trail in sentences, kept until the next write (every write adds to it).
trail = kept(db, "audit_trail", lambda db: audit_trail(db.audit_log(), Names(db.audit_names(), all_measures(db))))
if trail.height == 0:
    st.info("No changes have been made yet.")
    end_page()

filters = st.columns([1.3, 1.3, 2])
people = filters[0].multiselect("Who", sorted(trail["who"].unique()), key="audit-who")
kinds = filters[1].multiselect("What", sorted(trail["what"].unique()), key="audit-what")
first, last = trail["when"].min().date(), trail["when"].max().date()
period = filters[2].date_input("Between", value=(first, last), key="audit-dates", format="DD/MM/YYYY")
search = st.text_input(
    "Contains", key="audit-search", placeholder="e.g. a measure's name, a month like Nov 2026, or a person's name"
)

shown = trail
if people:
    shown = shown.filter(pl.col("who").is_in(people))
if kinds:
    shown = shown.filter(pl.col("what").is_in(kinds))
if isinstance(period, tuple) and len(period) == 2:
    shown = shown.filter(pl.col("when").dt.date().is_between(period[0], period[1]))
if search.strip():
    needle = search.strip().lower()
    shown = shown.filter(
        pl.concat_str("who", "record", "change", "reason", separator=" ", ignore_nulls=True)
        .str.to_lowercase()
        .str.contains(needle, literal=True)
    )

st.metric("Changes shown", f"{shown.height:,} of {trail.height:,}")
table = shown.select(
    pl.col("when").alias("When"),
    pl.col("who").alias("Who"),
    pl.col("what").alias("What"),
    pl.col("record").alias("Record"),
    pl.col("change").alias("Change"),
    pl.col("reason").alias("Reason"),
)
# The sentence names who, what and which record; the file keeps them in columns of their own for a spreadsheet.
show_table(
    table.select("When", "Change", "Reason"),
    dates={"When": "moment"},
    column_config={"Change": st.column_config.TextColumn(width="large")},
)
st.download_button(
    "Download these changes (CSV)",
    safe_csv(table),
    file_name=f"golden-thread-audit-{dt.date.today():%Y-%m-%d}.csv",
    mime="text/csv",
    icon=":material/download:",
)
