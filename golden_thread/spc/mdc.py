"""Making Data Count's four special-cause rules (NHSRplotthedots ``ptd_calculate_point_type``, DOMAIN §11c).

One small function per rule, each over a whole flat array of series, grouped by (series, phase): a phase is
a rebase group, so no run spans a rebase. Rules see every row in time order, missing values included, as
NHSRplotthedots does (it never drops an NA row): a missing value breaks a run of one side, a trend and a
two-in-three window, because R's comparisons with NA are never TRUE (R/ptd_calculate_point_type.R lines
29-35, 46-65 and 67-80), and the missing point itself is "Common Cause" (the ``.default`` of line 107).
Priority when several rules flag a point: astronomical > trend > two-in-three > shift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from golden_thread.spc.constants import MDC_SHIFT_POINTS, MDC_TREND_POINTS
from golden_thread.spc.segments import Groups, long_runs, sign

# What a point is, by code: the engine's ``point_type`` column holds these names.
POINT_TYPES = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)
COMMON_CAUSE, IMPROVEMENT, CONCERN, NEUTRAL_HIGH, NEUTRAL_LOW = range(len(POINT_TYPES))

# The rules by priority code (0: none) and, on each, the signal's side (+1 high, -1 low) as Making Data Count
# labels them. ``special_cause_type`` holds ``SPECIAL_CAUSE_TYPES[LABEL_CODE[rule * 3 + side + 1]]``.
ASTRONOMICAL, TREND, TWO_IN_THREE, SHIFT = 1, 2, 3, 4
_LABELS = {
    (ASTRONOMICAL, 1): "Above UCL",
    (ASTRONOMICAL, -1): "Below LCL",
    (TREND, 1): "7 Point Trend (Increasing)",
    (TREND, -1): "7 Point Trend (Decreasing)",
    (TWO_IN_THREE, 1): "2 in 3 Above CL",
    (TWO_IN_THREE, -1): "2 in 3 Below CL",
    (SHIFT, 1): "7 Points Above CL",
    (SHIFT, -1): "7 Points Below CL",
}
SPECIAL_CAUSE_TYPES = ("Common Cause", *_LABELS.values())
LABEL_CODE = np.zeros((SHIFT + 1) * 3, dtype=np.uint32)  # any other (rule, side) is "Common Cause"
for (_rule, _side), _text in _LABELS.items():
    LABEL_CODE[_rule * 3 + _side + 1] = SPECIAL_CAUSE_TYPES.index(_text)


def astronomical_point(value: np.ndarray, lcl: np.ndarray, ucl: np.ndarray) -> np.ndarray:
    """A point strictly outside the 3-sigma limits (never at a missing value or limit)."""
    with np.errstate(invalid="ignore"):
        return (value > ucl) | (value < lcl)


def shift(groups: Groups, relative_to_mean: np.ndarray) -> np.ndarray:
    """Seven or more points in a row on the same side of the mean; a point on the mean breaks the run, and
    so does a missing value, whose side here is 0 (R's ``NA != NA`` is NA, so it never joins a run)."""
    return long_runs(groups.continues(relative_to_mean), MDC_SHIFT_POINTS) & (relative_to_mean != 0)


def step(groups: Groups, value: np.ndarray) -> np.ndarray:
    """Sign of the change from the previous point (0 for the first point of a phase, and next to a missing
    value: ``ptd_seven_point_trend`` finds no trend in a window holding an NA, R/ptd_calculate_point_type.R
    lines 55-62; where R stops with "missing value where TRUE/FALSE needed" because every other step of
    such a window agrees, we find no trend either)."""
    steps = np.zeros(value.size, dtype=np.int8)
    if value.size > 1:
        with np.errstate(invalid="ignore"):
            steps[1:] = sign(value[1:] - value[:-1])
        steps[groups.is_first] = 0
    return steps


def trend(groups: Groups, steps: np.ndarray) -> np.ndarray:
    """Seven or more points in a row all increasing or all decreasing; equal neighbours break it.

    Seven points make six steps of the same sign: every step of such a run is flagged, and so is the
    point the run starts from.
    """
    in_trending_steps = long_runs(groups.continues(steps), MDC_TREND_POINTS - 1) & (steps != 0)
    return in_trending_steps | groups.earlier(in_trending_steps, -1)


def trend_direction(groups: Groups, steps: np.ndarray, trend_flag: np.ndarray) -> np.ndarray:
    """Which way a trending point trends: the step to its right inside the trend, else the step to its left."""
    next_in_trend = groups.earlier(trend_flag, -1)
    return np.where(trend_flag & next_in_trend, groups.earlier(steps, -1, 0), steps)


def two_in_three(groups: Groups, close: np.ndarray, relative_to_mean: np.ndarray) -> np.ndarray:
    """Two of three points in a row between 2 and 3 sigma, with all three on the same side of the mean
    (the window of ``MDC_TWO_IN_THREE_WINDOW`` = 3 points, spelt out here).

    Only the points in the band are flagged. A window that runs past its phase counts nothing, nor does one
    holding a missing value, whose side here is 0 (in R its closeness and side are NA).
    """
    close_1, close_2 = groups.earlier(close, -1), groups.earlier(close, -2)
    two_close = (close & close_1) | (close & close_2) | (close_1 & close_2)
    above, below = relative_to_mean > 0, relative_to_mean < 0
    same_side = (above & groups.earlier(above, -1) & groups.earlier(above, -2)) | (
        below & groups.earlier(below, -1) & groups.earlier(below, -2)
    )
    window_starts_here = two_close & same_side
    in_a_window = window_starts_here | groups.earlier(window_starts_here, 1) | groups.earlier(window_starts_here, 2)
    return close & in_a_window


@dataclass(frozen=True)
class Classified:
    """Per row of the series under these rules: the Making Data Count rule and side, as codes."""

    close_to_limits: np.ndarray  # bool (the engine makes it null at a missing value)
    rule: np.ndarray  # int8: 0 none, else the rule that classified the point
    side: np.ndarray  # int8: the signal's side, 0 with no signal


def classify(
    groups: Groups,
    value: np.ndarray,
    relative_to_mean: np.ndarray,
    outside_limits: np.ndarray,
    lcl_95: np.ndarray,
    ucl_95: np.ndarray,
) -> Classified:
    """The Making Data Count rules over every row of ``groups`` (the series whose rules are 'mdc').

    ``relative_to_mean`` is each point's side of the mean (-1, 0 or +1; 0 at a missing value or where there
    is no mean), ``outside_limits`` the astronomical-point test.
    """
    steps = step(groups, value)
    # ``!outside_limits & (y < nlpl | y > nupl)``, R/ptd_spc_standard.R line 93 (NA at a missing value:
    # the engine reports it so; here it is simply not close).
    with np.errstate(invalid="ignore"):
        close_to_limits = ~outside_limits & ((value < lcl_95) | (value > ucl_95))
    trend_flag = trend(groups, steps)

    # Priority: astronomical > trend > two-in-three > shift. Each rule's flag then names the rule that
    # classified the point, so one point carries one flag, as NHSRplotthedots 0.2.2 reports them.
    flagged = two_in_three(groups, close_to_limits, relative_to_mean)
    rule = np.where(flagged, np.int8(TWO_IN_THREE), shift(groups, relative_to_mean).view(np.int8) * np.int8(SHIFT))
    rule = np.where(trend_flag, np.int8(TREND), rule)
    rule = np.where(outside_limits, np.int8(ASTRONOMICAL), rule)
    high = (relative_to_mean > 0).view(np.int8)
    side = np.where(rule == TREND, trend_direction(groups, steps, trend_flag), high + high - np.int8(1))
    side[rule == 0] = 0
    return Classified(close_to_limits, rule, side)


# ``POINT_TYPE_CODE[side * 3 + direction + 4]``: the point type of a signal's side (+1 high, -1 low, 0 none)
# under an improvement direction (+1 increase, -1 decrease, 0 neutral).
POINT_TYPE_CODE = np.array(
    [
        CONCERN if d == 1 else IMPROVEMENT if d == -1 else NEUTRAL_LOW  # side -1
        for d in (-1, 0, 1)
    ]
    + [COMMON_CAUSE] * 3  # side 0
    + [IMPROVEMENT if d == 1 else CONCERN if d == -1 else NEUTRAL_HIGH for d in (-1, 0, 1)],  # side +1
    dtype=np.uint32,
)


def point_type(side: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Improvement, concern or neutral high/low (codes of ``POINT_TYPES``), from the signal's side (+1 high,
    -1 low, 0 none) and the improvement direction (+1 increase, -1 decrease, 0 neutral)."""
    return POINT_TYPE_CODE[side * 3 + direction + 4]


def assurance_icon(target: float | None, direction: str, lcl: float | None, ucl: float | None) -> str | None:
    """Will the process meet its target? Judged from the latest point's 3-sigma limits (DOMAIN §3.5)."""
    if target is None or direction == "neutral" or lcl is None or ucl is None:
        return None
    if target > ucl:
        return "consistent_fail" if direction == "increase" else "consistent_pass"
    if target < lcl:
        return "consistent_pass" if direction == "increase" else "consistent_fail"
    return "inconsistent"
