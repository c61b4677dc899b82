"""From stored measures and observations to computed charts: every measure in one engine call."""

from __future__ import annotations

import datetime as dt

import polars as pl

from golden_thread.domain.csv_export import safe_csv
from golden_thread.domain.formatting import format_period, icon_name
from golden_thread.domain.palette import RULE_WORDS
from golden_thread.spc.engine import SETTINGS_SCHEMA, analyse
from golden_thread.spc.options import RATIO_CHARTS
from golden_thread.spc.summary import summarise
from golden_thread.storage.store import Store


def chart_inputs(
    measures: pl.DataFrame, observations: pl.DataFrame, phases: pl.DataFrame, exclusions: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The engine's points and settings frames for the given measures (one series per measure)."""
    ratio = pl.col("chart_type").is_in(list(RATIO_CHARTS))
    points = (
        observations.join(measures.select("id", "chart_type"), left_on="measure_id", right_on="id")
        .join(
            phases.select("measure_id", pl.col("starts_on").alias("period_start"), pl.lit(True).alias("phase_start")),
            on=["measure_id", "period_start"],
            how="left",
        )
        .join(
            exclusions.select("measure_id", "period_start", pl.lit(True).alias("exclude")),
            on=["measure_id", "period_start"],
            how="left",
        )
        .select(
            pl.col("measure_id").cast(pl.Int64).alias("series"),
            pl.col("period_start").alias("x"),
            # A value is charted as given; a numerator and denominator as their ratio.
            pl.when(ratio | pl.col("value").is_null()).then(pl.col("numerator")).otherwise(pl.col("value")).alias("y"),
            pl.when(ratio | pl.col("value").is_null()).then(pl.col("denominator")).otherwise(None).alias("n"),
            pl.col("phase_start").fill_null(False),
            pl.col("exclude").fill_null(False),
        )
    )
    settings = measures.select(
        pl.col("id").cast(pl.Int64).alias("series"),
        pl.col("chart_type").alias("chart"),
        # Making Data Count rules need a control chart; a run chart is always read with Anhoej's rules.
        pl.when(pl.col("chart_type") == "run").then(pl.lit("anhoej")).otherwise(pl.col("rules")).alias("rules"),
        pl.lit(None, dtype=pl.Int64).alias("baseline_points"),
        pl.col("multiplier").cast(pl.Float64).alias("multiply"),
        pl.lit(True).alias("screen"),
        pl.col("improvement_direction").alias("direction"),
        pl.col("target_value").cast(pl.Float64).alias("target"),
    ).cast(SETTINGS_SCHEMA)
    return points, settings


def measure_charts(
    store: Store,
    measure_ids: list[int] | None = None,
    *,
    up_to: dt.date | None = None,
    measures: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(points, summaries) for the measures asked for (all when None); summaries carry the measure's fields.

    ``up_to`` charts only the periods that started before that date: the chart as it stood at the time.
    """
    measures = store.measures() if measures is None else measures
    if measure_ids is not None:
        measures = measures.filter(pl.col("id").is_in(measure_ids))
    ids = measures["id"].to_list()
    observations = with_pooled_reports(store, ids, store.observations(ids))
    if up_to is not None:
        observations = observations.filter(pl.col("period_start") < up_to)
    points, settings = chart_inputs(measures, observations, store.chart_phases(ids), store.point_exclusions(ids))
    if points.height == 0:
        return points, pl.DataFrame()
    charted = analyse(points, settings)
    summaries = pl.concat(
        [
            summarise(charted.filter(pl.col("series").is_in(group["id"].implode())), frequency)
            for (frequency,), group in measures.group_by("frequency")
            if charted["series"].is_in(group["id"].implode()).any()
        ],
        how="diagonal_relaxed",
    )
    summaries = measures.join(summaries, left_on="id", right_on="series", how="left")
    return charted, summaries


# The only tables whose change ``charts_updated`` follows measure by measure (a team's figures and the audit record
# of their entry): a change to any other (a measure's definition, its phases or exclusions, a network's membership)
# charts every measure again.
FOLLOWED_BY_MEASURE = frozenset({"observation", "audit_log"})


def charts_with_fingerprints(
    store: Store,
    measure_ids: list[int] | None = None,
    *,
    up_to: dt.date | None = None,
    measures: pl.DataFrame | None = None,
    fingerprints: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """``measure_charts`` and the fingerprints of the figures they were charted from
    (``Store.observation_fingerprints``, or ``fingerprints`` read already), for ``charts_updated`` to bring up to
    date after a write."""
    if fingerprints is None:
        fingerprints = store.observation_fingerprints()  # first: a write meanwhile is then seen as a change next time
    return *measure_charts(store, measure_ids, up_to=up_to, measures=measures), fingerprints


def charts_updated(
    store: Store,
    previous: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
    changed: frozenset[str],
    measure_ids: list[int] | None = None,
    *,
    up_to: dt.date | None = None,
    measures: pl.DataFrame | None = None,
    fingerprints: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame] | None:
    """``charts_with_fingerprints`` brought up to date from ``previous`` after a write to the tables ``changed``:
    only the measures whose figures changed are charted again (and a network's uniform measure when a member's
    report of it did), the rest kept as they were. None when the write changed more than figures: chart afresh.
    ``fingerprints``: ``Store.observation_fingerprints()`` read already."""
    points, summaries, charted_from = previous
    if not changed <= FOLLOWED_BY_MEASURE or summaries.width == 0:
        return None
    now = store.observation_fingerprints() if fingerprints is None else fingerprints
    compared = ["measure_id", "periods", "fingerprint"]
    moved = pl.concat(
        [now.join(charted_from, on=compared, how="anti"), charted_from.join(now, on=compared, how="anti")]
    )
    ids = set(moved["measure_id"].to_list()) | set(moved["uniform_measure_id"].drop_nulls().to_list())
    if measure_ids is not None:
        ids &= set(measure_ids)
    if not ids:
        return points, summaries, now
    fresh_points, fresh_summaries = measure_charts(store, sorted(ids), up_to=up_to, measures=measures)
    if fresh_summaries.width == 0:
        return None  # the measures have no figure left to chart: afresh, as a whole chart without any
    # Each series where a whole run puts it: the series in the order they had, each in the order of its periods.
    series_order = points.select(pl.col("series").unique(maintain_order=True)).with_row_index("_series_order")
    if not fresh_points["series"].is_in(series_order["series"].implode()).all():
        return None  # a measure charted for the first time: where a whole run would put it is a whole run's to say
    again = pl.col("series").is_in(sorted(ids))
    points = (
        pl.concat([points.filter(~again), fresh_points.select(points.columns).cast(points.schema)])
        .join(series_order, on="series", how="left")
        .sort("_series_order", "x", maintain_order=True)
        .drop("_series_order")
    )
    merged = pl.concat([summaries.filter(~pl.col("id").is_in(sorted(ids))), fresh_summaries], how="diagonal_relaxed")
    in_order = summaries.select("id").join(merged, on="id", how="left", maintain_order="left")  # the measures' order
    if "row" in points.columns:  # the engine's numbering of its output's rows, as a whole run would have given it
        points = points.with_columns(pl.int_range(pl.len(), dtype=points.schema["row"]).alias("row"))
    return points, in_order.select(summaries.columns).cast(summaries.schema), now


def with_pooled_reports(store: Store, measure_ids: list[int], observations: pl.DataFrame) -> pl.DataFrame:
    """A network's uniform measure holds no figures of its own: its series is its members' reports pooled
    (``pooled_observations``), so the board and the pack show the same network figure as the Network page."""
    reports = store.reports_of_uniform_measures(measure_ids)
    if reports.height == 0:
        return observations
    pooled = pooled_observations(reports, store.observations(reports["id"].to_list()), reports)
    return pl.concat([observations, pooled.drop("members_reporting")], how="diagonal_relaxed")


def pooled_observations(member_rows: pl.DataFrame, observations: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """One series per uniform measure for the whole network: each period's members' figures pooled (numerators
    and denominators summed for a proportion or rate, so each student counts once; values averaged otherwise),
    counting a member only while it belonged. Columns as ``observation`` plus ``members_reporting``.
    ``member_rows``: id, uniform_measure_id, member_id, chart_type; ``members``: member_id, joined_on, left_on."""
    schema = {
        "measure_id": pl.Int64,
        "period_start": pl.Date,
        "value": pl.Float64,
        "numerator": pl.Float64,
        "denominator": pl.Float64,
        "members_reporting": pl.UInt32,
    }
    if observations.height == 0:
        return pl.DataFrame(schema=schema)
    joined = (
        observations.join(
            member_rows.select(pl.col("id").alias("measure_id"), "uniform_measure_id", "member_id", "chart_type"),
            on="measure_id",
        )
        .join(members.select("member_id", "joined_on", "left_on").unique("member_id"), on="member_id", how="left")
        .filter(
            (pl.col("period_start") >= pl.col("joined_on").dt.month_start())
            & (pl.col("left_on").is_null() | (pl.col("period_start") <= pl.col("left_on")))
        )
    )
    ratio = pl.col("chart_type").first().is_in(list(RATIO_CHARTS))
    return (
        joined.group_by("uniform_measure_id", "period_start")
        .agg(
            value=pl.when(ratio).then(None).otherwise(pl.col("value").mean()),
            numerator=pl.when(ratio).then(pl.col("numerator").sum()),
            denominator=pl.when(ratio).then(pl.col("denominator").sum()),
            members_reporting=pl.len(),
        )
        .rename({"uniform_measure_id": "measure_id"})
        .sort("measure_id", "period_start")
        .cast(schema)
    )


def measure_data_csv(measure: dict, points: pl.DataFrame, observations: pl.DataFrame) -> str:
    """A measure's data as a team would want it back, in words: each period (a month, or a week by its first day)
    with its figures as entered and its chart's lines (to the measure's own precision) and signal."""
    charted = points.select(
        pl.col("x").alias("period_start"),
        pl.col("value").alias("Charted value"),
        pl.col("phase").alias("Phase"),
        pl.col("cl").alias("Centre line"),
        pl.col("lcl").alias("Lower limit"),
        pl.col("ucl").alias("Upper limit"),
        pl.col("include").alias("Included"),
        pl.col("special_cause_type")
        .replace_strict(SIGNAL_WORDS, default=pl.col("special_cause_type"), return_dtype=pl.Utf8)
        .alias("Signal"),
        pl.col("point_type").map_elements(icon_name, return_dtype=pl.Utf8).alias("Variation"),
    )
    table = (
        observations.select("period_start", "value", "numerator", "denominator", "note", "status")
        .join(charted, on="period_start", how="left")
        .sort("period_start")
        .select(
            pl.lit(measure["name"]).alias("Measure"),
            pl.col("period_start")
            .map_elements(lambda day: format_period(day, measure.get("frequency")), return_dtype=pl.Utf8)
            .alias("Period"),
            pl.col("value").alias("Value"),
            pl.col("numerator").alias("Numerator"),
            pl.col("denominator").alias("Denominator"),
            pl.col("note").alias("Note"),
            pl.col("status").alias("Status"),
            pl.exclude("period_start", "value", "numerator", "denominator", "note", "status"),
        )
    )
    places = measure.get("decimal_places")
    decimals = {} if places is None else {c: int(places) for c in NUMBER_COLUMNS}
    return safe_csv(table, decimals)


# The computed lines a measure's data file rounds to the measure's own precision (the figures entered stay as
# entered, so the file holds exactly what was stored).
NUMBER_COLUMNS = ("Charted value", "Centre line", "Lower limit", "Upper limit")
# The engine's names for a special-cause point, as a reader says them ("Common Cause" is no signal at all).
SIGNAL_WORDS = {"Common Cause": None, **{rule: words[:1].upper() + words[1:] for rule, words in RULE_WORDS.items()}}
