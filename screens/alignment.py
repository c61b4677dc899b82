"""Alignment: the breaks in the golden thread for quality committees, and which work serves which aim."""

import datetime as dt

import polars as pl
import streamlit as st

from golden_thread.app.forms import added, new_record_form
from golden_thread.app.ui import (
    flags_with_mends,
    kept,
    may,
    plain,
    show_table,
    store,
    thread_flags,
    thread_model,
    username,
)
from golden_thread.domain.alignment import aim_columns, aligned_share_by_division, coverage_grid, flags_by_rule
from golden_thread.domain.checks import RULES, rule_title
from golden_thread.domain.csv_export import safe_csv
from golden_thread.domain.formatting import code_words, icon_name
from golden_thread.draw.thread_tree import lead_measure_images
from golden_thread.errors import Refused

db = store()
st.title("Alignment")
st.caption("Which improvement work serves which system-level aim, and where the golden thread is broken.")


def link_orphan_form(orphans: pl.DataFrame) -> None:
    """Mend the commonest break where it is found: link an orphan project to the aim, driver or idea it serves."""
    targets = kept(db, "link_targets", lambda db: db.link_targets())
    titles = dict(zip(orphans["entity_id"], orphans["title"]))
    target_labels = {f"{k}:{i}": label for k, i, label in targets.select("kind", "target_id", "label").iter_rows()}
    # Blank once a project is linked, never on a refusal (clear_on_submit would empty it then too).
    form = new_record_form("link-orphan")
    with st.form(form):
        st.markdown("**Link a project to the thread**")
        project = st.selectbox("Project", list(titles), format_func=titles.get, key=f"{form}-project")
        target = st.selectbox(
            "Serves",
            list(target_labels),
            format_func=target_labels.get,
            index=None,
            placeholder="Choose the aim, driver or change idea it works on",
            key=f"{form}-target",
        )
        reason = st.text_input("Why (optional)", key=f"{form}-reason")
        if st.form_submit_button("Link project", type="primary"):
            if target is None:
                st.error("Choose what the project serves: an aim, a driver or a change idea.", icon=":material/error:")
                return
            try:
                kind, target_id = target.split(":")
                link = db.link_project(project, kind, int(target_id), reason=reason, username=username())
            except Refused as refused:
                st.error(str(refused), icon=":material/error:")
                return
            added(form)
            st.session_state["link-message"] = (
                f"“{titles[project]}” now serves "
                f"{target_labels[target]} ({'primary link' if link == 'primary' else 'also contributes'})."
            )
            st.rerun()


if "link-message" in st.session_state:
    st.success(st.session_state.pop("link-message"), icon=":material/link:")

flags = thread_flags(db, dt.date.today())
alignment = kept(db, "project_alignment", lambda db: db.project_alignment())
summary = flags_by_rule(flags)

severity_counts = dict(flags.group_by("severity").len().iter_rows())
cols = st.columns(4)
cols[0].metric("Errors", severity_counts.get("error", 0), help="Work with no strategic link; aims nothing serves.")
cols[1].metric("Warnings", severity_counts.get("warning", 0))
cols[2].metric("For information", severity_counts.get("info", 0))
cols[3].metric(
    "Focus-board objectives with no strategic link",
    flags.filter(pl.col("rule") == "unlinked_focus_objective").height,
    help="Objectives on teams' focus boards that serve no strategic objective or system-level aim.",
)

st.subheader("Breaks in the thread")
rule_names = {name: rule_title(name) for name in RULES}
chosen = st.multiselect("Show rules", list(summary["rule"]), format_func=rule_names.get, key="rules")
shown = summary.filter(pl.col("rule").is_in(chosen)) if chosen else summary
read_once: dict = {}  # what every rule's list reads: where the records sit, what the person may do
for row in shown.iter_rows(named=True):
    icon = {"error": ":material/error:", "warning": ":material/warning:", "info": ":material/info:"}[row["severity"]]
    # A rule's list (up to 30 flags, each with its links) is drawn only while its expander is open: a large
    # trust's dozen lists cost most of the page's time.
    with st.expander(
        f"{rule_names[row['rule']]}: {row['count']}",
        icon=icon,
        expanded=row["severity"] == "error",
        key=f"rule-{row['rule']}",
        on_change="rerun",
    ) as rule_list:
        st.caption(row["explanation"])
        if rule_list.open is not False:
            flags_with_mends(db, flags.filter(pl.col("rule") == row["rule"]), show_rule=False, shared=read_once)
            if row["rule"] == "orphan_project" and may(db, "edit_project") is None:
                link_orphan_form(flags.filter(pl.col("rule") == "orphan_project"))
listed = flags.filter(pl.col("rule").is_in(list(shown["rule"]))).select(
    pl.col("rule").map_elements(rule_title, return_dtype=pl.Utf8).alias("Flag"),
    pl.col("severity").map_elements(lambda s: code_words(s, "severity"), return_dtype=pl.Utf8).alias("Severity"),
    pl.col("entity_type").map_elements(lambda e: code_words(e, "entity_type"), return_dtype=pl.Utf8).alias("What"),
    pl.col("title").alias("Where"),
    pl.col("message").alias("Why it matters"),
)
st.download_button(
    "Download these flags (CSV)",
    safe_csv(listed),
    file_name="golden-thread-flags.csv",
    mime="text/csv",
    icon=":material/download:",
)

st.subheader("Active projects aligned to an aim, by division")
share = aligned_share_by_division(alignment)
show_table(
    share.select(
        pl.col("division").alias("Division"),
        pl.col("active_projects").alias("Active projects"),
        pl.col("aligned").alias("Aligned"),
        (pl.col("share_aligned") * 100).alias("Aligned (%)"),
    ),
    counts=["Active projects", "Aligned"],
    percents={"Aligned (%)": 0},
    column_config={"Aligned (%)": st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f%%")},
)

GRID_ROWS = 300  # more rows than a committee reads on a screen
st.subheader("Coverage: projects × system-level aims")
st.caption(
    "Each cell shows how a project serves an aim: its primary link, or “also contributes”. "
    "Rows with no link and aims with no project are the gaps."
)


def _coverage(db, today: dt.date) -> tuple:
    """(the aims with their outcome measure's icons, the coverage grid with each project's lead-measure icons and
    its marks, the aims' column headings, the aims no open project serves, the grid as a CSV in words), kept until
    the data they are made from changes: the grid and its icons cost a fifth of a second on every click."""
    alignment = db.project_alignment()
    aims = db.aims()
    grid = coverage_grid(alignment, aims)
    aim_headings = aim_columns(aims)  # an aim's title, or its title and number when two aims share it
    _, _, icons = thread_model(db, today)
    icon_images = lead_measure_images(icons)
    aim_icons = aims.select(
        pl.col("title").alias("Aim"), pl.concat_str(pl.lit("aim:"), pl.col("id")).alias("node")
    ).join(icon_images, on="node", how="left")
    grid = (
        grid.with_columns(pl.concat_str(pl.lit("project:"), pl.col("project_id")).alias("node"))
        .join(icon_images.select("node", "Variation", "Assurance"), on="node", how="left")
        .drop("node")
    )
    marks = {"primary": "● primary", "also": "○ also"}
    grid = grid.with_columns(pl.col(a).replace_strict(marks, default=None).fill_null("") for a in aim_headings)
    unserved = [a for a in aim_headings if (grid[a] == "").all()]
    # The file says the lead measure's icons in words, where the page draws them.
    icon_words = icons.select(
        pl.col("node"),
        pl.col("measure").alias("Lead measure"),
        pl.col("variation_icon").map_elements(icon_name, return_dtype=pl.Utf8).alias("Variation"),
        pl.col("assurance_icon").map_elements(icon_name, return_dtype=pl.Utf8).alias("Assurance"),
    )
    coverage = (
        grid.drop("Variation", "Assurance")
        .with_columns(pl.concat_str(pl.lit("project:"), pl.col("project_id")).alias("node"))
        .join(icon_words, on="node", how="left")
        .drop("node", "project_id")
        .rename({"project": "Project", "team": "Team", "serves": "Aims served"})
    )
    coverage = coverage.select(
        "Project", "Team", "Lead measure", "Variation", "Assurance", *aim_headings, "Aims served"
    )
    return aim_icons, grid, aim_headings, unserved, safe_csv(coverage)


aim_icons, grid, aim_headings, unserved, coverage_csv = kept(db, "alignment_coverage", _coverage, dt.date.today())
show_table(
    aim_icons.select("Aim", pl.col("measure").alias("Outcome measure"), "Variation", "Assurance"),
    column_config={
        "Variation": st.column_config.ImageColumn(width="small"),
        "Assurance": st.column_config.ImageColumn(width="small"),
    },
)
for aim in unserved:
    st.error(f"No open project serves **{plain(aim)}**.", icon=":material/link_off:")
shown_grid = grid
if grid.height > GRID_ROWS:  # a large trust's grid is read a team at a time; the file holds every row
    teams = sorted(t for t in grid["team"].unique().to_list() if t)
    team = st.selectbox(
        f"{grid.height:,} open projects: show the projects of",
        teams,
        key="coverage-team",
        help="The grid shows one team at a time here; the CSV below holds every project.",
    )
    shown_grid = grid.filter(pl.col("team") == team)
show_table(  # whole numbers as they are: a styled grid of thousands of cells costs seconds to send
    shown_grid.drop("project_id")
    .rename({"project": "Project", "team": "Team", "serves": "Aims served"})
    .select("Project", "Team", "Variation", "Assurance", pl.exclude("Project", "Team", "Variation", "Assurance")),
    column_config={
        "Variation": st.column_config.ImageColumn(width="small", help="The project's lead measure"),
        "Assurance": st.column_config.ImageColumn(width="small"),
    },
)
st.download_button(
    "Download the coverage grid (CSV)",
    coverage_csv,
    file_name="coverage.csv",
    mime="text/csv",
    icon=":material/download:",
)
