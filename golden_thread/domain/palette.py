"""The one place for what the board, the charts, the tree and the PDF must say and show alike: each Making Data
Count icon's words and colour (how a measure's number is written is ``formatting``'s, re-exported here).

Colours are NHS England's Making Data Count palette (DOMAIN Decision 7): improvement blue, concern orange, common
cause grey, neutral purple. Every screen and document reads its words from here, so a board member sees
"Special cause: improvement" on the board, the measure page, the tree and the pack alike.
"""

from __future__ import annotations

from dataclasses import dataclass

# How a measure's number is written lives with every other formatter; kept importable from here for older callers.
from golden_thread.domain.formatting import format_number as format_number
from golden_thread.domain.formatting import format_value as format_value
from golden_thread.spc.mdc import POINT_TYPES

IMPROVEMENT_BLUE = "#289DE0"
CONCERN_ORANGE = "#E46C0A"
COMMON_CAUSE_GREY = "#A6A6A6"
NEUTRAL_PURPLE = "#490092"


@dataclass(frozen=True)
class IconWords:
    short: str  # a metric, a chart legend, a narrow table column: "Improvement"
    label: str  # a heading or a table: "Special cause: improvement"
    sentence: str  # inside a sentence: "special cause: improvement"
    title: str  # the drawn icon's accessible title
    colour: str


ICONS: dict[str | None, IconWords] = {
    "common_cause": IconWords(
        "Common cause", "Common cause", "common cause", "Common cause variation", COMMON_CAUSE_GREY
    ),
    "special_cause_improvement": IconWords(
        "Improvement",
        "Special cause: improvement",
        "special cause: improvement",
        "Special cause: improvement",
        IMPROVEMENT_BLUE,
    ),
    "special_cause_concern": IconWords(
        "Concern", "Special cause: concern", "special cause: concern", "Special cause: concern", CONCERN_ORANGE
    ),
    "special_cause_neutral_high": IconWords(
        "Neutral (higher)",
        "Special cause: higher",
        "special cause: higher",
        "Special cause: higher (neutral)",
        NEUTRAL_PURPLE,
    ),
    "special_cause_neutral_low": IconWords(
        "Neutral (lower)",
        "Special cause: lower",
        "special cause: lower",
        "Special cause: lower (neutral)",
        NEUTRAL_PURPLE,
    ),
    "consistent_pass": IconWords(
        "Consistently passing",
        "Consistently passing",
        "consistently passing the target",
        "Assurance: will consistently meet the target",
        IMPROVEMENT_BLUE,
    ),
    "consistent_fail": IconWords(
        "Consistently failing",
        "Consistently failing",
        "consistently failing the target",
        "Assurance: will consistently fail the target",
        CONCERN_ORANGE,
    ),
    "inconsistent": IconWords(
        "Hit and miss", "Hit and miss", "hit and miss against the target", "Assurance: hit and miss", COMMON_CAUSE_GREY
    ),
    None: IconWords("—", "No icon", "no icon", "No assurance: no target", COMMON_CAUSE_GREY),
}
VARIATION_ICONS = POINT_TYPES  # the engine's point types are the variation icons
ASSURANCE_ICONS = ("consistent_pass", "consistent_fail", "inconsistent")

# A run chart has no process limits, so it never speaks of common or special cause: Anhøj's runs analysis reads
# it as random or non-random variation (DOMAIN §11a: an unusually long run, a shift, or too few crossings of the
# median; there is no trend rule). Non-random variation is drawn in the neutral purple: a signal that the process
# changed, the runs analysis not saying for better or worse.
RUN_SIGNALS: dict[str, IconWords] = {
    "random_variation": IconWords(
        "Random variation",
        "Random variation",
        "random variation",
        "Random variation: no signal in the runs analysis",
        COMMON_CAUSE_GREY,
    ),
    "non_random_variation": IconWords(
        "Non-random variation",
        "Non-random variation (shift or too few crossings)",
        "non-random variation: a shift or too few crossings of the median",
        "Non-random variation: the runs analysis finds a shift or too few crossings of the median",
        NEUTRAL_PURPLE,
    ),
}

# Each special-cause rule as a reader says it (the engine names them as NHSRplotthedots and qicharts2 do).
RULE_WORDS = {
    "Above UCL": "above the upper process limit",
    "Below LCL": "below the lower process limit",
    "7 Point Trend (Increasing)": "7 points rising in a row",
    "7 Point Trend (Decreasing)": "7 points falling in a row",
    "2 in 3 Above CL": "2 of 3 points close to the upper process limit",
    "2 in 3 Below CL": "2 of 3 points close to the lower process limit",
    "7 Points Above CL": "7 points in a row above the mean",
    "7 Points Below CL": "7 points in a row below the mean",
}


def is_run_chart(chart: str | None) -> bool:
    """A run chart (median, runs analysis) rather than a control chart (mean, process limits)."""
    return chart == "run"


def signal_words(code: str | None) -> IconWords:
    """A chart point's words, a Making Data Count variation icon or a run chart's random/non-random variation."""
    return RUN_SIGNALS[code] if code in RUN_SIGNALS else icon_words(code)


def variation_words(icon: str | None, chart: str | None = None, run_signal: bool | None = None) -> IconWords:
    """The latest point's variation in the words of its chart type: a run chart's 'random variation' or
    'non-random variation' from its runs analysis, a control chart's Making Data Count icon words."""
    if is_run_chart(chart) and icon is not None:
        return RUN_SIGNALS["non_random_variation" if run_signal else "random_variation"]
    return icon_words(icon)


def legend_entries(codes) -> list[tuple[str, str]]:
    """(label, colour) of the point categories a chart uses, in reading order (common cause or random variation
    first): a legend names what is on the chart, never a category no point has."""
    present = set(codes)
    order = (*VARIATION_ICONS, *RUN_SIGNALS)
    return [(signal_words(code).label, signal_words(code).colour) for code in order if code in present]


def icon_words(icon: str | None) -> IconWords:
    """An icon's words; an icon this version does not know is named by its code rather than lost."""
    if icon in ICONS:
        return ICONS[icon]
    text = str(icon).replace("_", " ")
    return IconWords(text.capitalize(), text.capitalize(), text, text.capitalize(), COMMON_CAUSE_GREY)
