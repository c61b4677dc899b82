"""Audit trail: every change, who made it, when, and the values before and after."""

import datetime as dt

import polars as pl
import streamlit as st

from golden_thread.app.ui import store
from golden_thread.domain.csv_export import safe_csv

db = store()
st.title("Audit trail")
st.caption(
    "Every write to Golden Thread is recorded here with who, when, what and the values before and after. "
    "Nothing is ever deleted from this trail."
)

audit = db.audit_log()
if audit.height == 0:
    st.info("No changes have been made yet.")
    st.stop()

filters = st.columns([1.3, 1.3, 1.3, 2])
people = filters[0].multiselect("Who", sorted(audit["username"].drop_nulls().unique()), key="audit-who")
kinds = filters[1].multiselect(
    "What", sorted(audit["entity_type"].unique()), key="audit-what", format_func=lambda k: k.replace("_", " ")
)
actions = filters[2].multiselect("Action", sorted(audit["action"].unique()), key="audit-action")
first, last = audit["occurred_at"].min().date(), audit["occurred_at"].max().date()
period = filters[3].date_input("Between", value=(first, last), key="audit-dates", format="DD/MM/YYYY")
search = st.text_input(
    "Record contains", key="audit-search", placeholder="e.g. a measure number like 12/ or a username"
)

shown = audit
if people:
    shown = shown.filter(pl.col("username").is_in(people))
if kinds:
    shown = shown.filter(pl.col("entity_type").is_in(kinds))
if actions:
    shown = shown.filter(pl.col("action").is_in(actions))
if isinstance(period, tuple) and len(period) == 2:
    shown = shown.filter(pl.col("occurred_at").dt.date().is_between(period[0], period[1]))
if search.strip():
    needle = search.strip().lower()
    shown = shown.filter(
        pl.concat_str("entity_key", "before_json", "after_json", "reason", ignore_nulls=True)
        .str.to_lowercase()
        .str.contains(needle, literal=True)
    )

st.metric("Changes shown", f"{shown.height:,} of {audit.height:,}")
table = shown.sort("id", descending=True).select(
    pl.col("occurred_at").alias("When"),
    pl.col("username").alias("Who"),
    pl.col("action").alias("Action"),
    pl.col("entity_type").str.replace_all("_", " ").alias("What"),
    pl.col("entity_key").alias("Record"),
    pl.col("before_json").alias("Before"),
    pl.col("after_json").alias("After"),
    pl.col("reason").alias("Reason"),
)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    height=520,
    column_config={"When": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")},
)
st.download_button(
    "Download these changes (CSV)",
    safe_csv(table),
    file_name=f"golden-thread-audit-{dt.date.today():%Y-%m-%d}.csv",
    mime="text/csv",
    icon=":material/download:",
)
