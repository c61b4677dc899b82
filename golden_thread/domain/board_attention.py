"""What the board's front page says first: which aims need attention and why, the balancing-measure watch, and
where each aim sits on the Making Data Count summary matrix.

Pure over a board's two frames (``aims``: one row per aim; ``measures``: the outcome, key process and balancing
measures), so the screen, the board pack and the published HTML page say the same thing about the same month.
"""

from __future__ import annotations

import polars as pl

from golden_thread.domain.palette import format_value, icon_words

IMPROVEMENT, CONCERN = "special_cause_improvement", "special_cause_concern"

# The matrix: variation across (what the chart is doing), assurance down (will it meet the target?).
MATRIX_COLUMNS: tuple[tuple[str, str], ...] = (
    ("improvement", "Special cause: improvement"),
    ("common", "Common cause"),
    ("concern", "Special cause: concern"),
    ("neutral", "Special cause: neither better nor worse"),
    ("none", "Too few points to judge"),
)
MATRIX_ROWS: tuple[tuple[str, str], ...] = (
    ("pass", "Consistently passing the target"),
    ("hit_and_miss", "Hit and miss against the target"),
    ("fail", "Consistently failing the target"),
    ("no_target", "No target set"),
)
_COLUMN_OF = {
    IMPROVEMENT: "improvement",
    "common_cause": "common",
    CONCERN: "concern",
    "special_cause_neutral_high": "neutral",
    "special_cause_neutral_low": "neutral",
}
_ROW_OF = {"consistent_pass": "pass", "inconsistent": "hit_and_miss", "consistent_fail": "fail"}

# Why an aim needs the board's attention, most pressing first; each is one sentence the board reads.
ATTENTION_ORDER = ("balancing", "concern", "failing", "no_data", "no_project", "process_concern")


def matrix_placements(aims: pl.DataFrame, measures: pl.DataFrame, *, key_measures: bool = False) -> pl.DataFrame:
    """column, row, aim_id, aim, measure_id, measure, board_role: each aim once (by its outcome measure) and, when
    asked, each key process and balancing measure, in the matrix cell its icons place it in."""
    outcome = aims.select(
        "aim_id",
        "aim",
        "measure_id",
        pl.col("measure").fill_null("No outcome measure"),
        pl.lit("outcome").alias("board_role"),
        "variation_icon",
        "assurance_icon",
    )
    frames = [outcome]
    if key_measures:
        frames.append(
            measures.filter(pl.col("board_role") != "outcome").select(
                "aim_id", "aim", "measure_id", "measure", "board_role", "variation_icon", "assurance_icon"
            )
        )
    placed = pl.concat(frames, how="vertical_relaxed")
    return placed.select(
        pl.col("variation_icon").replace_strict(_COLUMN_OF, default="none").alias("column"),
        pl.col("assurance_icon").replace_strict(_ROW_OF, default="no_target").alias("row"),
        "aim_id",
        "aim",
        "measure_id",
        "measure",
        "board_role",
    )


def balancing_watch(aims: pl.DataFrame, measures: pl.DataFrame) -> pl.DataFrame:
    """aim_id, aim, balancing, sentence: each aim whose outcome is improving while one of its balancing measures
    shows special cause of concern, the gain that may be costing something elsewhere."""
    improving = aims.filter(pl.col("variation_icon") == IMPROVEMENT).select("aim_id", "aim", "measure")
    worsening = measures.filter((pl.col("board_role") == "balancing") & (pl.col("variation_icon") == CONCERN))
    return improving.join(worsening.select("aim_id", pl.col("measure").alias("balancing")), on="aim_id").select(
        "aim_id",
        "aim",
        "balancing",
        pl.format(
            "{} is improving, but its balancing measure {} shows special cause of concern: check that the gain is "
            "not costing something elsewhere.",
            "measure",
            "balancing",
        ).alias("sentence"),
    )


def aims_needing_attention(aims: pl.DataFrame, measures: pl.DataFrame) -> pl.DataFrame:
    """aim_id, aim, reasons (phrases to join with '; ', most pressing first): only the aims that need the board's attention, the
    most pressing first, in the board's aim order otherwise."""
    month_start = aims.select(pl.col("latest_x").max()).item()
    watch = balancing_watch(aims, measures).select(
        "aim_id",
        pl.lit("balancing").alias("kind"),
        pl.format("its balancing measure {} is getting worse while the outcome improves", "balancing").alias(
            "sentence"
        ),
    )
    own = aims.select(
        "aim_id",
        pl.when(pl.col("variation_icon") == CONCERN)
        .then(pl.lit("its outcome measure shows special cause of concern"))
        .alias("concern"),
        pl.when(pl.col("assurance_icon") == "consistent_fail")
        .then(
            pl.format(
                "will keep missing its target of {} unless the process changes",
                pl.struct("measure_target", "decimal_places", "unit").map_elements(
                    lambda r: format_value(r["measure_target"], r["decimal_places"], r["unit"]), return_dtype=pl.Utf8
                ),
            )
        )
        .alias("failing"),
        pl.when(pl.col("measure_id").is_null())
        .then(pl.lit("it has no outcome measure, so nobody can see whether it is improving"))
        .when(pl.col("latest_x").is_null())
        .then(pl.lit("its outcome measure has no data yet"))
        .when(pl.col("latest_x") < pl.lit(month_start))
        .then(pl.format("its outcome measure has no data since {}", pl.col("latest_x").dt.strftime("%B %Y")))
        .alias("no_data"),
        pl.when(pl.col("active_projects").fill_null(0) == 0)
        .then(pl.lit("no active improvement project serves it"))
        .alias("no_project"),
    ).unpivot(index="aim_id", variable_name="kind", value_name="sentence")
    process = (
        measures.filter((pl.col("board_role") == "key process") & (pl.col("variation_icon") == CONCERN))
        .group_by("aim_id", maintain_order=True)
        .agg(pl.col("measure").sort())
        .select(
            "aim_id",
            pl.lit("process_concern").alias("kind"),
            pl.format("key process measure {} shows special cause of concern", pl.col("measure").list.join(", ")).alias(
                "sentence"
            ),
        )
    )
    rank = {kind: n for n, kind in enumerate(ATTENTION_ORDER)}
    reasons = (
        pl.concat([watch, own.drop_nulls("sentence"), process])
        .with_columns(pl.col("kind").replace_strict(rank, return_dtype=pl.Int64).alias("rank"))
        .sort("rank", "sentence")
        .group_by("aim_id", maintain_order=True)
        .agg(pl.col("sentence").alias("reasons"), pl.col("rank").min().alias("most_pressing"))
    )
    order = aims.select("aim_id", "aim").with_row_index("board_order")
    return (
        order.join(reasons, on="aim_id")
        .sort("most_pressing", "board_order")
        .select("aim_id", "aim", pl.col("reasons").cast(pl.List(pl.Utf8)))
    )


def attention_headline(aims: pl.DataFrame, needing: pl.DataFrame, *, board: str = "board") -> str:
    """'3 of 5 aims need the board's attention' in words (``board``: who oversees the aims, in the organisation's
    words), or that none do."""
    total, count = aims.height, needing.height
    if total == 0:
        return "There are no system-level aims here yet."
    if count == 0:
        return f"None of the {total} aims needs the {board}'s attention this month."
    return f"{count} of {total} aims {'need' if count > 1 else 'needs'} the {board}'s attention"


def icon_label(icon: str | None, *, assurance: bool = False) -> str:
    """An icon's full label for the matrix and the aim page (never cut short)."""
    if icon is None:
        return "No target set" if assurance else "Too few points to judge"
    return icon_words(icon).label
