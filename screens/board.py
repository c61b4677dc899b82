"""The board: every system-level aim for a month on one screen, with its outcome measure's chart and Making
Data Count icons; a click opens the aim's chart, driver diagram, thread and the tests behind any signal."""

import datetime as dt

import polars as pl
import streamlit as st

from golden_thread.app.kept import kept_spec
from golden_thread.app.page_end import end_page
from golden_thread.app.tables import dataframe
from golden_thread.app.ui import (
    aim_leadership_lines,
    aims_leadership,
    board_charts,
    board_months_cached,
    board_shown,
    draw_tree,
    flags_with_mends,
    kept,
    may,
    plain,
    show_table,
    store,
    thread_and_flags,
    thread_flags,
    thread_tree,
    username,
)
from golden_thread.domain.attribution import cycles_before_signals
from golden_thread.domain.leadership import aim_leadership_line
from golden_thread.domain.palette import format_number, format_value
from golden_thread.domain.thread_graph import flag_nodes
from golden_thread.domain.vocabulary import words as vocabulary_words
from golden_thread.draw.board_matrix import STYLE, attention_html, icons_with_words_html, summary_matrix_html
from golden_thread.draw.charts import chart_events, spc_chart
from golden_thread.draw.thread_tree import TreeFilter, lead_measure_images
from golden_thread.errors import Refused
from golden_thread.services.board import (
    ICON_WORDS,
    changes_since,
    front_page,
    last_complete_month,
    last_published_before,
    next_month,
    parse_month,
    publish,
    published_view,
)

db = store()
said = vocabulary_words(db.scope.vocabulary)  # a school network's leadership team, a trust's board
today = dt.date.today()
months = board_months_cached(db, today)

# ?month=2026-10 and ?aim=3 make a board (and an aim on it) a link someone can send.
requested = st.query_params.get("month")
month = months[0] if months else last_complete_month(today)
if requested:
    try:
        asked = parse_month(requested)
    except ValueError as wrong:
        st.warning(f"{plain(wrong)} Showing {month:%B %Y} instead.", icon=":material/warning:")
    else:
        if asked in months:
            month = asked
        else:
            st.warning(f"There is no board for {asked:%B %Y}; showing {month:%B %Y}.", icon=":material/warning:")
if "board-month" not in st.session_state or requested:
    st.session_state["board-month"] = month


def _changed_month() -> None:
    st.query_params["month"] = f"{st.session_state['board-month']:%Y-%m}"
    st.query_params.pop("aim", None)


_fmt = format_number


header = st.columns([3, 1.3])
header[0].title(said.heading("{board} report"))
month = header[1].selectbox(
    "Month", months, key="board-month", format_func=lambda m: f"{m:%B %Y}", on_change=_changed_month
)

view, published, live = board_shown(db, month, today)
if published:
    compared_with, changes = published, changes_since(published, live)
    status = (
        f"Published {published.published['published_at']:%d %B %Y} by {plain(published.published['published_by'])}: "
        f"this is what the {said.board.singular.lower()} saw."
    )
else:
    previous = last_published_before(db, month, inclusive=False)
    compared_with = published_view(db, previous) if previous else None
    changes = changes_since(compared_with, live) if compared_with else None
    status = (
        f"Draft: computed from the data as it is now. Publish it to freeze what the {said.board.singular.lower()} sees."
    )
st.caption(status)


def _aim_chart(db, month: dt.date, today: dt.date, aim_id: int) -> tuple:
    """The aim's outcome-measure chart as shown on the month's board, with its change and PDSA markers: (its
    builder, the builder's arguments; ``kept_spec`` draws it), and the PDSA cycles that started before each of its
    signals."""
    shown = board_shown(db, month, today)[0]
    aim = shown.aims.filter(pl.col("aim_id") == aim_id).row(0, named=True)
    points = shown.points.filter(pl.col("series") == aim["measure_id"])
    # Read apart, so that a figure entered (which moves the points) does not read the markers again.
    cycles = kept(db, "measure_cycles", lambda db, measure: db.pdsa_cycles_for_measure(measure), aim["measure_id"])
    notes = kept(db, "measure_annotations", lambda db, measure: db.annotations([measure]), aim["measure_id"])
    events = chart_events(notes, cycles, first=points["x"].min(), before=next_month(shown.month))
    drawn = {
        "points": points,
        "title": aim["measure"],
        "unit": aim["unit"] or "",
        "target": aim["measure_target"],
        "annotations": events,
        "decimals": aim["decimal_places"],
    }
    return (spc_chart, drawn), cycles_before_signals(points, cycles)


def aim_detail(aim_id: int) -> None:
    rows = view.aims.filter(pl.col("aim_id") == aim_id)
    if rows.height == 0:
        st.warning(f"There is no aim {aim_id} on this board.", icon=":material/warning:")
        return
    aim = rows.row(0, named=True)
    if st.button(f"Back to the {said.board.singular.lower()} report", icon=":material/arrow_back:"):
        st.query_params.pop("aim", None)
        st.rerun()
    st.header(plain(aim["aim"]), anchor=False)
    st.caption(f"{plain(aim['objective'])} · responsible leader: {plain(aim['responsible_leader'] or 'not named')}")
    if aim["statement"]:
        st.markdown(plain(aim["statement"]))
    measure_id = aim["measure_id"]
    points = view.points.filter(pl.col("series") == measure_id) if measure_id is not None else view.points.clear()
    if points.height == 0:
        st.warning(
            f"This aim has no outcome measure with data, so the {said.board.singular.lower()} cannot see whether it "
            "is improving.",
            icon=":material/warning:",
        )
    else:
        watch = front_page(view).watch.filter(pl.col("aim_id") == aim_id)
        for sentence in watch["sentence"]:
            st.warning(plain(sentence), icon=":material/balance:")
        figures = st.columns([1.6, 1, 1], vertical_alignment="center")
        figures[0].html(STYLE + icons_with_words_html(aim["variation_icon"], aim["assurance_icon"], aim["direction"]))
        figures[1].metric(
            "Latest", _fmt(aim["latest_value"], aim["decimal_places"]), help=f"Period starting {aim['latest_x']:%B %Y}"
        )
        figures[2].metric("Target", _fmt(aim["measure_target"], aim["decimal_places"]))
        st.markdown(f"**{plain(aim['summary'] or '')}**")

        # Drawn again only when what it shows changes: a figure entered for another measure leaves it as it was.
        def read(db, *key) -> tuple:
            return kept(db, "board_aim_chart_inputs", _aim_chart, *key)

        spec = kept_spec(db, "board_aim_chart", lambda db, *key: read(db, *key)[0], month, today, aim_id)
        st.vega_lite_chart(spec, width="stretch")
        preceding = read(db, month, today, aim_id)[1]
        st.subheader("Tests that preceded a signal", anchor=False)
        if preceding.height:
            st.caption(
                "PDSA cycles that started in the months before each special cause: where to start the "
                "conversation, not proof of cause."
            )
            show_table(
                preceding.select(
                    pl.col("signal_start").alias("Signal from"),
                    pl.col("point_type").alias("Type"),
                    pl.col("rule").alias("Signal"),
                    pl.col("title").alias("PDSA cycle"),
                    pl.col("change_idea").alias("Change idea"),
                    pl.col("project").alias("Project"),
                    pl.col("start_date").alias("Cycle started"),
                    pl.col("act_decision").alias("Act"),
                ),
                dates={"Signal from": "month", "Cycle started": "day"},
                codes={"Type": "point_type", "Act": "act_decision"},
            )
        else:
            st.caption("No special cause on this chart, so no tests to attribute.")
    others = view.measures.filter((pl.col("aim_id") == aim_id) & pl.col("measure_id").ne_missing(measure_id))
    if others.height:
        st.subheader("Key process and balancing measures", anchor=False)
        icon_table(others)
    st.subheader("Driver diagram and golden thread", anchor=False)
    thread, _ = thread_and_flags(db, today)
    tree, drawing = thread_tree(db, today, TreeFilter(aim=f"aim:{aim_id}"))
    clicked = draw_tree(tree, key=f"board-tree-{aim_id}", drawing=drawing)
    if clicked:
        st.switch_page("screens/thread.py", query_params={"node": clicked})
    st.page_link(
        "screens/thread.py",
        label="Open in the golden thread",
        icon=":material/account_tree:",
        query_params={"aim": str(aim_id)},
    )
    st.subheader("Contributing projects", anchor=False)
    projects = kept(db, "aim_projects", lambda db, aim_id: db.aim_projects(aim_id), aim_id)
    if projects.height == 0:
        st.error("No project serves this aim.", icon=":material/link_off:")
    else:
        show_table(
            projects.select(
                pl.col("project").alias("Project"),
                pl.col("team").alias("Team"),
                pl.col("status").alias("Status"),
                pl.col("lead").alias("Lead"),
                pl.when(pl.col("is_primary")).then(pl.lit("primary")).otherwise(pl.lit("also")).alias("Link"),
                pl.col("pdsa_cycles").alias("PDSA cycles"),
                pl.col("last_cycle").alias("Last cycle started"),
            ),
            counts=["PDSA cycles"],
            dates={"Last cycle started": "day"},
            codes={"Status": "status"},
        )
    leadership_beside_aim(aim_id)
    if aim["flags"]:
        st.subheader("Thread flags", anchor=False)
        beneath = flag_nodes(thread, thread_flags(db, today)).filter(pl.col("node").is_in(tree.visible))
        flags_with_mends(db, beneath.sort("rank", "rule"))


def leadership_beside_aim(aim_id: int) -> None:
    """The latest leadership self-assessments of the teams and the hub working on an aim (leadership page)."""
    rows = aims_leadership(db).filter(pl.col("aim_id") == aim_id)
    st.subheader("Leadership beside this aim", anchor=False)
    st.caption(
        plain(aim_leadership_line(rows)) + " The latest assessment of each framework by each team and the hub "
        "working on this aim."
    )
    if rows.height:
        show_table(
            rows.select(
                pl.when(pl.col("role") == "hub")
                .then(pl.format("{} (hub)", "organisation"))
                .otherwise("organisation")
                .alias("Team or hub"),
                pl.col("framework").fill_null("No self-assessment yet").alias("Framework"),
                pl.col("assessed_on").alias("Assessed"),
                pl.when(pl.col("subject") == "self")
                .then(pl.format("Self: {}", "person"))
                .when(pl.col("subject") == "team")
                .then(pl.format("Team of {}", "raters"))
                .alias("Who rated"),
                pl.format("{} of {}", pl.col("mean_rating").round(1), "scale_max").alias("Mean rating"),
                pl.col("growth_edge").alias("Growth edge"),
            ),
            dates={"Assessed": "day"},
        )
    st.page_link("screens/leadership.py", label="Open leadership practice", icon=":material/diversity_3:")


def icon_table(measures: pl.DataFrame, *, every_column: bool = False, key: str = "icons") -> None:
    """The compact icon table: what matters first (measure, icons, latest against target), narrow enough for a
    phone; the role, period and icon meanings on demand."""
    images = lead_measure_images(
        measures.select(
            pl.col("measure_id").cast(pl.Utf8).alias("node"), "measure", "variation_icon", "assurance_icon", "direction"
        )
    )
    table = measures.with_columns(pl.col("measure_id").cast(pl.Utf8).alias("node")).join(
        images.select("node", "Variation", "Assurance"), on="node", how="left"
    )
    written = [
        (format_value(v, d, u), format_value(t, d, u) if t is not None else "")
        for v, t, d, u in table.select("latest_value", "target", "decimal_places", "unit").iter_rows()
    ]
    shown = table.with_columns(
        pl.Series("Latest", [latest for latest, _ in written], dtype=pl.Utf8),
        pl.Series("Target", [target for _, target in written], dtype=pl.Utf8),
    ).select(
        pl.col("measure").alias("Measure"),
        "Variation",
        "Assurance",
        "Latest",
        "Target",
        pl.col("aim").alias("Aim"),
        pl.col("board_role").alias("Role"),
        pl.col("latest_x").alias("Period"),
        pl.col("variation_icon").replace_strict(ICON_WORDS, default="too few points").alias("Variation means"),
        pl.col("assurance_icon").replace_strict(ICON_WORDS, default="no target").alias("Assurance means"),
    )
    first = ["Variation", "Assurance", "Measure", "Latest", "Target"]  # what a phone shows
    columns = first + [c for c in shown.columns if c not in first] if every_column else first
    dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key=key,
        column_order=columns,
        column_config={
            "Measure": st.column_config.TextColumn(width="medium"),
            "Variation": st.column_config.ImageColumn(width="small", help="Variation: what the chart is doing"),
            "Assurance": st.column_config.ImageColumn(width="small", help="Assurance: will it meet its target?"),
            "Latest": st.column_config.TextColumn(width="medium"),
            "Target": st.column_config.TextColumn(width="medium"),
            "Period": st.column_config.DateColumn(format="MMM YYYY"),
        },
    )


chosen_aim = st.query_params.get("aim")
if chosen_aim:
    if chosen_aim.isdigit():
        aim_detail(int(chosen_aim))
        end_page()
    st.warning(f"“{plain(chosen_aim)}” is not an aim number; showing the whole board.", icon=":material/warning:")


def aim_link(aim_id: int) -> str:
    """A link to an aim on this month's board (relative, so it keeps the page it is on)."""
    return f"?month={month:%Y-%m}&aim={aim_id}"


# The front page: what needs attention and why, then where every aim stands, before any detail.
front = front_page(
    view, key_measures=st.session_state.get("board-matrix-measures", False), board=said.board.singular.lower()
)
for sentence in front.watch["sentence"]:
    st.warning(plain(sentence), icon=":material/balance:")
st.subheader(front.headline, anchor=False)
if front.needing.height:
    st.html(STYLE + attention_html(front.needing, aim_link))
st.markdown("**Where each aim stands**")
st.caption(
    "Each aim's outcome measure: what its chart is doing (across) and whether it will meet its target (down). "
    "Click an aim to open it."
)
st.html(STYLE + summary_matrix_html(front.placements, aim_link))
st.toggle("Add key process and balancing measures", key="board-matrix-measures")
st.markdown("**Summary icon table**")
filters = st.columns([1.2, 2, 1], vertical_alignment="center")
roles = filters[0].pills(
    "Measures",
    ["outcome", "key process", "balancing"],
    default=["outcome", "key process", "balancing"],
    selection_mode="multi",
    key="board-roles",
    label_visibility="collapsed",
)
chosen_aims = filters[1].multiselect(
    "Aims", view.aims["aim"].to_list(), key="board-aims", placeholder="All aims", label_visibility="collapsed"
)
every_column = filters[2].toggle("Every column", key="board-every-column")
shown = view.measures.filter(pl.col("board_role").is_in(roles or []))
if chosen_aims:
    shown = shown.filter(pl.col("aim").is_in(chosen_aims))
icon_table(shown, every_column=every_column, key="board-icon-table")

actions = st.columns([1.4, 1.6, 1.4, 1.6])


def _pack() -> bytes:
    from golden_thread.report.board_pack import board_pack_pdf  # reportlab loads only when a pack is asked for
    from golden_thread.services.board_pack import pack_data

    data = pack_data(db, view, thread_flags=thread_flags(db, today), generated_on=today)
    return board_pack_pdf(view, data, generated_on=today)


def _web_page() -> bytes:
    from golden_thread.report.board_html import published_board_html

    return published_board_html(db, view, generated_on=today)


with actions[0]:
    st.download_button(
        "Board pack (PDF)",
        _pack,
        file_name=f"board-pack-{month:%Y-%m}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        type="primary",
    )
with actions[1]:
    st.download_button(
        "Published board (web page)",
        _web_page,
        file_name=f"board-{month:%Y-%m}.html",
        mime="text/html",
        icon=":material/public:",
        disabled=not published,
        help="One self-contained page (charts, icons, words) for an intranet or a partner without an account."
        if published
        else "Publish this board first: only a published board can be shared.",
    )
with actions[2]:
    if not published and may(db, "publish_board") is None:
        with st.popover("Publish this board", icon=":material/lock:"):
            st.write(
                f"Publishing freezes the {month:%B %Y} board (values, limits, icons and summaries). Later "
                "corrections to the data will show as changes, never rewrite it."
            )
            if st.button("Publish", key="publish-board", type="primary"):
                try:
                    publish(db, live, username=username())
                except Refused as refused:
                    st.error(str(refused), icon=":material/error:")
                else:
                    st.session_state["board-message"] = f"The {month:%B %Y} board is published."
                    st.rerun()
if "board-message" in st.session_state:
    st.success(st.session_state.pop("board-message"), icon=":material/lock:")

if changes is not None:
    label = (
        "Corrected since this board was published"
        if published
        else f"Changed since last board ({compared_with.month:%B %Y})"
    )
    with st.expander(f"{label}: {changes.height}", expanded=changes.height > 0, icon=":material/difference:"):
        if changes.height:
            show_table(changes.rename({"measure": "Measure", "change": "Change", "detail": "What"}))
        else:
            st.caption("Nothing has changed.")

# The teams and hub working on each aim, with their latest self-assessments, in a line per aim.
leadership_lines, no_leadership = aim_leadership_lines(db), aim_leadership_line(aims_leadership(db).clear())
charts = board_charts(db, month, today)
for (objective, _category), aims in view.aims.group_by(["objective", "category"], maintain_order=True):
    st.subheader(plain(objective), anchor=False)
    for aim in aims.iter_rows(named=True):
        with st.container(border=True):
            cols = st.columns([2.3, 2.7, 1.5, 1.4], vertical_alignment="center")
            with cols[0]:
                st.markdown(f"**{plain(aim['aim'])}**")
                # The measure's target, in the chart's units (an aim's own target may be written as a fraction).
                target = (
                    "no target set"
                    if aim["measure_target"] is None
                    else f"target {_fmt(aim['measure_target'], aim['decimal_places'])}"
                    + (f" by {aim['target_date']:%B %Y}" if aim["target_date"] else "")
                )
                st.caption(f"{plain(aim['measure'] or 'No outcome measure')} · {target}")
                st.markdown(plain(aim["summary"] or "No data for this month."))
            with cols[1]:
                if aim["measure_id"] in charts:
                    st.vega_lite_chart(spec=charts[aim["measure_id"]], width="stretch")
            with cols[2]:
                if aim["measure_id"] is not None:
                    st.html(
                        STYLE + icons_with_words_html(aim["variation_icon"], aim["assurance_icon"], aim["direction"])
                    )
                    st.metric(
                        "Latest",
                        _fmt(aim["latest_value"], aim["decimal_places"]),
                        help=f"{aim['latest_x']:%B %Y}" if aim["latest_x"] else None,
                    )
            with cols[3]:
                st.markdown(
                    f"**{aim['active_projects'] or 0}** active projects  \n"
                    f"**{aim['cycles_in_month'] or 0}** PDSA cycles started in {month:%B}"
                )
                if not aim["active_projects"]:
                    st.error("No project serves this aim", icon=":material/link_off:")
                if aim["flags"]:
                    st.caption("Flags: " + plain("; ".join(aim["flags"])))
                st.caption(plain(leadership_lines.get(aim["aim_id"], no_leadership)))
                if st.button("Open", key=f"open-aim-{aim['aim_id']}", icon=":material/open_in_full:"):
                    st.query_params["aim"] = str(aim["aim_id"])
                    st.rerun()
