"""The monthly board view: every system-level aim with its outcome measure's chart as it stood at month end,
Making Data Count icons, the work serving the aim and its thread flags; frozen when published.

Pure over the store: the board page, the board pack and the snapshot all take their figures from
``board_view``, so what the board sees on screen, on paper and in the archive is one computation.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import polars as pl

from golden_thread.domain.board_attention import (
    aims_needing_attention,
    attention_headline,
    balancing_watch,
    matrix_placements,
)
from golden_thread.domain.checks import rule_title
from golden_thread.domain.palette import ICONS, icon_words
from golden_thread.services.measure_series import measure_charts
from golden_thread.storage.store import Store

AIM_SCHEMA = {
    "objective_id": pl.Int64,
    "objective": pl.Utf8,
    "category": pl.Utf8,
    "aim_id": pl.Int64,
    "aim": pl.Utf8,
    "statement": pl.Utf8,
    "aim_target": pl.Float64,
    "target_date": pl.Date,
    "responsible_leader": pl.Utf8,
    "measure_id": pl.Int64,
    "measure": pl.Utf8,
    "unit": pl.Utf8,
    "decimal_places": pl.Int64,
    "direction": pl.Utf8,
    "measure_target": pl.Float64,
    "latest_x": pl.Date,
    "latest_value": pl.Float64,
    "variation_icon": pl.Utf8,
    "assurance_icon": pl.Utf8,
    "summary": pl.Utf8,
    "active_projects": pl.Int64,
    "cycles_in_month": pl.Int64,
    "flags": pl.List(pl.Utf8),
}
MEASURE_SCHEMA = {
    "measure_id": pl.Int64,
    "aim_id": pl.Int64,
    "aim": pl.Utf8,
    "board_role": pl.Utf8,
    "measure": pl.Utf8,
    "unit": pl.Utf8,
    "decimal_places": pl.Int64,
    "direction": pl.Utf8,
    "frequency": pl.Utf8,
    "latest_x": pl.Date,
    "latest_value": pl.Float64,
    "target": pl.Float64,
    "variation_icon": pl.Utf8,
    "assurance_icon": pl.Utf8,
    "summary": pl.Utf8,
}
POINT_COLUMNS = {
    "series": pl.Int64,
    "x": pl.Date,
    "value": pl.Float64,
    "y": pl.Float64,
    "n": pl.Float64,
    "phase": pl.Int64,
    "cl": pl.Float64,
    "lcl": pl.Float64,
    "ucl": pl.Float64,
    "lcl_95": pl.Float64,
    "ucl_95": pl.Float64,
    "point_type": pl.Utf8,
    "special_cause_type": pl.Utf8,
    "special_cause_flag": pl.Boolean,
    "chart": pl.Utf8,  # the chart type, so a run chart keeps its own words on the board and in the pack
    "run_signal": pl.Boolean,
}


@dataclass
class BoardView:
    """One month's board: aims (a row per aim), measures (the summary icon table), points (their charts)."""

    month: dt.date
    aims: pl.DataFrame
    measures: pl.DataFrame
    points: pl.DataFrame
    published: dict | None = None  # month, published_at, published_by when this is a frozen snapshot


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def last_complete_month(today: dt.date) -> dt.date:
    return first_of_month(first_of_month(today) - dt.timedelta(days=1))


def parse_month(text: str) -> dt.date:
    """'2026-10' -> 1 October 2026, with a message that says what to type when it is not a month."""
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise ValueError(f"“{text}” is not a month: write it as YYYY-MM, for example 2026-10.") from None


def board_months(store: Store, today: dt.date, *, measures: pl.DataFrame | None = None) -> list[dt.date]:
    """Months a board can be shown for, newest first: from the first board measure's data to last month.
    ``measures``: ``Store.board_measures()`` read already."""
    measures = store.board_measures() if measures is None else measures
    first = store.first_period(measures["id"].to_list())
    last = last_complete_month(today)
    if first is None:
        return [last]
    month, months = first_of_month(first), []
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months[::-1]


def aim_flags(thread: pl.DataFrame, flags: pl.DataFrame) -> dict[int, list[str]]:
    """Each aim's thread flags (its own and those of everything beneath it), as 'Rule title (count)'."""
    # Each node's aim: walk every node up the tree a level at a time, all nodes at once; a node whose walk has
    # reached the top stays there, so only the others walk on, and the walk ends when none is left.
    edges = thread.select("node", "parent")
    steps = edges.rename({"node": "up", "parent": "next"})
    walking, arrived = edges.rename({"parent": "up"}), []
    for _ in range(12):  # aim > primary > secondary > tertiary > idea > project > cycle, with room to spare
        step = walking.join(steps, on="up", how="left")
        arrived.append(step.filter(pl.col("next").is_null()).drop("next"))
        walking = step.filter(pl.col("next").is_not_null()).select("node", pl.col("next").alias("up"))
        if walking.height == 0:
            break
    walk = pl.concat([*arrived, walking])
    roots = walk.with_columns(
        pl.when(pl.col("up").is_null()).then(pl.col("node")).otherwise(pl.col("up")).alias("root")
    )
    aims = thread.filter(pl.col("kind") == "aim").select(
        pl.col("node").alias("root"), pl.col("entity_id").alias("aim_id")
    )
    counted = (
        flags.join(roots.select("node", "root"), on="node")
        .join(aims, on="root")
        .select("aim_id", "rule")
        .explode("rule")
        .group_by("aim_id", "rule")
        .len()
        .sort("aim_id", "len", "rule", descending=[False, True, False])
    )
    result: dict[int, list[str]] = {aim_id: [] for aim_id in aims["aim_id"]}
    for aim_id, rule, count in counted.iter_rows():
        result[aim_id].append(f"{rule_title(rule)} ({count})")
    return result


def board_measure_charts(store: Store, month: dt.date, measures: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(points, summaries) of the board's measures (``Store.board_measures()``), charts cut at ``month``'s end."""
    return measure_charts(store, up_to=board_cut(month), measures=measures)


def board_cut(month: dt.date) -> dt.date:
    """Where the board of ``month`` cuts its charts: the periods that started before the next month."""
    return next_month(first_of_month(month))


def board_view(
    store: Store,
    month: dt.date,
    *,
    thread: pl.DataFrame,
    flags: pl.DataFrame,
    measures: pl.DataFrame | None = None,
    charts: tuple[pl.DataFrame, pl.DataFrame] | None = None,
    overview: pl.DataFrame | None = None,
    activity: pl.DataFrame | None = None,
) -> BoardView:
    """The board for ``month`` computed from the data as it is now, charts cut at the month's end.
    ``measures``: ``Store.board_measures()`` read already; ``charts``: ``board_measure_charts`` of them, computed
    already; ``overview`` and ``activity``: ``Store.objectives_overview()`` and the month's ``Store.aim_activity``,
    read already."""
    month = first_of_month(month)
    measures = store.board_measures() if measures is None else measures
    points, summaries = board_measure_charts(store, month, measures) if charts is None else charts
    if summaries.height == 0:
        summaries = measures.with_columns(
            *(
                pl.lit(None).alias(c)
                for c in ("latest_x", "latest_value", "variation_icon", "assurance_icon", "summary")
            )
        )
    table = summaries.select(
        pl.col("id").alias("measure_id"),
        pl.col("board_aim_id").alias("aim_id"),
        "board_role",
        pl.col("name").alias("measure"),
        "unit",
        "decimal_places",
        pl.col("improvement_direction").alias("direction"),
        "frequency",
        "latest_x",
        "latest_value",
        pl.col("target_value").alias("target"),
        "variation_icon",
        "assurance_icon",
        "summary",
    )
    overview = (store.objectives_overview() if overview is None else overview).filter(pl.col("aim_id").is_not_null())
    table = (
        table.join(overview.select("aim_id", "aim"), on="aim_id", how="left")
        .cast({k: v for k, v in MEASURE_SCHEMA.items()})
        .select(list(MEASURE_SCHEMA))
    )
    outcome = table.filter(pl.col("board_role") == "outcome").group_by("aim_id", maintain_order=True).first()
    activity = store.aim_activity(month, next_month(month)) if activity is None else activity
    flags_of = aim_flags(thread, flags)
    aims = (
        overview.select(
            "objective_id",
            "objective",
            "category",
            "aim_id",
            "aim",
            "statement",
            pl.col("target_value").alias("aim_target"),
            "target_date",
            "responsible_leader",
        )
        .join(
            outcome.select(
                "aim_id",
                "measure_id",
                "measure",
                "unit",
                "decimal_places",
                "direction",
                pl.col("target").alias("measure_target"),
                "latest_x",
                "latest_value",
                "variation_icon",
                "assurance_icon",
                "summary",
            ),
            on="aim_id",
            how="left",
        )
        .join(activity, on="aim_id", how="left")
        .with_columns(
            pl.col("aim_id").replace_strict(flags_of, default=[], return_dtype=pl.List(pl.Utf8)).alias("flags")
        )
        .cast(AIM_SCHEMA)
        .select(list(AIM_SCHEMA))
    )
    board_points = points.select(*(pl.col(c) if c in points.columns else pl.lit(None).alias(c) for c in POINT_COLUMNS))
    board_points = board_points.cast(POINT_COLUMNS).filter(pl.col("series").is_in(table["measure_id"].implode()))
    return BoardView(month=month, aims=aims, measures=table, points=board_points)


# -- snapshots ----------------------------------------------------------------------------------------------


def snapshot_frames(view: BoardView) -> dict[str, str]:
    return {"aims": view.aims.write_json(), "measures": view.measures.write_json(), "points": view.points.write_json()}


def live_board(store: Store, month: dt.date, today: dt.date) -> tuple[BoardView, pl.DataFrame]:
    """The month's board from the data as it is now, and the thread's flags it was judged with."""
    from golden_thread.domain.thread_graph import build_thread, flags_by_node
    from golden_thread.services.checks import check_thread

    checks = check_thread(store, today)
    thread = build_thread(store.thread_rows())
    return board_view(store, month, thread=thread, flags=flags_by_node(thread, checks)), checks


def publish(store: Store, view: BoardView, *, username: str) -> None:
    store.publish_board(view.month, snapshot_frames(view), username=username)


def published_view(store: Store, month: dt.date) -> BoardView | None:
    """The board exactly as it was published for ``month``, or None when that month was never published."""
    row = store.board_snapshot(first_of_month(month))
    if row is None:
        return None
    return BoardView(
        month=row["month"],
        aims=pl.read_json(io.StringIO(row["aims_json"]), schema=AIM_SCHEMA),
        measures=pl.read_json(io.StringIO(row["measures_json"]), schema=MEASURE_SCHEMA),
        points=pl.read_json(io.StringIO(row["points_json"]), schema=POINT_COLUMNS),
        published={k: row[k] for k in ("month", "published_at", "published_by")},
    )


def last_published_before(store: Store, month: dt.date, *, inclusive: bool) -> dt.date | None:
    months = store.board_snapshots()["month"].to_list()
    earlier = [m for m in months if (m <= month if inclusive else m < month)]
    return max(earlier) if earlier else None


def changes_since(published: BoardView, live: BoardView) -> pl.DataFrame:
    """What changed since the board last saw these measures: revised values for periods it saw, changed icons,
    and new signals. Columns: measure, change, detail (one row each, plain words)."""
    rows: list[dict] = []
    names = dict(zip(live.measures["measure_id"], live.measures["measure"]))
    names.update(
        {k: v for k, v in zip(published.measures["measure_id"], published.measures["measure"]) if k not in names}
    )
    seen = published.points.select("series", "x", pl.col("value").alias("was"))
    now = live.points.select("series", "x", pl.col("value").alias("now"))
    revised = (
        seen.join(now, on=["series", "x"], how="full", coalesce=True)
        .filter(
            pl.col("x") < next_month(published.month),
            ~((pl.col("was") - pl.col("now")).abs() <= 1e-9 * (1 + pl.col("was").abs())).fill_null(False)
            & (pl.col("was").is_not_null() | pl.col("now").is_not_null()),
        )
        .sort("series", "x")
    )
    for series, x, was, value in revised.select("series", "x", "was", "now").iter_rows():
        detail = (
            f"{x:%b %Y}: added late ({value:,.4g})"
            if was is None
            else f"{x:%b %Y}: removed (was {was:,.4g})"
            if value is None
            else f"{x:%b %Y}: {was:,.4g} → {value:,.4g}"
        )
        rows.append({"measure": names.get(series, str(series)), "change": "Revised value", "detail": detail})
    icons = published.measures.select("measure_id", "variation_icon", "assurance_icon").join(
        live.measures.select("measure_id", "variation_icon", "assurance_icon"), on="measure_id", suffix="_now"
    )
    for row in icons.iter_rows(named=True):
        for kind in ("variation", "assurance"):
            before, after = row[f"{kind}_icon"], row[f"{kind}_icon_now"]
            if before != after:
                rows.append(
                    {
                        "measure": names[row["measure_id"]],
                        "change": f"{kind.capitalize()} icon changed",
                        "detail": f"{_icon_words(before)} → {_icon_words(after)}",
                    }
                )
    was_signal = published.points.filter(pl.col("point_type") != "common_cause").select("series", "x")
    new_signals = (
        live.points.filter(pl.col("point_type").is_in(["special_cause_improvement", "special_cause_concern"]))
        .join(was_signal, on=["series", "x"], how="anti")
        .group_by("series", "point_type")
        .agg(pl.col("x").min().alias("from"))
        .sort("series")
    )
    for series, point_type, start in new_signals.iter_rows():
        kind = "improvement" if point_type.endswith("improvement") else "concern"
        rows.append(
            {
                "measure": names.get(series, str(series)),
                "change": "New signal",
                "detail": f"special cause ({kind}) from {start:%b %Y}",
            }
        )
    return pl.DataFrame(rows, schema={"measure": pl.Utf8, "change": pl.Utf8, "detail": pl.Utf8})


ICON_WORDS = {icon: words.sentence for icon, words in ICONS.items() if icon is not None}


def _icon_words(icon: str | None) -> str:
    return icon_words(icon).sentence


@dataclass
class FrontPage:
    """What the board's front page says first, from one board view: the balancing-measure watch, the aims needing
    attention with their reasons, and where every aim sits on the summary matrix."""

    watch: pl.DataFrame
    needing: pl.DataFrame
    headline: str
    placements: pl.DataFrame


def front_page(view: BoardView, *, key_measures: bool = False, board: str = "board") -> FrontPage:
    """``board``: who oversees the aims, in the organisation's words (a school network's leadership team)."""
    needing = aims_needing_attention(view.aims, view.measures)
    return FrontPage(
        watch=balancing_watch(view.aims, view.measures),
        needing=needing,
        headline=attention_headline(view.aims, needing, board=board),
        placements=matrix_placements(view.aims, view.measures, key_measures=key_measures),
    )
