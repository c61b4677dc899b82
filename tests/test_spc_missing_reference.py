"""Where the expected values of the missing-value cases (tests/spc_cases/na_*) come from.

R is not available here, so those cases were not produced by qicharts2 or NHSRplotthedots themselves. Their
expected values were derived from the packages' source, transliterated below line by line into plain Python
(loops over the points, R's NA logic spelt out), independently of our polars engine: qicharts2 at commit
1b9487ec (R/qic.R, R/helper.functions.R) and NHSRplotthedots 0.2.2 at commit 050b07d7 (R/ptd_spc_standard.R,
R/ptd_calculate_point_type.R, R/ptd_calculate_assurance_type.R, R/geom_ptd_icon.R). The test checks that every
committed na_* case is exactly what these transliterations give, so a case cannot drift from its derivation;
tests/test_spc_cases.py then checks that ``golden-thread spc`` agrees with the case.

The transliterations refuse input on which R itself stops (a trend window whose only disagreement is a
missing value makes ``if (all(d == 1))`` fail in ptd_seven_point_trend) and input whose short-group warning
depends on the 12-or-13 question (see constants.py), so no case rests on a guess.
"""

from __future__ import annotations

import csv
import json
import math
from fractions import Fraction
from pathlib import Path
from statistics import median

import pytest

CASES_DIR = Path(__file__).parent / "spc_cases"
NA_CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir() and p.name.startswith("na_"))
NA = None  # R's NA (logical or numeric); float("nan") is R's NaN


def is_na(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


# ---- R's three-valued logic -------------------------------------------------------------------------
def r_and(a, b):
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def r_or(a, b):
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def r_all(values):
    values = list(values)
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def r_any(values):
    values = list(values)
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def cmp(a, b, op):
    """a op b; NA if either is NA or NaN."""
    if is_na(a) or is_na(b):
        return None
    return op(a, b)


def r_sign(v):
    return None if is_na(v) else float((v > 0) - (v < 0))


def r_sum(values, na_rm):
    values = list(values)
    if na_rm:
        values = [v for v in values if not is_na(v)]
    elif any(is_na(v) for v in values):
        return NA
    return float(sum(values))


def r_mean(values):
    """mean(x, na.rm = TRUE): NaN when nothing is left."""
    kept = [v for v in values if not is_na(v)]
    return sum(kept) / len(kept) if kept else float("nan")


def r_diff(values):
    return [NA if is_na(a) or is_na(b) else b - a for a, b in zip(values, values[1:])]


def r_round(v):  # round half to even, as R's round(); log2 of an integer is never exactly x.5
    return float(round(v))


def qbinom_05(size: int) -> int:
    """stats::qbinom(0.05, size, 0.5): smallest k with P(X <= k) >= 0.05, in exact arithmetic."""
    total = Fraction(0)
    for k in range(size + 1):
        total += Fraction(math.comb(size, k), 2**size)
        if total >= Fraction(1, 20):
            return k
    return size


# ---- qicharts2 ----------------------------------------------------------------------------------------
QIC_CHARTS = {"run": "run", "xmr": "i", "p": "p", "p_prime": "pp", "u": "u", "u_prime": "up", "c": "c"}


def qic_reference(xs, ys, ns, options):
    """qic(x, y, n, chart, freeze, part, exclude, multiply, return.data = TRUE) with qicharts2 attached
    (``qic.screenedmr = TRUE``, .onAttach, R/helper.functions.R lines 633-639), for one facet, numeric or
    date x, one row per x."""
    chart = QIC_CHARTS[options["chart"]]
    got_n = ns is not None
    ys, ns = list(ys), (list(ns) if got_n else [NA] * len(ys))
    # R/qic.R lines 261-266: fix missing values.
    if got_n:
        for i in range(len(ys)):
            if is_na(ys[i]) or is_na(ns[i]):
                ys[i], ns[i] = NA, NA
    # qic.agg, R/helper.functions.R lines 556-572: one row per x.
    rows = []
    for y, n in zip(ys, ns):
        row = {"y.sum": y}  # sum(x$y, na.rm = length(x$y) > 1): NA stays NA for one row
        row["n"] = (0.0 if is_na(n) else n) if got_n else NA  # sum(x$n, na.rm = got.n)
        if got_n:  # sum(x$y, na.rm = TRUE) / sum(x$n, na.rm = got.n)
            num = 0.0 if is_na(y) else y
            row["y"] = num / row["n"] if row["n"] != 0 else (float("nan") if num == 0 else math.copysign(math.inf, num))
        else:  # mean(x$y, na.rm = TRUE)
            row["y"] = float("nan") if is_na(y) else y
        rows.append(row)
    # R/qic.R lines 229-241 and R/helper.functions.R lines 532-539, 577-586.
    positions = {x: i for i, x in enumerate(xs)}
    part_after = [positions[_x(v, xs)] for v in options.get("phase_starts", [])]  # qic's part = p: after point p
    freeze = options.get("baseline_points")
    if freeze is None or part_after:
        freeze = math.inf
    exclude = {positions[_x(v, xs)] + 1 for v in options.get("exclude", [])}
    starts = sorted(set([0] + [p for p in part_after if 0 <= p < len(rows)]))
    for i, row in enumerate(rows):
        row["xx"] = i + 1
        row["part"] = sum(1 for s in starts if s <= i)
        row["baseline"] = row["xx"] <= freeze
        row["include"] = row["xx"] not in exclude
        row["screen"] = options.get("screen_moving_ranges", True)  # qic.screenedmr
    out = []
    for part in sorted({r["part"] for r in rows}):
        group = [r for r in rows if r["part"] == part]
        QIC_FUNCTIONS[chart](group)
        runs_analysis(group)
        multiply = options.get("multiply", 1)
        for r in group:
            for key in ("y", "cl", "lcl", "lcl.95", "ucl.95", "ucl"):
                r[key] = r[key] * multiply if not is_na(r[key]) else r[key]
        out.extend(group)
    for r in out:
        for key in ("ucl", "ucl.95", "lcl", "lcl.95"):  # lines 607-611: remove control lines from missing subgroups
            if is_na(r[key]) or not math.isfinite(r[key]):
                r[key] = NA
        signal = r_or(cmp(r["y"], r["ucl"], float.__gt__), cmp(r["y"], r["lcl"], float.__lt__))  # line 616
        r["sigma.signal"] = signal is True  # line 617
    return out


def _x(value, xs):
    return type(xs[0])(value) if not isinstance(xs[0], str) else str(value)


def _base(group):
    return [r["baseline"] and r["include"] for r in group]


def _limits(group, stdev, clip_upper, clip_lower=True):
    for r, s in zip(group, stdev):
        r["ucl"], r["ucl.95"] = r["cl"] + 3 * s, r["cl"] + 2 * s
        r["lcl"], r["lcl.95"] = r["cl"] - 3 * s, r["cl"] - 2 * s
        for key in ("ucl", "ucl.95"):
            if clip_upper and r[key] > 1 and math.isfinite(r[key]):
                r[key] = 1.0
        for key in ("lcl", "lcl.95"):
            if clip_lower and r[key] < 0 and math.isfinite(r[key]):
                r[key] = 0.0


def _screened_amr(mr, screen, limit=3.267):
    amr = r_mean(mr)
    if not screen:
        return amr
    kept = [NA if is_na(m) else m for m in mr if is_na(m) or m < limit * amr]  # mr[mr < ulmr] keeps NAs
    return r_mean(kept)


def qic_run(group):  # lines 127-137
    base = _base(group)
    cl = median([r["y"] for r, b in zip(group, base) if b and not is_na(r["y"])])
    for r in group:
        r["cl"] = cl
        r["ucl"] = r["ucl.95"] = r["lcl"] = r["lcl.95"] = NA


def qic_i(group):  # lines 139-166
    base = _base(group)
    cl = r_mean([r["y"] for r, b in zip(group, base) if b])
    mr = [NA if is_na(d) else abs(d) for d in r_diff([r["y"] - cl for r, b in zip(group, base) if b])]
    stdev = _screened_amr(mr, group[0]["screen"]) / 1.128
    for r in group:
        r["cl"] = cl
    _limits(group, [stdev] * len(group), clip_upper=False, clip_lower=False)


def _pooled(group):
    base = _base(group)
    return r_sum([r["y.sum"] for r, b in zip(group, base) if b], True) / r_sum(
        [r["n"] for r, b in zip(group, base) if b], True
    )


def _sqrt_over(numerator, n):
    return math.inf if n == 0 else math.sqrt(numerator / n)


def qic_p(group, laney=False):  # lines 300-322 (P), 324-369 (P')
    cl = _pooled(group)
    stdev = [_sqrt_over(cl * (1 - cl), r["n"]) for r in group]
    if laney:
        stdev = _laney(group, cl, stdev)
    for r in group:
        r["cl"] = cl
    _limits(group, stdev, clip_upper=True)


def qic_u(group, laney=False):  # lines 393-412 (U), 414-458 (U')
    cl = _pooled(group)
    stdev = [_sqrt_over(cl, r["n"]) for r in group]
    if laney:
        stdev = _laney(group, cl, stdev)
    for r in group:
        r["cl"] = cl
    _limits(group, stdev, clip_upper=False)


def _laney(group, cl, stdev):
    base = _base(group)
    z = [(r["y"] - cl) / s for r, s, b in zip(group, stdev, base) if b]  # NaN at a missing subgroup
    mr = [NA if is_na(d) else abs(d) for d in r_diff(z)]
    sigma_z = _screened_amr(mr, group[0]["screen"]) / 1.128
    return [s * sigma_z for s in stdev]


def qic_c(group):  # lines 371-391
    base = _base(group)
    for r in group:
        r["y"] = r["y.sum"]
    cl = r_mean([r["y"] for r, b in zip(group, base) if b])
    for r in group:
        r["cl"] = cl
    _limits(group, [math.sqrt(cl)] * len(group), clip_upper=False)


QIC_FUNCTIONS = {
    "run": qic_run,
    "i": qic_i,
    "p": qic_p,
    "pp": lambda g: qic_p(g, laney=True),
    "u": qic_u,
    "up": lambda g: qic_u(g, laney=True),
    "c": qic_c,
}


def runs_analysis(group):  # lines 1-40, crsignal lines 42-125 with method = "anhoej"
    included = [r for r in group if r["include"]]
    runs = [r_sign(r["y"] - r["cl"]) if not is_na(r["y"]) else NA for r in included]
    runs = [v for v in runs if not is_na(v) and v != 0]
    result = {"n.obs": len(included), "n.useful": len(runs)}
    if runs:
        lengths = [1]
        for a, b in zip(runs, runs[1:]):
            if a == b:
                lengths[-1] += 1
            else:
                lengths.append(1)
        result["longest.run"] = max(lengths)
        result["longest.run.max"] = int(r_round(math.log2(len(runs)))) + 3
        result["n.crossings"] = max(len(lengths) - 1, 0)
        result["n.crossings.min"] = qbinom_05(max(len(runs) - 1, 0))
        result["runs.signal"] = not (
            result["n.crossings"] >= result["n.crossings.min"] and result["longest.run"] <= result["longest.run.max"]
        )
    else:
        result.update(
            {"longest.run": NA, "longest.run.max": NA, "n.crossings": NA, "n.crossings.min": NA, "runs.signal": False}
        )
    for r in group:
        r.update(result)


# ---- NHSRplotthedots ------------------------------------------------------------------------------------
class RStops(Exception):
    """R would stop with an error on this input: no reference value exists."""


def ptd_reference(ys, rebase_at, options):
    """ptd_spc(value_field, date_field, rebase, fix_after_n_points, improvement_direction, target,
    screen_outliers = TRUE) for one facet; ``rebase_at`` are the 0-based rows that start a rebase group."""
    fix_after = options.get("baseline_points") or math.inf
    groups, current = [], []
    for i, y in enumerate(ys):
        if i in rebase_at and current:
            groups.append(current)
            current = []
        current.append({"y": y})
    groups.append(current)
    out = []
    for g, group in enumerate(groups):
        # R/ptd_spc_standard.R lines 66-94.
        for i, r in enumerate(group):
            r["fix_y"] = r["y"] if i + 1 <= fix_after else NA
            r["rebase_group"] = g
        mean_col = r_mean([r["fix_y"] for r in group])
        mr = [NA] + [NA if is_na(d) else abs(d) for d in r_diff([r["fix_y"] for r in group])]
        amr = r_mean(mr)
        if options.get("screen_moving_ranges", True):
            mr = [m if (not is_na(m) and m < 3.267 * amr) else NA for m in mr]  # case_when: NA -> TRUE ~ NA
        amr = r_mean(mr)
        limit, close = 2.66, 2 * (2.66 / 3)
        for r in group:
            r.update(
                mean_col=mean_col,
                lpl=mean_col - limit * amr,
                upl=mean_col + limit * amr,
                nlpl=mean_col - close * amr,
                nupl=mean_col + close * amr,
            )
            r["outside_limits"] = r_or(cmp(r["y"], r["upl"], float.__gt__), cmp(r["y"], r["lpl"], float.__lt__))
            r["relative_to_mean"] = NA if is_na(r["y"]) else r_sign(r["y"] - mean_col)
            r["close_to_limits"] = r_and(
                None if r["outside_limits"] is None else not r["outside_limits"],
                r_or(cmp(r["y"], r["nlpl"], float.__lt__), cmp(r["y"], r["nupl"], float.__gt__)),
            )
        special_cause_types(group, options)
        for r in group:
            r["short_group_warning"] = len(group) < 12  # dplyr::n() < warning_threshold (see constants.py)
        if len(group) == 12:
            raise RStops("a rebase group of exactly 12 rows: 0.2.2 warns (default 13), its documentation says not")
        out.extend(group)
    return out


def special_cause_types(group, options):  # R/ptd_calculate_point_type.R lines 12-134
    y = [r["y"] for r in group]
    rtm = [r["relative_to_mean"] for r in group]
    close = [r["close_to_limits"] for r in group]
    part_trend = part_of_seven(seven_point_trend(y))
    part_two = [
        r_and(cmp(v, 1.0, float.__eq__), cmp(None if c is None else float(c), 1.0, float.__eq__))
        for v, c in zip(two_in_three(close, rtm), close)
    ]
    part_shift = part_of_seven(seven_point_one_side_mean(rtm))
    sdy = [r_sign(d) for d in r_diff(y)]
    n = len(y)
    right = [sdy[i] if i < n - 1 else sdy[-1] for i in range(n)] if sdy else [NA] * n  # c(sdy, tail(sdy, 1))
    left = [0.0] + sdy  # c(0, sdy)
    nxt = [part_trend[i + 1] if i + 1 < n else 0.0 for i in range(n)]  # c(part[-1], 0)
    direction = {"increase": 1, "neutral": 0, "decrease": -1}[options.get("improvement_direction", "increase")]
    for i, r in enumerate(group):
        use_right = r_and(_truthy(nxt[i]), _truthy(part_trend[i]))
        step = NA if use_right is None else (right[i] if use_right else left[i])
        above_or_below = NA if is_na(rtm[i]) else ("Above" if rtm[i] > 0 else "Below")
        if cmp(float(r["outside_limits"]) if r["outside_limits"] is not None else None, 0.0, float.__ne__):
            kind = "Above UCL" if rtm[i] == 1 else "Below LCL"
        elif cmp(part_trend[i], 0.0, float.__ne__):
            kind = f"7 Point Trend ({'In' if step == 1 else 'De'}creasing)"
        elif cmp(part_two[i] if part_two[i] is None else float(part_two[i]), 0.0, float.__ne__):
            kind = f"2 in 3 {above_or_below} CL"
        elif cmp(part_shift[i], 0.0, float.__ne__):
            kind = f"7 Points {above_or_below} CL"
        else:
            kind = "Common Cause"
        r["special_cause_type"] = kind
        r["special_cause_flag"] = kind != "Common Cause"
        v = 1 if ("Above" in kind or "Increasing" in kind) else (-1 if ("Below" in kind or "Decreasing" in kind) else 0)
        if direction == 0:
            r["point_type"] = {1: "special_cause_neutral_high", -1: "special_cause_neutral_low"}.get(v, "common_cause")
        else:
            r["point_type"] = {1: "special_cause_improvement", -1: "special_cause_concern"}.get(
                v * direction, "common_cause"
            )


def _truthy(v):
    return None if is_na(v) else v != 0


def seven_point_one_side_mean(v):  # lines 29-35
    vp = [0.0] * 6 + list(v)
    out = []
    for i in range(6, len(vp)):
        same = r_all(cmp(vp[i], vp[i - k], float.__eq__) for k in range(1, 7))
        value = r_and(same, cmp(vp[i], 0.0, float.__ne__))
        out.append(NA if value is None else float(value))
    return out


def part_of_seven(v):  # lines 37-44
    vp = list(v) + [0.0] * 6
    out = []
    for i in range(len(v)):
        value = r_any(cmp(abs(vp[i + k]) if not is_na(vp[i + k]) else NA, 1.0, float.__eq__) for k in range(7))
        out.append(NA if value is None else float(value))
    return out


def seven_point_trend(y):  # lines 46-65
    if len(y) < 7:
        return [0.0] * len(y)
    out = [0.0] * 6
    for i in range(6, len(y)):
        window = [y[i - k] for k in range(7)]  # y[i - 0:6]
        d = [NA if is_na(s) else -s for s in (r_sign(x) for x in r_diff(window))]
        up = r_all(cmp(x, 1.0, float.__eq__) for x in d)
        if up is None:
            raise RStops(f"ptd_seven_point_trend stops at row {i + 1}: missing value where TRUE/FALSE needed")
        if up:
            out.append(1.0)
            continue
        down = r_all(cmp(x, -1.0, float.__eq__) for x in d)
        if down is None:
            raise RStops(f"ptd_seven_point_trend stops at row {i + 1}: missing value where TRUE/FALSE needed")
        out.append(-1.0 if down else 0.0)
    return out


def two_in_three(v, rtm):  # lines 67-80
    if not v:
        return []
    num = [NA if x is None else float(x) for x in v]
    vp = [0.0, 0.0] + num + [0.0, 0.0]
    rtmp = [0.0, 0.0] + list(rtm) + [0.0, 0.0]

    def window(i, ks):
        total = r_sum([vp[i + k] for k in ks], False)
        sides = r_sum([rtmp[i + k] for k in ks], False)
        return r_and(cmp(total, 2.0, float.__ge__), cmp(None if is_na(sides) else abs(sides), 3.0, float.__eq__))

    out = []
    for i in range(len(v)):
        value = r_or(r_or(window(i, (0, 1, 2)), window(i, (1, 2, 3))), window(i, (2, 3, 4)))
        out.append(NA if value is None else float(value))
    return out


def ptd_icons(rows, options):
    """geom_ptd_icon: the last row's point type (R/geom_ptd_icon.R line 150); ptd_calculate_assurance_type:
    the last row's limits against the target (R/ptd_calculate_assurance_type.R lines 12-33)."""
    last = rows[-1]
    target, direction = options.get("target"), options.get("improvement_direction", "increase")
    if target is None or direction == "neutral":
        assurance = None
    elif target > last["upl"]:
        assurance = "consistent_fail" if direction == "increase" else "consistent_pass"
    elif target < last["lpl"]:
        assurance = "consistent_pass" if direction == "increase" else "consistent_fail"
    else:
        assurance = "inconsistent"
    return last["point_type"], assurance


# ---- a case's expected files from the references -----------------------------------------------------------
def read_input(case: Path):
    with (case / "input.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    xs = [r["x"] if "-" in r["x"] else int(r["x"]) for r in rows]
    ys = [float(r["y"]) if r["y"].strip() else NA for r in rows]
    ns = [float(r["n"]) if r["n"].strip() else NA for r in rows] if "n" in rows[0] else None
    return xs, ys, ns


def _fmt(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if is_na(v):
        return ""
    if isinstance(v, int):
        return str(v)
    return repr(float(v)) if float(v) != int(v) or abs(v) >= 1e15 else str(int(v))


def expected_rows(case: Path) -> tuple[list[str], list[list[str]], dict]:
    options = json.loads((case / "options.json").read_text())
    xs, ys, ns = read_input(case)
    if options.get("rules", "anhoej") == "mdc":
        rebase_at = {xs.index(_x(v, xs)) for v in options.get("phase_starts", [])}
        rows = ptd_reference(ys, rebase_at, options)
        header = [
            "x",
            "y",
            "cl",
            "lcl",
            "ucl",
            "lcl_95",
            "ucl_95",
            "phase",
            "baseline",
            "sigma_signal",
            "special_cause_flag",
            "special_cause_type",
            "point_type",
            "relative_to_mean",
            "close_to_limits",
            "shift_flag",
            "trend_flag",
            "two_in_three_flag",
            "short_group_warning",
        ]
        body = []
        for x, r in zip(xs, rows):
            kind = r["special_cause_type"]
            body.append(
                [
                    str(x),
                    _fmt(r["y"]),
                    _fmt(r["mean_col"]),
                    _fmt(r["lpl"]),
                    _fmt(r["upl"]),
                    _fmt(r["nlpl"]),
                    _fmt(r["nupl"]),
                    str(r["rebase_group"] + 1),
                    _fmt(not is_na(r["fix_y"])),  # the baseline is fix_y (line 67)
                    _fmt(r["outside_limits"] is True),
                    _fmt(r["special_cause_flag"]),
                    kind,
                    r["point_type"],
                    "" if is_na(r["relative_to_mean"]) else str(int(r["relative_to_mean"])),
                    _fmt(r["close_to_limits"]),
                    _fmt(kind.startswith("7 Points")),
                    _fmt(kind.startswith("7 Point Trend")),
                    _fmt(kind.startswith("2 in 3")),
                    _fmt(r["short_group_warning"]),
                ]
            )
        variation, assurance = ptd_icons(rows, options)
        return header, body, {"variation_icon": variation, "assurance_icon": assurance}
    rows = qic_reference(xs, ys, ns, options)
    header = (
        ["x", "y"]
        + (["n"] if ns is not None else [])
        + [
            "cl",
            "lcl",
            "ucl",
            "lcl_95",
            "ucl_95",
            "phase",
            "baseline",
            "include",
            "sigma_signal",
            "run_signal",
            "n_obs",
            "n_useful",
            "longest_run",
            "longest_run_max",
            "n_crossings",
            "n_crossings_min",
        ]
    )
    body = []
    for i, (x, r) in enumerate(zip(xs, rows)):
        body.append(
            [str(x), _fmt(r["y"])]
            + ([_fmt(ns[i])] if ns is not None else [])
            + [
                _fmt(r["cl"]),
                _fmt(r["lcl"]),
                _fmt(r["ucl"]),
                _fmt(r["lcl.95"]),
                _fmt(r["ucl.95"]),
                str(r["part"]),
                _fmt(r["baseline"]),
                _fmt(r["include"]),
                _fmt(r["sigma.signal"]),
                _fmt(r["runs.signal"]),
                str(r["n.obs"]),
                str(r["n.useful"]),
                _fmt(r["longest.run"]),
                _fmt(r["longest.run.max"]),
                _fmt(r["n.crossings"]),
                _fmt(r["n.crossings.min"]),
            ]
        )
    return header, body, {}


def write_case(case: Path) -> None:
    """Write a case's expected.csv (and the icons into expected_summary.json) from the references."""
    header, body, icons = expected_rows(case)
    with (case / "expected.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(body)
    summary_path = case / "expected_summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    summary.update(icons)
    summary_path.write_text(json.dumps(summary, indent=2) + "\n")


def _close(expected: str, derived: str) -> bool:
    if expected == derived:
        return True
    try:
        return abs(float(expected) - float(derived)) <= 1e-12 * abs(float(derived)) + 1e-15
    except ValueError:
        return False


@pytest.mark.parametrize("case", NA_CASES, ids=[c.name for c in NA_CASES])
def test_missing_value_case_is_what_the_references_source_gives(case: Path) -> None:
    header, body, icons = expected_rows(case)
    with (case / "expected.csv").open(newline="") as handle:
        committed = list(csv.reader(handle))
    assert committed[0] == header
    assert len(committed) - 1 == len(body)
    for i, (want, got) in enumerate(zip(committed[1:], body)):
        for column, a, b in zip(header, want, got):
            assert _close(a, b), f"row {i + 1} {column}: committed {a!r}, derived {b!r}"
    summary = json.loads((case / "expected_summary.json").read_text())
    assert "derived" in summary["description"]
    for key, value in icons.items():
        assert summary[key] == value
    _, ys, _ = read_input(case)
    assert any(is_na(y) for y in ys), "a missing-value case needs an empty y cell"


R_CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir() and not p.name.startswith("na_"))


@pytest.mark.parametrize("case", R_CASES, ids=[c.name for c in R_CASES])
def test_the_transliteration_reproduces_the_cases_r_computed(case: Path) -> None:
    """The transliterations are trusted because they give back every case R itself computed."""
    header, body, icons = expected_rows(case)
    with (case / "expected.csv").open(newline="") as handle:
        committed = list(csv.DictReader(handle))
    assert len(committed) == len(body)
    for i, (want, got) in enumerate(zip(committed, body)):
        derived = dict(zip(header, got))
        for column, value in want.items():
            a, b = value, derived[column]
            agree = a == b
            if not agree and a and b:
                agree = abs(float(a) - float(b)) <= 1e-9 * abs(float(a)) + 1e-12
            assert agree, f"row {i + 1} {column}: R {a!r}, transliteration {b!r}"
    summary = json.loads((case / "expected_summary.json").read_text())
    for key, value in icons.items():
        assert summary[key] == value


def test_the_trend_transliteration_refuses_what_r_refuses() -> None:
    with pytest.raises(RStops):
        seven_point_trend([1.0, 2.0, 3.0, NA, 5.0, 6.0, 7.0, 8.0])
    assert seven_point_trend([1.0, 2.0, 3.0, NA, 5.0, 4.0, 7.0, 8.0]) == [0.0] * 8
