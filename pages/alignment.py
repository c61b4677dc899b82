"""Alignment: the breaks in the golden thread for quality committees, and which work serves which aim."""

import datetime as dt

import polars as pl
import streamlit as st

from golden_thread.alignment import aligned_share_by_division, coverage_grid, flags_by_rule
from golden_thread.thread_checks import RULES, check_thread, rule_title
from golden_thread.ui import plain, store

db = store()
st.title("Alignment")
st.caption("Which improvement work serves which system-level aim, and where the golden thread is broken.")

flags = check_thread(db, dt.date.today())
alignment = db.project_alignment()
summary = flags_by_rule(flags)

severity_counts = dict(flags.group_by("severity").len().iter_rows())
cols = st.columns(3)
cols[0].metric("Errors", severity_counts.get("error", 0), help="Work with no strategic link; aims nothing serves.")
cols[1].metric("Warnings", severity_counts.get("warning", 0))
cols[2].metric("For information", severity_counts.get("info", 0))

st.subheader("Breaks in the thread")
rule_names = {name: rule_title(name) for name in RULES}
chosen = st.multiselect("Show rules", list(summary["rule"]), format_func=rule_names.get, key="rules")
shown = summary.filter(pl.col("rule").is_in(chosen)) if chosen else summary
for row in shown.iter_rows(named=True):
    icon = {"error": ":material/error:", "warning": ":material/warning:", "info": ":material/info:"}[row["severity"]]
    with st.expander(f"{rule_names[row['rule']]}: {row['count']}", icon=icon, expanded=row["severity"] == "error"):
        st.caption(row["explanation"])
        st.dataframe(pl.DataFrame({row["entity_type"].replace("_", " ").capitalize(): row["items"]}),
                     hide_index=True, width="stretch")
listed = flags.filter(pl.col("rule").is_in(list(shown["rule"])))
st.download_button("Download these flags (CSV)", listed.write_csv(), file_name="golden-thread-flags.csv",
                   mime="text/csv", icon=":material/download:")

st.subheader("Active projects aligned to an aim, by division")
share = aligned_share_by_division(alignment)
st.dataframe(
    share.select(pl.col("division").alias("Division"), pl.col("active_projects").alias("Active projects"),
                 pl.col("aligned").alias("Aligned"), (pl.col("share_aligned") * 100).alias("Aligned (%)")),
    hide_index=True, width="stretch",
    column_config={"Aligned (%)": st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f%%")},
)

st.subheader("Coverage: projects × system-level aims")
st.caption("Each cell shows how a project serves an aim: its primary link, or “also contributes”. "
           "Rows with no link and aims with no project are the gaps.")
aims = db.aims()
grid = coverage_grid(alignment, aims)
unserved = [a for a in aims["title"] if grid[a].is_null().all()]
for aim in unserved:
    st.error(f"No open project serves **{plain(aim)}**.", icon=":material/link_off:")
st.dataframe(
    grid.drop("project_id").rename({"project": "Project", "team": "Team", "serves": "Aims served"}),
    hide_index=True, width="stretch",
)
st.download_button("Download the coverage grid (CSV)", grid.write_csv(), file_name="coverage.csv", mime="text/csv",
                   icon=":material/download:")
