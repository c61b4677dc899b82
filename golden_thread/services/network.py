"""A network seen from its hub (DOMAIN §6): every member's thread, the uniform measures member by member and
for the whole network, where learning is happening (members × change ideas), and the checks per member.

``network_view(store, network_id, today)`` reads what the hub needs through the store once (in three parts, which
an app may keep apart: the network's records, the charts of its observations, its checks); the functions below
it are pure over frames and return data, never widgets. The chart builders at the end draw only what
they are given (computing apart from drawing, as the rest of Golden Thread).

Change ideas are always matched by their stable node key, so a PDSA cycle logged against an earlier wording of
the shared driver diagram still counts for the idea as the diagram words it now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import polars as pl

from golden_thread.domain.checks import RULES
from golden_thread.domain.vocabulary import Words, words
from golden_thread.services.checks import check_by_organisation
from golden_thread.services.measure_series import chart_inputs, pooled_observations
from golden_thread.spc.engine import analyse
from golden_thread.spc.summary import summarise

# What a member is doing with a change idea, from its PDSA cycles' latest Act decision.
LearningState = Literal["adopted", "adapting", "abandoned", "testing", "not tested"]
STATES: tuple[str, ...] = ("adopted", "adapting", "abandoned", "testing", "not tested")
STATE_OF_DECISION = {"adopt": "adopted", "adapt": "adapting", "abandon": "abandoned"}


@dataclass
class Reporting:
    """Who reports what: the members (with when each belonged), the hub's uniform measures and each member's
    measure of each, the rows the network's charts are drawn from."""

    members: pl.DataFrame  # member_id, member, joined_on, left_on, current, local_aim_id, local_aim
    uniform: pl.DataFrame  # the hub's definitions
    member_measures: pl.DataFrame  # each member's row for each uniform measure


@dataclass
class NetworkRecords:
    """What the network is, read once: its members and measures (``Reporting``), aims, projects, PDSA cycles and
    shared driver diagram (everything the page shows but the charts of its observations and its checks)."""

    network: dict
    today: dt.date
    reporting: Reporting
    aim: dict | None  # the network aim (the first active one)
    local_aims: pl.DataFrame
    projects: pl.DataFrame
    cycles: pl.DataFrame
    change_ideas: pl.DataFrame
    versions: pl.DataFrame
    nodes: pl.DataFrame


@dataclass
class NetworkView:
    """Everything the network page shows, read once."""

    network: dict
    words: Words
    today: dt.date
    members: pl.DataFrame  # member_id, member, joined_on, left_on, current, local_aim_id, local_aim
    aim: dict | None  # the network aim (the first active one)
    local_aims: pl.DataFrame
    uniform: pl.DataFrame  # the hub's definitions
    member_measures: pl.DataFrame  # each member's row for each uniform measure
    points: pl.DataFrame  # charted points: network series (series = definition id) and member series
    summaries: pl.DataFrame  # per series: variation_icon, assurance_icon, summary, latest value...
    projects: pl.DataFrame
    cycles: pl.DataFrame
    change_ideas: pl.DataFrame
    flags: pl.DataFrame  # per-member checks: member (None for the hub), rule, severity, entity, title, message
    versions: pl.DataFrame
    nodes: pl.DataFrame


def network_view(store, network_id: int, today: dt.date, breaks: pl.DataFrame | None = None) -> NetworkView:
    """The network's view for its hub, as of ``today``. ``breaks``: ``Store.thread_breaks`` of every rule, read
    already (as ``checks.check_by_organisation`` takes them)."""
    reporting = network_reporting(store, network_id, today)
    records = network_records(store, network_id, today, reporting)
    return view_of(
        records, network_charts(store, reporting), network_flags(store, network_id, today, reporting, breaks)
    )


# The view in parts, each read from its own tables, so that an app can keep each until a table it was read from
# changes: a team entering its month's figure charts the network again and finds its checks again, and leaves its
# members, projects and driver diagram as they were; a PDSA cycle logged leaves its charts as they were.


def network_reporting(store, network_id: int, today: dt.date) -> Reporting:
    """Who reports what, as of ``today`` (its members' ``current`` says who belongs on that day)."""
    return Reporting(
        members=store.network_members(network_id, today),
        uniform=store.uniform_measures(network_id),
        member_measures=store.member_measures(network_id),
    )


def network_records(store, network_id: int, today: dt.date, reporting: Reporting) -> NetworkRecords:
    """What the network is, as of ``today``, with its ``reporting`` (``network_reporting``)."""
    networks = store.networks().filter(pl.col("id") == network_id)
    if networks.height == 0:
        raise ValueError(f"There is no network {network_id}.")
    aims = store.network_aims(network_id).filter(pl.col("status") == "active")
    aim = aims.row(0, named=True) if aims.height else None
    diagram_id = aim["diagram_id"] if aim else None
    return NetworkRecords(
        network=networks.row(0, named=True),
        today=today,
        reporting=reporting,
        aim=aim,
        local_aims=store.local_aims(network_id),
        projects=store.network_projects(network_id),
        cycles=store.network_cycles(network_id),
        change_ideas=store.network_change_ideas(network_id),
        versions=store.diagram_versions(diagram_id) if diagram_id else pl.DataFrame(),
        nodes=store.diagram_nodes(diagram_id) if diagram_id else pl.DataFrame(),
    )


def network_charts(store, reporting: Reporting) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(points, summaries) of the network's series (series = the uniform measure's id: every member's people pooled
    while each belonged) and of each member's series of each uniform measure."""
    member_rows = reporting.member_measures
    ids = member_rows["id"].to_list()
    observations = store.observations(ids)
    network_obs = pooled_observations(member_rows, observations, reporting.members)
    member_points, member_summaries = chart(
        member_rows, observations, store.chart_phases(ids), store.point_exclusions(ids)
    )
    network_points, network_summaries = chart(reporting.uniform, network_obs)
    return (
        pl.concat([network_points, member_points], how="diagonal_relaxed"),
        pl.concat([network_summaries, member_summaries], how="diagonal_relaxed"),
    )


def network_flags(
    store, network_id: int, today: dt.date, reporting: Reporting, breaks: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The network's checks by member (``member_flags``). ``breaks``: as ``checks.check_by_organisation`` takes
    them."""
    found = check_by_organisation(store, today, breaks).filter(pl.col("network_id") == network_id)
    return member_flags(found, reporting.members)


def view_of(records: NetworkRecords, charts: tuple[pl.DataFrame, pl.DataFrame], flags: pl.DataFrame) -> NetworkView:
    """The page's view from its parts."""
    points, summaries = charts
    return NetworkView(
        network=records.network,
        words=words(records.network["vocabulary"]),
        today=records.today,
        members=records.reporting.members,
        aim=records.aim,
        local_aims=records.local_aims,
        uniform=records.reporting.uniform,
        member_measures=records.reporting.member_measures,
        points=points,
        summaries=summaries,
        projects=records.projects,
        cycles=records.cycles,
        change_ideas=records.change_ideas,
        flags=flags,
        versions=records.versions,
        nodes=records.nodes,
    )


# -- uniform measures: the network as one series, and each member's ---------------------------------------


def chart(
    measures: pl.DataFrame,
    observations: pl.DataFrame,
    phases: pl.DataFrame | None = None,
    exclusions: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(points, summaries) of the given measures' series, as ``measure_series.measure_charts`` computes them."""
    empty_phases = pl.DataFrame(schema={"measure_id": pl.Int64, "starts_on": pl.Date})
    empty_exclusions = pl.DataFrame(schema={"measure_id": pl.Int64, "period_start": pl.Date})
    measures = measures.filter(pl.col("id").is_in(observations["measure_id"].unique().implode()))
    if measures.height == 0:
        return pl.DataFrame(), pl.DataFrame()
    points, settings = chart_inputs(
        measures,
        observations.select("measure_id", "period_start", "value", "numerator", "denominator"),
        empty_phases if phases is None else phases,
        empty_exclusions if exclusions is None else exclusions,
    )
    charted = analyse(points, settings)
    summaries = summarise(charted, "monthly")
    return charted, measures.join(summaries, left_on="id", right_on="series", how="left")


def small_multiples(view: NetworkView, uniform_measure_id: int) -> pl.DataFrame:
    """The charted points of every member's report of one uniform measure, each labelled with its member (in
    the members' order, current members first), for one small-multiples chart with a shared scale.

    ``member_target`` is the member's own target, as the members table shows it: for the network aim's outcome
    measure its local aim's target (on the measure's scale), else its own measure's target."""
    rows = view.member_measures.filter(pl.col("uniform_measure_id") == uniform_measure_id)
    outcome = view.uniform.filter((pl.col("id") == uniform_measure_id) & (pl.col("measure_type") == "outcome"))
    local = view.local_aims.select("aim_id", pl.col("target_value").alias("local_target"))
    rows = rows.join(local, on="aim_id", how="left").with_columns(
        member_target=pl.coalesce(pl.col("local_target") * pl.col("multiplier"), pl.col("target_value"))
        if outcome.height
        else pl.col("target_value")
    )
    order = {name: k for k, name in enumerate(view.members["member"])}
    points = view.points.filter(pl.col("series").is_in(rows["id"].implode()))
    if points.height == 0:
        return points
    left = view.members.filter(~pl.col("current")).select("member", "left_on")
    labelled = (
        rows.select(pl.col("id").cast(points["series"].dtype).alias("series"), "member", "member_target")
        .join(left, on="member", how="left")
        .with_columns(
            pl.col("member").replace_strict(order, default=99, return_dtype=pl.Int32).alias("order"),
            pl.when(pl.col("left_on").is_null())
            .then(pl.col("member"))
            .otherwise(pl.col("member") + pl.lit(" (left ") + pl.col("left_on").dt.strftime("%b %Y") + pl.lit(")"))
            .alias("member"),
        )
        .drop("left_on")
    )
    return points.join(labelled, on="series").sort("order", "x")


def member_measure_table(view: NetworkView, uniform_measure_id: int) -> pl.DataFrame:
    """Per member, one uniform measure: its latest period and value, variation and assurance, and the sentence."""
    rows = view.member_measures.filter(pl.col("uniform_measure_id") == uniform_measure_id).select(
        "id", "member", "member_id", "decimal_places", "improvement_direction"
    )
    summaries = (
        view.summaries.select("id", "latest_x", "latest_value", "variation_icon", "assurance_icon", "state", "summary")
        if "variation_icon" in view.summaries.columns
        else pl.DataFrame(schema={"id": pl.Int64})
    )
    table = rows.join(summaries, on="id", how="left").join(
        view.members.select("member_id", "current", "joined_on", "left_on"), on="member_id", how="left"
    )
    return table.sort(pl.col("current").not_(), "member")


# -- where learning is happening -----------------------------------------------------------------------------


def learning_grid(
    members: pl.DataFrame, change_ideas: pl.DataFrame, projects: pl.DataFrame, cycles: pl.DataFrame
) -> pl.DataFrame:
    """Members × change ideas (active version, matched by key): projects, PDSA cycles, adopt/adapt/abandon counts,
    the latest decision and the state it puts the member in (adopted, adapting, abandoned, testing, not tested)."""
    grid = members.select("member_id", "member", "current").join(
        change_ideas.select(
            pl.col("node_key").alias("idea_key"), pl.col("title").alias("change_idea"), "driver_key", "driver"
        ),
        how="cross",
    )
    tested = (
        cycles.filter(pl.col("idea_key").is_not_null())
        .sort("start_date", "cycle_id")
        .group_by("member_id", "idea_key")
        .agg(
            cycles=pl.len(),
            adopt=(pl.col("act_decision") == "adopt").sum(),
            adapt=(pl.col("act_decision") == "adapt").sum(),
            abandon=(pl.col("act_decision") == "abandon").sum(),
            latest_decision=pl.col("act_decision").drop_nulls().last(),
            last_cycle=pl.col("start_date").max(),
        )
    )
    work = (
        projects.filter(pl.col("idea_key").is_not_null())
        .group_by("member_id", "idea_key")
        .agg(projects=pl.len(), project_titles=pl.col("project"))
    )
    grid = (
        grid.join(tested, on=["member_id", "idea_key"], how="left")
        .join(work, on=["member_id", "idea_key"], how="left")
        .with_columns(pl.col("cycles", "adopt", "adapt", "abandon", "projects").fill_null(0))
    )
    return grid.with_columns(
        state=pl.when(pl.col("cycles") == 0)
        .then(pl.lit("not tested"))
        .when(pl.col("latest_decision").is_null())
        .then(pl.lit("testing"))
        .otherwise(pl.col("latest_decision").replace_strict(STATE_OF_DECISION, default="testing"))
    ).sort("idea_key", pl.col("current").not_(), "member")


def idea_spread(grid: pl.DataFrame) -> pl.DataFrame:
    """Per change idea: how many members test it, have adopted or abandoned it, and its PDSA cycles in all."""
    return (
        grid.group_by("idea_key", "change_idea", "driver", maintain_order=True)
        .agg(
            members_testing=(pl.col("cycles") > 0).sum(),
            adopted=(pl.col("state") == "adopted").sum(),
            adapting=(pl.col("state") == "adapting").sum(),
            abandoned=(pl.col("state") == "abandoned").sum(),
            cycles=pl.col("cycles").sum(),
        )
        .sort("idea_key")
    )


def contrasts(grid: pl.DataFrame) -> pl.DataFrame:
    """Change ideas one member adopted and another abandoned: where the network has most to learn
    (idea_key, change_idea, adopted_by, abandoned_by)."""
    return (
        grid.group_by("idea_key", "change_idea", maintain_order=True)
        .agg(
            adopted_by=pl.col("member").filter(pl.col("state") == "adopted"),
            abandoned_by=pl.col("member").filter(pl.col("state") == "abandoned"),
        )
        .filter((pl.col("adopted_by").list.len() > 0) & (pl.col("abandoned_by").list.len() > 0))
        .sort("idea_key")
    )


def member_summary(view: NetworkView, outcome_measure_id: int | None) -> pl.DataFrame:
    """One row per member: joined, left, local aim target, latest outcome and its variation, active projects,
    PDSA cycles this (school) year, the change ideas it tests, and its flags by severity."""
    year_start = view.words.year_start(view.today)
    projects = view.projects.group_by("member_id").agg(
        active_projects=(pl.col("status") == "active").sum(), projects=pl.len()
    )
    cycles = view.cycles.group_by("member_id").agg(
        cycles_this_year=(pl.col("start_date") >= year_start).sum(),
        cycles=pl.len(),
        ideas_tested=pl.col("idea_key").drop_nulls().n_unique(),
        last_cycle=pl.col("start_date").max(),
    )
    flags = (
        view.flags.filter(pl.col("member_id").is_not_null())
        .group_by("member_id")
        .agg(
            errors=(pl.col("severity") == "error").sum(),
            warnings=(pl.col("severity") == "warning").sum(),
            information=(pl.col("severity") == "info").sum(),
        )
    )
    targets = view.local_aims.select(
        "member_id", pl.col("target_value").alias("local_target"), pl.col("baseline_value").alias("local_baseline")
    )
    table = (
        view.members.join(targets, on="member_id", how="left")
        .join(projects, on="member_id", how="left")
        .join(cycles, on="member_id", how="left")
        .join(flags, on="member_id", how="left")
    )
    if outcome_measure_id is not None and "variation_icon" in view.summaries.columns:
        outcome = member_measure_table(view, outcome_measure_id).select(
            "member_id",
            pl.col("latest_x").alias("latest_period"),
            pl.col("latest_value").alias("latest_outcome"),
            "variation_icon",
            "assurance_icon",
        )
        table = table.join(outcome, on="member_id", how="left")
    counts = [
        "active_projects",
        "projects",
        "cycles_this_year",
        "cycles",
        "ideas_tested",
        "errors",
        "warnings",
        "information",
    ]
    return table.with_columns(pl.col(counts).fill_null(0))


# -- checks per member -----------------------------------------------------------------------------------------


def member_flags(flags: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """The network's flags by member, the hub's first, each member's in the registry's order: ``flags`` are
    ``check_by_organisation``'s for the network (the thread's rules and the network's own per-member rules, all
    from ``domain.checks.RULES``). Columns: member_id, member (None for the hub's records), current, rule,
    severity, entity_type, entity_id, title, message."""
    rows = flags.select(
        "rule",
        "entity_type",
        pl.col("entity_id").cast(pl.Int64),
        "title",
        pl.col("member_id").cast(pl.Int64),
        "severity",
        "message",
    )
    order = {name: k for k, name in enumerate(RULES)}
    names = members.select(pl.col("member_id").cast(pl.Int64), "member", "current")
    return (
        rows.join(names, on="member_id", how="left")
        .with_columns(pl.col("rule").replace_strict(order, return_dtype=pl.Int32).alias("_order"))
        .sort(pl.col("member").is_not_null(), "member", "_order", "entity_id", nulls_last=False)
        .select("member_id", "member", "current", "rule", "severity", "entity_type", "entity_id", "title", "message")
    )


def flag_counts(flags: pl.DataFrame, members: pl.DataFrame, hub_label: str) -> pl.DataFrame:
    """Errors, warnings and information per member (every member, flagged or not), the hub first under
    ``hub_label``: member, current, errors, warnings, information, left_on."""
    counts = (
        flags.with_columns(pl.col("member").fill_null(hub_label))
        .group_by("member")
        .agg(
            errors=(pl.col("severity") == "error").sum(),
            warnings=(pl.col("severity") == "warning").sum(),
            information=(pl.col("severity") == "info").sum(),
        )
    )
    everyone = pl.concat(
        [pl.DataFrame({"member": [hub_label], "current": [True]}), members.select("member", "current")]
    )
    left = members.filter(~pl.col("current")).select("member", pl.col("left_on"))
    return (
        everyone.join(counts, on="member", how="left")
        .join(left, on="member", how="left")
        .with_columns(pl.col("errors", "warnings", "information").fill_null(0).cast(pl.Int64))
    )


def rule_explanation(rule: str) -> str:
    return RULES[rule].explanation


# -- the shared driver diagram's versions -------------------------------------------------------------------


def version_changes(nodes: pl.DataFrame) -> pl.DataFrame:
    """What each version changed from the one before, by node key: version_number, change (added, reworded,
    retired), kind, node_key, title (and the wording before, for a rewording)."""
    schema = {
        "version_number": pl.Int64,
        "change": pl.Utf8,
        "kind": pl.Utf8,
        "node_key": pl.Utf8,
        "title": pl.Utf8,
        "before": pl.Utf8,
    }
    if nodes.height == 0:
        return pl.DataFrame(schema=schema)
    rows = []
    numbers = sorted(nodes["version_number"].unique())
    for previous, number in zip(numbers, numbers[1:]):
        before = {r["node_key"]: r for r in nodes.filter(pl.col("version_number") == previous).iter_rows(named=True)}
        after = {r["node_key"]: r for r in nodes.filter(pl.col("version_number") == number).iter_rows(named=True)}
        for key in sorted(after.keys() - before.keys()):
            rows.append(
                dict(
                    version_number=number,
                    change="added",
                    kind=after[key]["kind"],
                    node_key=key,
                    title=after[key]["title"],
                    before=None,
                )
            )
        for key in sorted(before.keys() & after.keys()):
            if before[key]["title"] != after[key]["title"]:
                rows.append(
                    dict(
                        version_number=number,
                        change="reworded",
                        kind=after[key]["kind"],
                        node_key=key,
                        title=after[key]["title"],
                        before=before[key]["title"],
                    )
                )
        for key in sorted(before.keys() - after.keys()):
            rows.append(
                dict(
                    version_number=number,
                    change="retired",
                    kind=before[key]["kind"],
                    node_key=key,
                    title=before[key]["title"],
                    before=None,
                )
            )
    return pl.DataFrame(rows, schema=schema)


def active_diagram(nodes: pl.DataFrame) -> pl.DataFrame:
    """The active version as rows a person reads top to bottom: primary driver, secondary driver, change idea."""
    active = nodes.filter(pl.col("version_status") == "active")
    title = dict(zip(active["node_key"], active["title"]))
    rows = []
    primaries = active.filter(pl.col("level") == "primary").sort("node_key")
    secondaries = active.filter(pl.col("level") == "secondary").sort("node_key")
    ideas = active.filter(pl.col("kind") == "change_idea").sort("node_key")
    for primary in primaries["node_key"]:
        for secondary in secondaries.filter(pl.col("parent_keys").list.first() == primary)["node_key"]:
            served = ideas.filter(pl.col("parent_keys").list.contains(secondary))
            for idea_key, idea in zip(served["node_key"], served["title"]):
                rows.append(
                    {
                        "Primary driver": title[primary],
                        "Secondary driver": title[secondary],
                        "Change idea": idea,
                        "Key": idea_key,
                    }
                )
            if served.height == 0:
                rows.append(
                    {
                        "Primary driver": title[primary],
                        "Secondary driver": title[secondary],
                        "Change idea": None,
                        "Key": None,
                    }
                )
    return pl.DataFrame(
        rows, schema={"Primary driver": pl.Utf8, "Secondary driver": pl.Utf8, "Change idea": pl.Utf8, "Key": pl.Utf8}
    )


OPEN_LABEL_CHARACTERS = 22


def open_change_ideas(tree):
    """A thread tree (``thread_tree.tree_view``) with every change idea open, so each shows the members' projects
    testing it: the network's question is which members test which ideas."""

    def walk(items: list[dict]) -> None:
        for item in items:
            if item.get("children"):
                if item["tooltip"]["formatter"].startswith("change idea:"):
                    item["collapsed"] = False
                    if "{" not in item["name"] and len(item["name"]) > OPEN_LABEL_CHARACTERS:  # room for its projects
                        item["name"] = item["name"][: OPEN_LABEL_CHARACTERS - 1] + "…"
                walk(item["children"])

    walk(tree.roots)
    return tree
