"""Centre lines and control limits for run, XmR, P, P', U, U' and C charts, over many series at once.

Each formula is qicharts2's (``R/helper.functions.R``, DOMAIN §11d); XmR charts under Making Data Count
rules use NHSRplotthedots' 2.66 x AMR (§11c). Everything is computed per (series, phase) group with numpy
over the whole flat array (``segments.Groups``); nothing loops per point or per series.
"""

from __future__ import annotations

import numpy as np

from golden_thread.spc.constants import (
    D2_FOR_MOVING_RANGE,
    MDC_LIMIT_CONSTANT,
    MOVING_RANGE_SCREEN,
    SIGMA_LIMIT,
    SIGMA_NEAR,
)
from golden_thread.spc.options import CHARTS
from golden_thread.spc.segments import Groups, changes

RUN, XMR, P, P_PRIME, U, U_PRIME, C = (
    CHARTS.index(name) for name in ("run", "xmr", "p", "p_prime", "u", "u_prime", "c")
)


def _kinds(*codes: int) -> np.ndarray:
    """A lookup table: indexed by chart codes, True for the charts named."""
    table = np.zeros(len(CHARTS), dtype=bool)
    table[list(codes)] = True
    return table


IS_RATIO = _kinds(P, P_PRIME, U, U_PRIME)  # y is a numerator over a denominator n
IS_PROPORTION = _kinds(P, P_PRIME)  # limits clipped to [0, 1]
IS_LANEY = _kinds(P_PRIME, U_PRIME)
HAS_MOVING_RANGES = _kinds(XMR, P_PRIME, U_PRIME)
FLOORED_AT_ZERO = _kinds(P, P_PRIME, U, U_PRIME, C)
IS_MEAN = _kinds(XMR, C)
IS_MEDIAN = _kinds(RUN)
# (name, multiple of sigma): the 3-sigma process limits and the 2-sigma "95%" limits.
LIMITS = (("lcl", -SIGMA_LIMIT), ("ucl", SIGMA_LIMIT), ("lcl_95", -SIGMA_NEAR), ("ucl_95", SIGMA_NEAR))


def centre_line(
    groups: Groups,
    chart: np.ndarray,
    value: np.ndarray,
    used: np.ndarray,
    numerator: np.ndarray,
    denominator: np.ndarray,
) -> np.ndarray:
    """Per group: the median (run), mean (XmR, C) or pooled ratio (P, U and Laney) of the used baseline values.

    ``chart`` holds each group's chart code; ``used`` marks baseline rows that are included and have a value.
    A group with no used value has no centre line (NaN).
    """
    cl = np.full(groups.count, np.nan)
    for kind, compute in (
        (IS_MEDIAN, lambda use: groups.median(value, use)),
        (IS_MEAN, lambda use: groups.mean(value, use)),
        (IS_RATIO, lambda use: _pooled(groups, numerator, denominator, use)),
    ):
        wanted = kind[chart]
        if wanted.all():
            return compute(used)
        if wanted.any():
            cl[wanted] = compute(used & groups.expand(wanted))[wanted]
    return cl


def _pooled(groups: Groups, numerator: np.ndarray, denominator: np.ndarray, use: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return groups.total(np.where(use, numerator, 0.0)) / groups.total(np.where(use, denominator, 0.0))


def _binomial_sigma(chart: np.ndarray, cl: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Per-point sigma of a P or U chart from its own denominator (NaN at a missing subgroup)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.where(IS_PROPORTION[chart], cl * (1 - cl), cl)
        return np.sqrt(spread / denominator)


def _average_moving_range(groups: Groups, values: np.ndarray, base: np.ndarray, screen: np.ndarray) -> np.ndarray:
    """Per group: average moving range of ``values`` over its baseline rows, screened where ``screen`` holds.

    Moving ranges run between consecutive baseline rows: an excluded point is stepped over, a missing value
    leaves a gap (its two moving ranges are dropped), as in qicharts2's qic.i. Nelson's screen drops moving
    ranges at or above 3.267 x their mean before averaging again.
    """
    if base.all():
        ranges_of, picked = groups, values
    else:  # the baseline rows alone, each group's still contiguous (a group without any is left out)
        rows = np.flatnonzero(base)
        picked, group = values[rows], groups.of_row[rows]
        ranges_of = Groups(changes(group))
    ranges = np.empty(picked.size)
    np.abs(np.subtract(picked[1:], picked[:-1], out=ranges[1:]), out=ranges[1:])
    counted = ~ranges_of.is_first
    if np.isnan(picked).any():
        counted &= ~np.isnan(ranges)
    ranges[~counted] = 0.0

    def mean_of(kept: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return ranges_of.total(np.where(kept, ranges, 0.0)) / ranges_of.counts(kept)

    with np.errstate(invalid="ignore", divide="ignore"):
        all_ranges = ranges_of.total(ranges) / ranges_of.counts(counted)
    amr = all_ranges
    if screen.any():
        screen_of = screen if ranges_of is groups else screen[group[ranges_of.starts]]
        with np.errstate(invalid="ignore"):
            kept = counted & (ranges < ranges_of.expand(MOVING_RANGE_SCREEN * all_ranges))
        amr = np.where(screen_of, mean_of(kept), all_ranges)
    if ranges_of is groups:
        return amr
    out = np.full(groups.count, np.nan)
    out[group[ranges_of.starts]] = amr
    return out


def _limit(cl: np.ndarray, sigma: np.ndarray, k: float, chart: np.ndarray) -> np.ndarray:
    """cl + k sigma, clipped to what the chart can show, NaN where it cannot be computed."""
    with np.errstate(invalid="ignore", over="ignore"):
        raw = cl + k * sigma
        if k < 0:
            raw = np.where(FLOORED_AT_ZERO[chart] & (raw < 0), 0.0, raw)
        else:
            raw = np.where(IS_PROPORTION[chart] & (raw > 1), 1.0, raw)
    # A limit that cannot be computed (no variation; or a missing subgroup of a P/U chart, whose denominator
    # the engine has dropped) is left empty, never drawn: qicharts2 "Remove control lines from missing
    # subgroups", R/helper.functions.R lines 607-611 (``d$ucl[!is.finite(d$ucl)] <- NA``).
    return np.where(np.isfinite(raw), raw, np.nan)


def control_limits(
    groups: Groups,
    chart: np.ndarray,
    mdc_rules: np.ndarray,
    screen: np.ndarray,
    value: np.ndarray,
    cl: np.ndarray,
    denominator: np.ndarray,
    base: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per row: ``lcl``/``ucl`` (3 sigma) and ``lcl_95``/``ucl_95`` (2 sigma), clipped as qicharts2 does.

    ``chart``, ``mdc_rules``, ``screen`` and ``cl`` are per group; ``value``, ``denominator`` and ``base``
    (baseline rows that are included) per row. Run charts have no limits.
    """
    ratio = IS_RATIO[chart]
    if ratio.any():
        rows = np.flatnonzero(groups.expand(ratio))
        row_chart = chart[groups.of_row[rows]]
        row_cl = cl[groups.of_row[rows]]
        binomial = _binomial_sigma(row_chart, row_cl, denominator[rows])

    # XmR: moving ranges of the values. Laney P'/U': moving ranges of the z-scores (Laney 2002).
    amr = np.full(groups.count, np.nan)
    ranged = HAS_MOVING_RANGES[chart]
    if ranged.any():
        mr_input = value
        if IS_LANEY[chart].any():
            mr_input = value.copy()
            with np.errstate(invalid="ignore", divide="ignore"):
                mr_input[rows] = (value[rows] - row_cl) / binomial
        amr = _average_moving_range(groups, mr_input, base if ranged.all() else base & groups.expand(ranged), screen)

    # One sigma per group for XmR and C charts; per point for P and U charts.
    with np.errstate(invalid="ignore"):
        xmr_sigma = np.where(mdc_rules, amr * MDC_LIMIT_CONSTANT / SIGMA_LIMIT, amr / D2_FOR_MOVING_RANGE)
        sigma = np.where(chart == XMR, xmr_sigma, np.where(chart == C, np.sqrt(cl), np.nan))
    if (chart == RUN).all():
        nothing = np.full(groups.rows, np.nan)
        return {name: nothing for name, _ in LIMITS}
    limits = {name: groups.expand(_limit(cl, sigma, k, chart)) for name, k in LIMITS}
    if ratio.any():
        row_sigma = np.where(IS_LANEY[row_chart], binomial * amr[groups.of_row[rows]] / D2_FOR_MOVING_RANGE, binomial)
        for name, k in LIMITS:
            limits[name][rows] = _limit(row_cl, row_sigma, k, row_chart)
    return limits
