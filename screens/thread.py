"""The golden thread: every PDSA cycle up through its project, change idea and drivers to a system-level aim."""

import datetime as dt

import polars as pl
import streamlit as st

from golden_thread.app.page_end import end_page
from golden_thread.app.tables import dataframe
from golden_thread.app.ui import (
    ICON_TEXT,
    draw_tree,
    lead_icons,
    mend_links,
    plain,
    rule_name,
    store,
    thread_and_flags,
    thread_flags,
    thread_tree,
)
from golden_thread.domain.checks import RULES
from golden_thread.domain.csv_export import safe_csv
from golden_thread.domain.thread_graph import flag_nodes
from golden_thread.draw.thread_tree import (
    KIND_COLOURS,
    SEVERITY_COLOURS,
    SEVERITY_RANK,
    TreeFilter,
    TreeState,
    node_details,
)
from golden_thread.services.mends import flag_mends

db = store()
st.title("Golden thread")
st.caption(
    "Each system-level aim, its drivers and change ideas, the projects testing them and their PDSA cycles. "
    "Click a box for its details; red dashed links are breaks in the thread."
)

thread, flags = thread_and_flags(db, dt.date.today())
aims = thread.filter(pl.col("kind") == "aim")
aim_titles = dict(zip(aims["node"], aims["label"]))

# A shared link names a node (?node=project:12) or an aim (?aim=3); anything else is ignored with a message.
query_node = st.query_params.get("node")
if query_node and not (thread["node"] == query_node).any():
    st.warning(
        f"There is nothing called “{plain(query_node)}” in the thread; showing the whole thread instead.",
        icon=":material/warning:",
    )
    query_node = None
if query_node and st.session_state.get("tree-linked") != query_node:
    st.session_state["tree-linked"] = query_node  # opened once: the reader may move on from it
    st.session_state["tree-state"] = TreeState(query_node, frozenset({query_node}))  # shown, and its branch open
    st.session_state["tree-details"] = query_node
query_aim = st.query_params.get("aim")
if query_aim and f"aim:{query_aim}" in aim_titles and "filter-aim" not in st.session_state:
    st.session_state["filter-aim"] = f"aim:{query_aim}"

work = thread.filter(pl.col("team").is_not_null() & (pl.col("kind") == "project"))
top = st.columns([2, 2, 2, 1.4])
chosen_aim = top[0].selectbox(
    "Aim", [None, *aim_titles], key="filter-aim", format_func=lambda n: "All aims" if n is None else aim_titles[n]
)
divisions = top[1].multiselect("Division", sorted(work["division"].unique()), key="filter-division")
team_choices = work.filter(pl.col("division").is_in(divisions)) if divisions else work
teams = top[2].multiselect("Team", sorted(team_choices["team"].unique()), key="filter-team")
statuses = top[3].multiselect(
    "Project status", sorted(work["status"].unique()), key="filter-status", format_func=lambda s: s.replace("_", " ")
)
second = st.columns([3, 3])
flagged_rules = set(flags["rule"].explode().unique().to_list())
rules = second[0].multiselect(
    "Flag", [r for r in RULES if r in flagged_rules], key="filter-rule", format_func=rule_name
)
search = second[1].text_input(
    "Search", key="filter-search", placeholder="Words in an aim, driver, idea, project or cycle"
)

chosen = TreeFilter(
    aim=chosen_aim,
    divisions=tuple(divisions),
    teams=tuple(teams),
    statuses=tuple(statuses),
    rules=tuple(rules),
    search=search,
)
state: TreeState = st.session_state.get("tree-state", TreeState())
view, drawing = thread_tree(db, dt.date.today(), chosen, state)

if not view.visible:
    st.info(
        "Nothing in the thread matches these filters. Clear a filter to see more.", icon=":material/filter_alt_off:"
    )
    end_page()

visible = pl.Series(view.visible, dtype=pl.Utf8).implode()
in_view = flags.filter(pl.col("node").is_in(visible))
counts = in_view.select(pl.col("severity").explode()).group_by("severity").len()
count_of = dict(counts.iter_rows())
metrics = st.columns(4)
metrics[0].metric(
    "Shown in the tree",
    f"{view.drawn:,} of {view.total:,}",
    help="Boxes drawn now, of all the aims, drivers, change ideas, projects and PDSA cycles these filters keep: "
    "open a branch to see more.",
)
metrics[1].metric("Errors", count_of.get("error", 0), help="Work with no strategic link; aims that nothing serves.")
metrics[2].metric("Warnings", count_of.get("warning", 0))
metrics[3].metric("For information", count_of.get("info", 0))
if view.folded_kinds:
    st.info(
        f"The thread is too large to draw whole: {' and '.join(k + 's' for k in view.folded_kinds)} are counted on "
        "their parent. Choose an aim, division or team to see them.",
        icon=":material/unfold_less:",
    )

legend = " ".join(
    f'<span style="color:{colour}">■</span> {kind}'
    for kind, colour in KIND_COLOURS.items()
    if kind not in ("orphans", "retired links")
)
legend += (
    f' · <span style="color:{SEVERITY_COLOURS["error"]}">⚑ error</span>'
    f' · <span style="color:{SEVERITY_COLOURS["warning"]}">⚑ warning</span>'
    f' · <span style="color:{SEVERITY_COLOURS["error"]}">╌ broken link</span>'
    " · icons: variation, then assurance, of the box's lead measure"
)
st.caption(legend, unsafe_allow_html=True)

where = thread.select("node", pl.concat_str("kind", pl.lit(": "), "label").alias("where"))
label_of = dict(where.filter(pl.col("node").is_in(visible)).iter_rows())


def _find() -> None:
    found = st.session_state.get("tree-find")
    if found:
        before = st.session_state.get("tree-state", TreeState())
        st.session_state["tree-state"] = TreeState(found, before.opened | {found}, before.closed - {found})
        st.session_state["tree-details"] = found
        st.session_state["tree-find"] = None  # a search, not a setting: it empties once it has found


how = st.columns([3, 1.2, 2.2], vertical_alignment="bottom")
how[0].markdown(
    "Click a box for its details; its branch opens too, and a second click closes it."
    + (" “+1 project” under a box says what its closed branch holds." if view.drawn < view.total else "")
)
if state.opened or state.closed:
    if how[1].button("Fold the tree back", icon=":material/unfold_less:", help="Close every branch you opened"):
        st.session_state["tree-state"] = TreeState()
        st.rerun()
how[2].selectbox(
    "Find a box",
    view.visible,
    index=None,
    # A box another person added between this page's two reads (a PDSA cycle just logged) has no label yet.
    format_func=lambda node: label_of.get(node) or node,
    placeholder="Type a few words to find it",
    key="tree-find",
    on_change=_find,
)

clicked = draw_tree(view, key="thread-tree", drawing=drawing)
if clicked:
    state, show_details = state.click(clicked, view)
    st.session_state["tree-state"] = state
    if show_details:
        st.session_state["tree-details"] = clicked
    st.rerun()


def _details(node: str) -> None:
    """What a box is, why it is flagged and how to mend it, its lead measure and its thread up to the aim."""
    details = node_details(thread, flags, lead_icons(db, frozenset({node})), node)
    if details is None:
        return
    st.subheader(plain(details["label"]), anchor=False)
    if details["team"]:
        where = [details["team"]]
        if details["division"] and details["division"] != details["team"]:
            where.append(details["division"])  # a team outside any division is named once
        st.text(" · ".join([*where, details["status"].replace("_", " ")]))
    here = flag_nodes(thread, thread_flags(db, dt.date.today())).filter(pl.col("node") == node)
    mends = flag_mends(db, here)
    for flag in here.sort("rank", "rule").iter_rows(named=True):
        show = {"error": st.error, "warning": st.warning, "info": st.info}[flag["severity"]]
        show(f"{rule_name(flag['rule'])}: {flag['message']}", icon=":material/flag:")
        mend_links(db, mends.get((flag["rule"], flag["entity_id"]), []))
    lead = details["lead_measure"]
    if lead:
        st.markdown("**Lead measure**")
        st.text(lead["measure"])
        st.text(f"Variation: {ICON_TEXT[lead['variation_icon']]} · Assurance: {ICON_TEXT[lead['assurance_icon']]}")
        if lead["summary"]:
            st.caption(lead["summary"])
        st.page_link(
            "screens/measures.py",
            label="Open the measure's chart",
            icon=":material/monitoring:",
            query_params={"measure": str(lead["measure_id"])},
        )
    if details["thread"]:
        st.markdown("**Its thread, up to the aim**")
        st.text("\n".join(f"{'  ' * i}↑ {kind}: {label}" for i, (kind, label) in enumerate(details["thread"])))
    if details["also"]:
        st.markdown("**Also contributes to**")
        st.text("\n".join(f"• {kind}: {label}" for kind, label in details["also"]))
    if details["children"]:
        st.text(" · ".join(f"{count} {kind}{'s' if count != 1 else ''}" for kind, count in details["children"].items()))


chosen_node = st.session_state.pop("tree-details", None)
chosen_kind = thread.filter(pl.col("node") == chosen_node)["kind"] if chosen_node else None
if chosen_kind is not None and chosen_kind.len():
    kind = chosen_kind[0]
    st.dialog(kind[:1].upper() + kind[1:], width="large")(_details)(chosen_node)  # "PDSA cycle" keeps its capitals

st.subheader("Flags in this view")
listed = (
    in_view.explode("rule", "severity", "message")
    .join(where, on="node", how="left", maintain_order="left")
    .select(
        pl.col("rule").map_elements(rule_name, return_dtype=pl.Utf8).alias("Flag"),
        pl.col("severity").alias("Severity"),
        pl.coalesce("where", "node").alias("Where"),
        pl.col("message").alias("Why it matters"),
    )
    .sort(pl.col("Severity").replace_strict(SEVERITY_RANK, return_dtype=pl.Int8), "Flag")
)
dataframe(listed, hide_index=True, width="stretch")
st.download_button(
    "Download these flags (CSV)",
    safe_csv(listed),
    file_name="golden-thread-tree-flags.csv",
    mime="text/csv",
    icon=":material/download:",
)
