"""The one place for what the board, the charts, the tree and the PDF must say and show alike: each Making Data
Count icon's words and colour, and how a measure's number is written.

Colours are NHS England's Making Data Count palette (DOMAIN Decision 7): improvement blue, concern orange, common
cause grey, neutral purple. Every screen and document reads its words from here, so a board member sees
"Special cause: improvement" on the board, the measure page, the tree and the pack alike.
"""

from __future__ import annotations

from dataclasses import dataclass

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
VARIATION_ICONS = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)
ASSURANCE_ICONS = ("consistent_pass", "consistent_fail", "inconsistent")


def icon_words(icon: str | None) -> IconWords:
    """An icon's words; an icon this version does not know is named by its code rather than lost."""
    if icon in ICONS:
        return ICONS[icon]
    text = str(icon).replace("_", " ")
    return IconWords(text.capitalize(), text.capitalize(), text, text.capitalize(), COMMON_CAUSE_GREY)


def format_number(value: float | None, decimals: int | None) -> str:
    """A measure's number to its own precision, with thousands separated; an em dash when there is none."""
    if value is None:
        return "—"
    return f"{value:,.{int(decimals) if decimals is not None else 1}f}"


def format_value(value: float | None, decimals: int | None, unit: str | None) -> str:
    """A value as the board reads it: '11.0%', '£393.8k', '0.16 per 1,000 bed days'; an em dash when missing."""
    if value is None:
        return "—"
    number = format_number(value, decimals)
    unit = (unit or "").strip()
    if not unit:
        return number
    if unit == "%":
        return f"{number}%"
    if unit.startswith("£"):
        return f"£{number}{unit[1:]}"
    return f"{number} {unit}"
