"""A network from its hub: the network aim and how the whole network is doing, each member's chart on one
scale, where learning is happening (members × change ideas), every member's thread and checks, the shared
driver diagram's versions, and a member's own data entry. Every unit, people and place word comes from the
network's vocabulary (schools, students and school years for an education network)."""

import datetime as dt

import polars as pl
import streamlit as st

from golden_thread.app.forms import added, new_record_form
from golden_thread.app.kept import kept_spec, thread_breaks
from golden_thread.app.page_end import end_page
from golden_thread.app.ui import ICON_TEXT, draw_tree, kept, label_text, plain, role_may, show_table, store, username
from golden_thread.domain.checks import RULES, rule_title
from golden_thread.domain.csv_export import safe_csv
from golden_thread.domain.formatting import code_words, format_day, format_number, format_value
from golden_thread.domain.observations import ProposedObservation, uses_denominator
from golden_thread.domain.thread_graph import build_thread, flags_by_node
from golden_thread.draw.charts import spc_chart
from golden_thread.draw.network_charts import learning_grid_chart, small_multiples_chart
from golden_thread.draw.thread_tree import TreeFilter, lead_measure_images, node_icons, tree_view
from golden_thread.errors import Refused
from golden_thread.services.measure_series import measure_charts
from golden_thread.services.network import (
    NetworkRecords,
    NetworkView,
    Reporting,
    active_diagram,
    contrasts,
    flag_counts,
    idea_spread,
    learning_grid,
    member_measure_table,
    member_summary,
    network_charts,
    network_flags,
    network_records,
    network_reporting,
    open_change_ideas,
    rule_explanation,
    small_multiples,
    version_changes,
    view_of,
)

db = store()
today = dt.date.today()
networks = db.networks()
if networks.height == 0:
    st.title("Network")
    st.info(
        f"{plain(db.scope.name)} is not a network: a network is an organisation of kind “network” with members "
        "beneath it. Import one with `golden-thread import DIR`.",
        icon=":material/hub:",
    )
    end_page()

# Which network: a shared link (?network=ID), the network chosen for this session, the person's own, the first.
names = dict(zip(networks["id"], networks["name"]))
asked = st.query_params.get("network")
if asked is not None and not (asked.isdigit() and int(asked) in names):
    st.warning(
        f"There is no network “{plain(asked)}”; showing {plain(next(iter(names.values())))} instead.",
        icon=":material/warning:",
    )
    asked = None
followed = st.session_state.get("organisation")  # the organisation chosen for the whole app, when it is a network
if asked:
    st.session_state["network-choice"] = int(asked)
elif followed in names and st.session_state.get("network-followed") != followed:
    st.session_state["network-choice"] = st.session_state["network-followed"] = followed
elif "network-choice" not in st.session_state:
    home = db.home_network(username())
    st.session_state["network-choice"] = home if home in names else next(iter(names))


# Everything below is kept until a table it was read from changes (``kept``), in parts: a team entering its
# month's figure charts the network again and finds its checks again, and leaves its members, projects, driver
# diagram and golden thread as they were; a PDSA cycle logged reads the projects and checks again and leaves the
# charts. Each tab's own content runs only when that tab is open, so a click on the page redraws it from what is
# kept.
def _reporting(db, network_id: int, on: dt.date) -> Reporting:
    return kept(db, "network_reporting", network_reporting, network_id, on)


def _records(db, network_id: int, on: dt.date) -> NetworkRecords:
    def read(db, network_id: int, on: dt.date) -> NetworkRecords:
        return network_records(db, network_id, on, _reporting(db, network_id, on))

    return kept(db, "network_records", read, network_id, on)


def _charts(db, network_id: int, on: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    return network_charts(db, _reporting(db, network_id, on))


def _flags(db, network_id: int, on: dt.date) -> pl.DataFrame:
    return network_flags(db, network_id, on, _reporting(db, network_id, on), thread_breaks(db, on))


def _view(db, network_id: int, on: dt.date) -> NetworkView:
    records = _records(db, network_id, on)
    charts = kept(db, "network_charts", _charts, network_id, on)
    return view_of(records, charts, kept(db, "network_flags", _flags, network_id, on))


def network_view_kept(db, network_id: int, on: dt.date) -> NetworkView:
    return kept(db, "network_view", _view, network_id, on, spinner="Gathering the network…")


def _learning(db, network_id: int, on: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    records = _records(db, network_id, on)
    grid = learning_grid(records.reporting.members, records.change_ideas, records.projects, records.cycles)
    return grid, idea_spread(grid)


def _thread(db, network_id: int):
    return build_thread(db.network_thread_rows(network_id))


def _thread_icons(db, network_id: int) -> pl.DataFrame:
    thread = kept(db, "network_thread", _thread, network_id)
    project_measures = thread.select(pl.col("measure_ids").explode()).drop_nulls()["measure_ids"].to_list()
    _, summaries = measure_charts(db, project_measures) if project_measures else (None, pl.DataFrame())
    return node_icons(thread, summaries)


# A chart is kept under the name of what it shows, in two steps: what it draws (its builder's arguments), kept until
# a table it was read from changes, and its Vega-Lite spec, kept by those arguments themselves. A figure entered at
# a team outside the network charts the network's series again, and a chart whose points come out the same is not
# drawn again (drawing every member's panel takes most of a second at a large network).
def _network_chart(db, network_id: int, on: dt.date, measure_id: int, height: int, title: str):
    """The whole network's chart of one uniform measure; None when no member has reported it."""
    view = network_view_kept(db, network_id, on)
    measure = view.uniform.filter(pl.col("id") == measure_id).row(0, named=True)
    points = view.points.filter(pl.col("series") == measure_id)
    if points.height == 0:
        return None
    return spc_chart, {
        "points": points,
        "title": title,
        "unit": measure["unit"] or "",
        "target": measure["target_value"],
        "height": height,
    }


def _member_charts(db, network_id: int, on: dt.date, measure_id: int, columns: int):
    """Every member's chart of one uniform measure, on one scale; None when no member has reported it."""
    view = network_view_kept(db, network_id, on)
    measure = view.uniform.filter(pl.col("id") == measure_id).row(0, named=True)
    points = small_multiples(view, measure_id)
    if points.height == 0:
        return None
    return small_multiples_chart, {
        "points": points,
        "unit": measure["unit"] or "",
        "target": measure["target_value"],
        "decimals": measure["decimal_places"],
        "member_word": view.words.member.singular.capitalize(),
        "columns": columns,
        "width": int(880 / columns) - 32,
    }


def _learning_grid(db, network_id: int, on: dt.date, member_word: str):
    """Members × change ideas, each square the latest Act decision there."""
    grid, _ = kept(db, "network_learning", _learning, network_id, on)
    return learning_grid_chart, {"grid": grid, "member_word": member_word}


header = st.columns([3, 1.4]) if len(names) > 1 else [st.container()]
if len(names) > 1:
    header[1].selectbox("Network", list(names), format_func=names.get, key="network-choice")
network_id = st.session_state["network-choice"]
view = network_view_kept(db, network_id, today)
words = view.words
Member, Members = words.member.singular.capitalize(), words.member.plural.capitalize()
header[0].title(plain(view.network["name"]))
current = view.members.filter(pl.col("current"))
former = view.members.filter(~pl.col("current"))
st.caption(
    f"The {words.hub} view of a networked improvement community: {words.member.count(current.height)}"
    + (f" now ({former.height} left)" if former.height else "")
    + f", one {words.network} aim, its shared driver diagram and uniform measures."
)

if "network-message" in st.session_state:
    st.success(plain(st.session_state.pop("network-message")), icon=":material/check_circle:")

outcome = view.uniform.filter(pl.col("measure_type") == "outcome")
outcome_id = outcome["id"][0] if outcome.height else None
grid, spread = kept(db, "network_learning", _learning, network_id, today)


def network_chart(measure: dict, height: int = 300, title: str | None = None) -> None:
    title = f"The whole {words.network}" if title is None else title
    spec = kept_spec(db, "network_chart", _network_chart, network_id, today, measure["id"], height, title)
    if spec is None:
        st.info(f"No {words.member} has reported this measure yet.", icon=":material/hourglass_empty:")
        return
    st.vega_lite_chart(spec, width="stretch")


def members_chart(measure: dict, columns: int = 3) -> None:
    spec = kept_spec(db, "network_member_charts", _member_charts, network_id, today, measure["id"], columns)
    if spec is None:
        st.info(f"No {words.member} has reported this measure yet.", icon=":material/hourglass_empty:")
        return
    st.vega_lite_chart(spec)


def icon_columns(table: pl.DataFrame, direction: str) -> pl.DataFrame:
    images = lead_measure_images(
        table.select(
            pl.col("member").alias("node"),
            pl.col("member").alias("measure"),
            "variation_icon",
            "assurance_icon",
            pl.lit(direction).alias("direction"),
        )
    )
    return table.join(images.select(pl.col("node").alias("member"), "Variation", "Assurance"), on="member", how="left")


IMAGE_COLUMNS = {
    "Variation": st.column_config.ImageColumn(width="small"),
    "Assurance": st.column_config.ImageColumn(width="small"),
}

# -- the network aim at a glance -----------------------------------------------------------------------------
with st.container(border=True):
    if view.aim is None:
        st.warning(f"This {words.network} has no {words.network} aim yet.", icon=":material/flag:")
    else:
        st.markdown(
            f"**{words.network.singular.capitalize()} aim · {plain(view.aim['title'])}**  \n"
            f"{plain(view.aim['statement'] or '')}"
        )
    summary = view.summaries.filter(pl.col("id") == outcome_id) if outcome_id is not None else pl.DataFrame()
    cols = st.columns([1.1, 1.6, 1, 1.1, 1.1])
    if summary.height and summary["latest_x"][0] is not None:
        row = summary.row(0, named=True)
        decimals, unit = outcome["decimal_places"][0], outcome["unit"][0]
        cols[0].metric(
            f"{words.network.singular.capitalize()}, {row['latest_x']:%b %Y}",
            format_value(row["latest_value"], decimals, plain(unit or "")),  # a metric's value is markdown too
            help=f"{plain(outcome['name'][0])}: every {words.member}'s {words.person.plural} pooled. "
            f"Target {format_value(outcome['target_value'][0], decimals, plain(unit or ''), missing='not set')}.",
        )
        cols[1].metric("Variation", ICON_TEXT[row["variation_icon"]], help=row["summary"])
    cols[2].metric(Members, current.height, help=f"{former.height} left the {words.network}" if former.height else None)
    tested = spread.filter(pl.col("members_testing") > 0).height
    cols[3].metric(
        "Change ideas tested",
        f"{tested} of {spread.height}",
        help=f"Shared change ideas at least one {words.member} has tested with a PDSA cycle",
    )
    this_year = view.cycles.filter(pl.col("start_date") >= words.year_start(today)).height
    cols[4].metric(
        f"PDSA cycles, {words.year_label(today)}",
        this_year,
        help=f"PDSA cycles started this {words.year}, since {format_day(words.year_start(today))}",
    )

tab_names = [
    Members,
    "Uniform measures",
    "Where learning is happening",
    "Golden thread",
    f"Checks by {words.member_short}",
    "Driver diagram",
]
reporting = role_may("enter_data")
if reporting:
    tab_names.append("Report data")


# -- members: the network's outcome as one chart and member by member --------------------------------------------
def show_members() -> None:
    """The network's outcome as one chart and member by member."""
    table = member_summary(view, outcome_id)
    unit = outcome["unit"][0] if outcome_id is not None else ""
    multiplier = outcome["multiplier"][0] if outcome_id is not None else 1.0  # aims keep shares as fractions
    decimals = outcome["decimal_places"][0] if outcome_id is not None else None  # the measure's own precision
    table = icon_columns(table, outcome["improvement_direction"][0] if outcome_id is not None else "increase")
    left, right = st.columns([1, 1.45])
    if outcome_id is not None:
        measure = outcome.row(0, named=True)
        with left:
            st.subheader(f"The whole {words.network}", anchor=False)
            st.caption(
                f"{plain(measure['name'])}: all {words.member.plural}' {words.person.plural} pooled each month "
                f"while each belonged to the {words.network}. Dashed red: the target."
            )
            network_chart(measure, height=260, title="")
    with right:
        st.subheader(f"{Members} at a glance", anchor=False)
        st.caption(
            f"Each current {words.member}'s latest figure against its own target, the icon reading its "
            f"chart; its PDSA cycles this {words.year} ({words.year_label(today)}) and the breaks in its "
            "golden thread."
        )
        glance = table.filter(pl.col("current"))
        latest, target, cycles = f"Latest ({unit})", f"Target ({unit})", f"PDSA {words.year_label(today)}"
        show_table(
            glance.select(
                pl.col("member").alias(Member),
                pl.col("latest_outcome").alias(latest),
                (pl.col("local_target") * multiplier).alias(target),
                "Variation",
                pl.col("cycles_this_year").alias(cycles),
                (pl.col("errors") + pl.col("warnings")).alias("Flags"),
            ),
            numbers={latest: decimals, target: decimals},
            counts=[cycles, "Flags"],
            height=(glance.height + 1) * 35 + 3,
            column_config={
                "Variation": st.column_config.ImageColumn(width=70),
                Member: st.column_config.TextColumn(width=190),
                latest: st.column_config.Column(width=72),
                target: st.column_config.Column(width=72),
                cycles: st.column_config.Column(width=88, help=f"PDSA cycles started this {words.year}"),
                "Flags": st.column_config.Column(width=50, help="Errors and warnings in its golden thread"),
            },
        )
    if outcome_id is not None:
        st.subheader(f"Each {words.member}, on one scale", anchor=False)
        st.caption(
            f"The same measure at every {words.member}, each with its own centre line and limits: blue is "
            "special-cause improvement, orange concern, grey common cause."
        )
        members_chart(measure, columns=4)
    with st.expander(f"Every {words.member}: dates, projects and PDSA cycles", icon=":material/table:"):
        baseline, local_target = f"Baseline ({unit})", f"Local target ({unit})"
        show_table(
            table.select(
                pl.col("member").alias(Member),
                pl.col("joined_on").alias("Joined"),
                pl.col("left_on").alias("Left"),
                (pl.col("local_baseline") * multiplier).alias(baseline),
                (pl.col("local_target") * multiplier).alias(local_target),
                pl.col("active_projects").alias("Active projects"),
                pl.col("cycles").alias("PDSA cycles"),
                pl.col("ideas_tested").alias("Change ideas tested"),
                pl.col("last_cycle").alias("Last PDSA cycle"),
                pl.col("errors").alias("Errors"),
                pl.col("warnings").alias("Warnings"),
            ),
            numbers={baseline: decimals, local_target: decimals},
            dates={"Joined": "month", "Left": "month", "Last PDSA cycle": "day"},
        )


# -- uniform measures --------------------------------------------------------------------------------------------
def show_uniform_measures() -> None:
    """Each uniform measure for the whole network and member by member."""
    st.caption(
        f"Defined once by the {words.hub}, reported by every {words.member}: the same operational definition "
        f"everywhere, so the {words.network} can learn from the variation between {words.member.plural}."
    )
    labels = {
        row["id"]: f"{row['name']} ({code_words(row['measure_type'], 'measure_type')})"
        for row in view.uniform.iter_rows(named=True)
    }
    if not labels:
        st.info(f"The {words.hub} has defined no uniform measure yet.", icon=":material/straighten:")
    else:
        chosen_measure = st.selectbox("Uniform measure", list(labels), format_func=labels.get, key="network-measure")
        measure = view.uniform.filter(pl.col("id") == chosen_measure).row(0, named=True)
        st.markdown(f"**Definition:** {plain(measure['definition'] or 'not written yet')}")
        left, right = st.columns([1, 1.25])
        with left:
            network_chart(measure, height=280)
        with right:
            per_member = icon_columns(member_measure_table(view, chosen_measure), measure["improvement_direction"])
            value = measure["unit"] or "Value"
            show_table(
                per_member.select(
                    pl.col("member").alias(Member),
                    pl.col("latest_x").alias("Latest"),
                    pl.col("latest_value").alias(value),
                    "Variation",
                    "Assurance",
                    pl.col("summary").alias("What the chart says"),
                ),
                numbers={value: measure["decimal_places"]},
                dates={"Latest": "month"},
                height=(per_member.height + 1) * 35 + 3,
                column_config=IMAGE_COLUMNS,
            )
        members_chart(measure, columns=4)


# -- where learning is happening -------------------------------------------------------------------------------
def show_learning() -> None:
    """Where learning is happening: members × shared change ideas."""
    st.caption(
        f"Each square is a shared change idea at one {words.member}: its colour is the latest Act decision of "
        "the PDSA cycles testing it there, the number how many cycles. An idea adopted in one place and "
        f"abandoned in another is where the {words.network} has most to learn."
    )
    if grid.height == 0:
        st.info("No change ideas on the shared driver diagram yet.", icon=":material/lightbulb:")
    else:
        for row in contrasts(grid).iter_rows(named=True):
            st.info(
                f"**{plain(row['change_idea'])}** was adopted at {plain(', '.join(row['adopted_by']))} and "
                f"abandoned at {plain(', '.join(row['abandoned_by']))}: compare how each tested it.",
                icon=":material/compare_arrows:",
            )
        for row in spread.filter(pl.col("members_testing") == 0).iter_rows(named=True):
            st.warning(f"No {words.member} has tested **{plain(row['change_idea'])}** yet.", icon=":material/science:")
        st.vega_lite_chart(kept_spec(db, "network_learning_grid", _learning_grid, network_id, today, Member))
        show_table(
            spread.select(
                pl.col("change_idea").alias("Change idea"),
                pl.col("driver").alias("Driver"),
                pl.col("members_testing").alias("Testing"),
                pl.col("adopted").alias("Adopted"),
                pl.col("adapting").alias("Adapting"),
                pl.col("abandoned").alias("Abandoned"),
                pl.col("cycles").alias("PDSA cycles"),
            ),
            counts=["Testing", "Adopted", "Adapting", "Abandoned", "PDSA cycles"],
            column_config={"Testing": st.column_config.Column(help=f"{Members} testing it")},
        )


# -- the thread across members -------------------------------------------------------------------------------------
def show_thread() -> None:
    """The golden thread across members, and their projects."""
    st.caption(
        f"The {words.network} aim, the shared drivers and change ideas, and under each idea the "
        f"{words.member.plural}' projects testing it (click a project for its PDSA cycles). Red: a break."
    )
    thread = kept(db, "network_thread", _thread, network_id, spinner="Tracing the network's golden thread…")
    icons = kept(db, "network_thread_icons", _thread_icons, network_id, spinner="Charting its projects' measures…")
    thread_flags = flags_by_node(thread, view.flags.filter(pl.col("rule").is_in(list(RULES))))
    who = st.multiselect(
        Members, current["member"].to_list(), key="network-thread-members", placeholder=f"Every {words.member}"
    )
    tree = open_change_ideas(tree_view(thread, thread_flags, icons, TreeFilter(divisions=tuple(who))))
    if tree.visible:
        draw_tree(tree, key=f"network-tree-{network_id}")
    projects = view.projects.filter(pl.col("member").is_in(who)) if who else view.projects
    last = (
        view.cycles.sort("start_date")
        .group_by("project_id")
        .agg(
            pl.len().alias("cycles"),
            pl.col("start_date").last().alias("last_cycle"),
            pl.col("act_decision").drop_nulls().last().alias("latest_decision"),
        )
    )
    show_table(
        projects.join(last, on="project_id", how="left").select(
            pl.col("project").alias("Project"),
            pl.col("member").alias(Member),
            pl.col("change_idea").fill_null("— no change idea —").alias("Change idea"),
            pl.col("status").alias("Status"),
            pl.col("cycles").fill_null(0).alias("PDSA cycles"),
            pl.col("last_cycle").alias("Last cycle started"),
            pl.col("latest_decision").alias("Latest decision"),
        ),
        counts=["PDSA cycles"],
        dates={"Last cycle started": "day"},
        codes={"Status": "status", "Latest decision": "act_decision"},
    )


# -- checks by member --------------------------------------------------------------------------------------------------
def show_checks() -> None:
    """The breaks in the golden thread, member by member."""
    st.caption(
        f"The breaks in the golden thread, {words.member} by {words.member}, with the {words.hub}'s own "
        "(its shared driver diagram and uniform measures) first; every flag below, errors first."
    )
    hub_label = f"The {words.hub}"
    counts = flag_counts(view.flags, view.members, hub_label)
    clean = counts.filter((pl.col("errors") + pl.col("warnings") + pl.col("information") == 0) & pl.col("current"))[
        "member"
    ].to_list()
    if clean:
        st.success(f"No breaks at {plain(', '.join(clean))}.", icon=":material/check_circle:")
    show_table(
        counts.select(
            pl.when(pl.col("left_on").is_null())
            .then(pl.col("member"))
            .otherwise(pl.col("member") + " (left " + pl.col("left_on").dt.strftime("%b %Y") + ")")
            .alias(Member),
            pl.col("errors").alias("Errors"),
            pl.col("warnings").alias("Warnings"),
            pl.col("information").alias("Information"),
        ),
        counts=["Errors", "Warnings", "Information"],
        height=(counts.height + 1) * 35 + 3,
    )
    listed = view.flags.sort(
        pl.col("severity").replace_strict({"error": 0, "warning": 1, "info": 2}, return_dtype=pl.Int8),
        "member",
        nulls_last=False,
    )
    shown = listed.select(
        pl.col("member").fill_null(hub_label).alias(Member),
        pl.col("rule").map_elements(rule_title, return_dtype=pl.Utf8).alias("Flag"),
        pl.col("severity").map_elements(lambda s: code_words(s, "severity"), return_dtype=pl.Utf8).alias("Severity"),
        pl.col("title").alias("Where"),
        pl.col("rule").map_elements(rule_explanation, return_dtype=pl.Utf8).alias("Why it matters"),
    )
    show_table(shown)
    st.download_button(
        "Download these flags (CSV)",
        safe_csv(shown),  # the file holds what the table shows, in the same words
        file_name="network-flags.csv",
        mime="text/csv",
        icon=":material/download:",
    )


# -- the shared driver diagram -----------------------------------------------------------------------------------------
def show_diagram() -> None:
    """The shared driver diagram, its versions, and publishing a new one."""
    if view.nodes.height == 0:
        st.info(f"The {words.network} aim has no shared driver diagram yet.", icon=":material/account_tree:")
    else:
        active = view.versions.filter(pl.col("status") == "active")
        if active.height:
            version = active.row(0, named=True)
            st.markdown(
                f"**Version {version['version_number']}**, from {format_day(version['effective_from'])} "
                f"({plain(version['author'] or 'author not recorded')}): {plain(version['change_note'] or '')}"
            )
        show_table(active_diagram(view.nodes))
        st.subheader("Versions", anchor=False)
        st.caption(
            f"Each version is kept. Node keys stay the same from version to version, so the "
            f"{words.member.plural}' projects and PDSA cycles keep their place when the wording changes."
        )
        show_table(
            view.versions.select(
                pl.col("version_number").alias("Version"),
                pl.col("effective_from").alias("From"),
                pl.col("author").alias("By"),
                pl.col("change_note").alias("What changed"),
                pl.col("status").alias("Status"),
            ),
            dates={"From": "day"},
            codes={"Status": "status"},
        )
        st.markdown("**What each version changed**")
        show_table(
            version_changes(view.nodes).select(
                pl.col("version_number").alias("Version"),
                pl.col("change").alias("Change"),
                pl.col("kind").alias("Node"),
                pl.col("node_key").alias("Key"),
                pl.col("title").alias("Now"),
                pl.col("before").alias("Before"),
            ),
            codes={"Node": "kind"},
        )

        st.subheader("Publish a new version", anchor=False)
        refusal = db.network_refusal(
            username(),
            "edit_network",
            network_id,
            "publish a new version of the shared driver diagram",
            f"the {words.hub} of {view.network['name']}",
        )
        if refusal:
            st.caption(plain(refusal))
        else:
            live = view.nodes.filter(pl.col("version_status") == "active")
            node_labels = {k: f"{t} ({k})" for k, t in zip(live["node_key"], live["title"])}
            drivers = {k: t for k, t, kind in zip(live["node_key"], live["title"], live["kind"]) if kind == "driver"}
            ideas = [k for k, kind in zip(live["node_key"], live["kind"]) if kind == "change_idea"]
            form = new_record_form("diagram-version")
            with st.form(form):
                first, second = st.columns(2)
                reword = first.selectbox(
                    "Reword a node",
                    [None, *node_labels],
                    key=f"{form}-reword",
                    format_func=lambda k: "Nothing to reword" if k is None else node_labels[k],
                )
                wording = second.text_input("New wording", key=f"{form}-wording")
                add_under = first.selectbox(
                    "Add a change idea under",
                    [None, *drivers],
                    key=f"{form}-add-under",
                    format_func=lambda k: "No new change idea" if k is None else drivers[k],
                )
                new_idea = second.text_input("New change idea", key=f"{form}-new-idea")
                retire = st.multiselect("Retire change ideas", ideas, format_func=node_labels.get, key=f"{form}-retire")
                note = st.text_area("What changed, and why", key=f"{form}-note", max_chars=1000)
                publish = st.form_submit_button("Publish the new version", type="primary")
            if publish:
                problems = []
                if reword and not wording.strip():
                    problems.append(f"Write the new wording for “{node_labels[reword]}”.")
                if add_under and not new_idea.strip():
                    problems.append("Write the new change idea, or choose “No new change idea”.")
                if new_idea.strip() and not add_under:
                    problems.append("Choose the driver the new change idea serves.")
                for problem in problems:
                    st.error(plain(problem), icon=":material/error:")
                if not problems:
                    try:
                        db.new_diagram_version(
                            int(view.aim["diagram_id"]),
                            note,
                            username=username(),
                            today=today,
                            rename={reword: wording} if reword else None,
                            add_ideas=[(add_under, new_idea)] if add_under else None,
                            retire=retire,
                        )
                    except Refused as refused:
                        st.error(plain(refused), icon=":material/error:")
                    else:
                        added(form)
                        st.session_state["network-message"] = (
                            f"Version {int(view.versions['version_number'].max()) + 1} is published; every "
                            f"{words.member}'s projects moved onto it."
                        )
                        st.rerun()


# -- a member's own data ---------------------------------------------------------------------------------------------
def show_report() -> None:
    """A member's own data entry."""
    st.caption(
        f"Each {words.member} reports the uniform measures for its own {words.person.plural}, and its "
        f"projects' own measures; nobody else can change a {words.member}'s figures."
    )
    own = db.user(username())["organisation_id"]
    member_ids = current["member_id"].to_list()
    mine = next((m for m in member_ids if m in db.user_teams(username())), None)
    if "report-member" not in st.session_state and mine is not None and own != network_id:
        st.session_state["report-member"] = mine
    member_names = dict(zip(current["member_id"], current["member"]))
    member_id = st.selectbox(Member, member_ids, format_func=member_names.get, key="report-member")
    refusal = db.network_refusal(
        username(),
        "enter_data",
        member_id,
        f"report {member_names[member_id]}'s data",
        f"{member_names[member_id]}'s own people or the {words.hub}",
    )
    if refusal:
        st.warning(plain(refusal), icon=":material/lock:")
    else:
        rows = pl.concat(
            [
                view.member_measures.filter(pl.col("member_id") == member_id).select("id", "name"),
                db.network_local_measures(network_id)
                .filter((pl.col("member_id") == member_id) & (pl.col("status") == "active"))
                .select("id", "name"),
            ]
        )
        labels = dict(zip(rows["id"], rows["name"]))
        measure_id = st.selectbox("Measure", list(labels), format_func=labels.get, key="report-measure")
        measure = db.measure(measure_id)
        stored = db.observations([measure_id])
        last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        months, month = [], last_month
        while len(months) < 6:
            if month.month not in words.break_months:
                months.append(month)
            month = (month - dt.timedelta(days=1)).replace(day=1)
        seen = {r["period_start"]: r for r in stored.iter_rows(named=True)}

        def _period_label(day: dt.date) -> str:
            row = seen.get(day)
            if row is None:
                return f"{day:%B %Y} (no data yet)"
            figure = (
                f"{format_number(row['numerator'])} of {format_number(row['denominator'])}"
                if row["denominator"] is not None
                else format_value(row["value"], measure["decimal_places"], measure["unit"])
            )
            return f"{day:%B %Y} (now {figure}: saving corrects it)"

        ratio = uses_denominator(measure)
        form = new_record_form(f"report-{measure_id}")
        with st.form(form):
            period = st.selectbox("Month", months, format_func=_period_label, key=f"{form}-period")
            if ratio:
                numerator = st.text_input(
                    label_text(measure["numerator_definition"] or "Numerator"), key=f"{form}-numerator"
                )
                denominator = st.text_input(
                    label_text(measure["denominator_definition"] or "Denominator"),
                    key=f"{form}-denominator",
                )
                value = None
            else:
                value = st.text_input(f"Value ({label_text(measure['unit'] or '')})", key=f"{form}-value")
                numerator = denominator = None
            note = st.text_input("Note (optional)", key=f"{form}-note")
            saved = st.form_submit_button("Save", type="primary")
        if saved:
            try:
                outcome_word = db.save_member_observation(
                    measure_id,
                    ProposedObservation(period, value=value, numerator=numerator, denominator=denominator, note=note),
                    username=username(),
                    today=today,
                    correcting=period in seen,
                    expected=seen.get(period),
                )
            except Refused as refused:
                for problem in refused.problems:
                    st.error(plain(problem), icon=":material/error:")
                st.caption("Nothing was saved. Fix the entries above and save again.")
            else:
                added(form)
                st.session_state["network-message"] = f"Saved: {labels[measure_id]}, {period:%B %Y} ({outcome_word})."
                st.rerun()


TABS = [show_members, show_uniform_measures, show_learning, show_thread, show_checks, show_diagram]
if reporting:
    TABS.append(show_report)
# Only the open tab runs; the tab is in the URL (?network-tab=…), so a tab is a link someone can send.
for tab, show in zip(st.tabs(tab_names, key="network-tab", on_change="rerun", bind="query-params"), TABS):
    with tab:
        if tab.open:
            show()
