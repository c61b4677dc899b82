"""Per-group arithmetic over many series at once: one flat array, each (series, phase) group's rows contiguous.

Every chart rule is a reduction over a group (a sum, a median, a longest run) or a comparison with a
neighbour in the same group. Done with numpy over the whole flat array, a call costs a few passes over
memory whatever the number of series, and a one-series call costs microseconds, not the fixed cost of a
query plan. A missing value is NaN throughout; the engine turns NaN back into null when it builds its frame.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cached_property

import numpy as np

# How close (relative to the size of its values) a value must be to a computed mean for the mean to be
# worked out exactly: far above the few units in the last place (2.2e-16 each) a floating-point mean can be
# off by, far below any difference a chart could show.
NEAR_TIE = 1e-12
# Values that are whole multiples of 1/1024 (counts, halves, quarters) sum exactly in floating point while
# the sum stays below 2**53, so their sum over n is already the correctly rounded mean.
_DYADIC = 1024.0
# A median over groups of at most this many different sizes sorts each size's groups as one matrix;
# beyond it, groups are padded up to the next power of two.
_MEDIAN_SIZES = 8


class Groups:
    """Contiguous groups of a flat array: ``starts[g]`` is group g's first row, ``sizes[g]`` its row count."""

    def __init__(self, is_start: np.ndarray) -> None:
        """Groups from a boolean "this row starts a group" (the first row must be True)."""
        self.rows = is_start.size
        self.is_first = is_start
        self.starts = np.flatnonzero(is_start)
        self.sizes = np.diff(np.append(self.starts, self.rows))
        self.count = self.starts.size
        self._look_back: dict[int, np.ndarray] = {}
        self._look_ahead: dict[int, np.ndarray] = {}

    @cached_property
    def of_row(self) -> np.ndarray:
        """Each row's group."""
        return np.repeat(np.arange(self.count, dtype=np.intp), self.sizes)

    @cached_property
    def position(self) -> np.ndarray:
        """How many rows of its group come before each row."""
        return np.arange(self.rows, dtype=np.intp) - self.expand(self.starts)

    @cached_property
    def is_last(self) -> np.ndarray:
        """Rows that end their group."""
        last = np.empty(self.rows, dtype=bool)
        if self.rows:
            last[:-1], last[-1] = self.is_first[1:], True
        return last

    def can_look_back(self, k: int) -> np.ndarray:
        """Rows with at least k rows of their own group before them."""
        if k not in self._look_back:
            near_start = self.is_first.copy()
            for j in range(1, k):
                near_start[j:] |= self.is_first[:-j]
            near_start[:k] = True
            self._look_back[k] = ~near_start
        return self._look_back[k]

    def can_look_ahead(self, k: int) -> np.ndarray:
        """Rows with at least k rows of their own group after them."""
        if k not in self._look_ahead:
            near_end = self.is_last.copy()
            for j in range(1, k):
                near_end[:-j] |= self.is_last[j:]
            near_end[self.rows - k :] = True
            self._look_ahead[k] = ~near_end
        return self._look_ahead[k]

    def earlier(self, values: np.ndarray, k: int, fill: object = False) -> np.ndarray:
        """``values`` from k rows earlier in the same group (k < 0: later), ``fill`` where there is none."""
        if k == 0:
            return values.copy()
        shifted = np.empty_like(values)
        if k > 0:
            shifted[k:], shifted[:k] = values[:-k], fill
            keep = self.can_look_back(k)
        else:
            shifted[:k], shifted[k:] = values[-k:], fill
            keep = self.can_look_ahead(-k)
        if values.dtype == bool and fill is False:
            return np.logical_and(shifted, keep, out=shifted)
        np.copyto(shifted, fill, where=~keep)
        return shifted

    def continues(self, values: np.ndarray) -> np.ndarray:
        """Rows equal to the row before them in the same group."""
        out = np.zeros(values.size, dtype=bool)
        if values.size:
            np.equal(values[1:], values[:-1], out=out[1:])
            out &= self.can_look_back(1)
        return out

    def expand(self, per_group: np.ndarray) -> np.ndarray:
        """Each row gets its group's value."""
        return np.repeat(per_group, self.sizes)

    def total(self, values: np.ndarray) -> np.ndarray:
        """Sum per group (``values`` has one entry per row; groups are never empty)."""
        if self.count == 0:
            return np.zeros(0, dtype=values.dtype)
        return np.add.reduceat(values, self.starts)

    def counts(self, use: np.ndarray) -> np.ndarray:
        """How many rows of each group ``use`` marks."""
        if self.count == 0:
            return np.zeros(0, dtype=np.intp)
        return np.add.reduceat(use.view(np.int8), self.starts, dtype=np.int32).astype(np.intp)

    def mean(self, values: np.ndarray, use: np.ndarray) -> np.ndarray:
        """Mean of ``values`` over the rows where ``use`` holds, per group; NaN for a group with none.

        A value that equals the mean is found to be on it, as the references find it: R's ``mean`` is the
        correctly rounded mean all but always (src/main/summary.c ``real_mean`` sums in long double and adds
        the mean of the residuals). The sum over n is within a few units in the last place of it, so only a
        group with a value that close to its mean is worked out exactly (most often whole numbers, whose
        sum over n is exact already).
        """
        every = use.all()
        picked = values if every else np.where(use, values, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            n = self.counts(use).astype(float)
            n[n == 0] = np.nan
            mean = self.total(picked) / n
            tolerance = NEAR_TIE * self.total(np.abs(picked)) / n
            near = np.abs(values - self.expand(mean)) <= self.expand(tolerance)
        if not every:
            near &= use
        if near.any():
            for g in np.unique(self.of_row[near]).tolist():
                rows = slice(self.starts[g], self.starts[g] + self.sizes[g])
                mean[g] = exact_mean(values[rows][use[rows]], mean[g])
        return mean

    def median(self, values: np.ndarray, use: np.ndarray) -> np.ndarray:
        """Median of ``values`` over the rows where ``use`` holds, per group; NaN for a group with none.

        For an even count it is the mean of the two middle values, as R's ``median`` is. Groups with the
        same number of used values are sorted together as the rows of one matrix.
        """
        out = np.full(self.count, np.nan)
        counts = self.counts(use)
        sizes = sorted(set(counts[counts > 0].tolist())) if self.count <= 64 else np.unique(counts[counts > 0]).tolist()
        if not sizes:
            return out
        if len(sizes) > _MEDIAN_SIZES:
            return self._padded_median(values, use, counts)
        every = use.all()
        for size in sizes:
            mine = counts == size
            if every and mine.all():
                block = values.reshape(self.count, size)
            else:
                block = values[use & self.expand(mine)].reshape(-1, size)
            block = np.sort(block, axis=1)
            out[mine] = (block[:, (size - 1) // 2] + block[:, size // 2]) / 2
        return out

    def _padded_median(self, values: np.ndarray, use: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """The median for groups of many sizes: each padded (with +inf, which sorts last) to a power of two."""
        out = np.full(self.count, np.nan)
        cumulative = np.cumsum(use, dtype=np.intp)
        rank = cumulative - 1 - self.expand(cumulative[self.starts] - use[self.starts])
        rows = np.flatnonzero(use)
        group_of_value, rank, picked = self.of_row[rows], rank[rows], values[rows]
        width = np.zeros(self.count, dtype=np.intp)
        has = counts > 0
        width[has] = 1 << np.ceil(np.log2(counts[has])).astype(np.intp)
        for bucket in np.unique(width[has]).tolist():
            groups = np.flatnonzero(width == bucket)
            slot = np.full(self.count, -1, dtype=np.intp)
            slot[groups] = np.arange(groups.size)
            mine = slot[group_of_value] >= 0
            padded = np.full(groups.size * bucket, np.inf)
            padded[slot[group_of_value[mine]] * bucket + rank[mine]] = picked[mine]
            padded = np.sort(padded.reshape(groups.size, bucket), axis=1)
            n = counts[groups]
            lower = padded[np.arange(groups.size), (n - 1) // 2]
            upper = padded[np.arange(groups.size), n // 2]
            out[groups] = (lower + upper) / 2
        return out

    def subset(self, wanted: np.ndarray) -> tuple[np.ndarray | slice, Groups]:
        """The rows of the wanted groups and their own ``Groups`` (no copy when every group is wanted)."""
        if wanted.all():
            return slice(None), self
        rows = np.flatnonzero(self.expand(wanted))
        return rows, Groups(self.is_first[rows])


def exact_mean(values: np.ndarray, quick: float) -> float:
    """The correctly rounded mean of ``values``; ``quick`` is their sum over n, exact for dyadic values."""
    scaled = values * _DYADIC
    if (np.floor(scaled) == scaled).all() and np.abs(scaled).sum() < 2.0**53:
        return quick
    return float(sum(map(Fraction, values.tolist()), Fraction(0)) / values.size)


def sign(values: np.ndarray) -> np.ndarray:
    """-1, 0 or +1 as int8; 0 for NaN."""
    return (values > 0).view(np.int8) - (values < 0).view(np.int8)


def long_runs(continues: np.ndarray, length: int) -> np.ndarray:
    """Rows in a run of at least ``length`` rows, where ``continues`` marks a row that carries on the run of
    the row before it. A window of ``length`` rows is one run when its last ``length - 1`` rows each carry
    on; a row is in a long run when one of the ``length`` windows holding it is."""
    ahead = np.zeros(continues.size + 1, dtype=bool)
    ahead[:-2] = continues[1:]  # ahead[j]: row j + 1 carries on row j's run
    window_is_run = _all_within(ahead, length - 1)[: continues.size]
    return _any_within(window_is_run, length)


def _all_within(flags: np.ndarray, width: int) -> np.ndarray:
    """``out[j]``: flags[j], ..., flags[j + width - 1] all hold (False past the end), by doubling spans."""
    out = np.ones_like(flags)
    spans, span, offset = flags, 1, 0  # spans[j]: the ``span`` flags from j all hold
    while width:
        if width & 1:
            keep = max(out.size - offset, 0)
            out[:keep] &= spans[offset:]
            out[keep:] = False
            offset += span
        width >>= 1
        if width:
            doubled = np.zeros_like(spans)
            np.logical_and(spans[:-span], spans[span:], out=doubled[:-span])
            spans, span = doubled, span * 2
    return out


def _any_within(flags: np.ndarray, width: int) -> np.ndarray:
    """``out[i]``: one of flags[i - width + 1], ..., flags[i] holds."""
    out = flags.copy()
    for back in range(1, width):
        out[back:] |= flags[:-back]
    return out


def changes(values: np.ndarray, group_first: np.ndarray | None = None) -> np.ndarray:
    """True where a row differs from the one before it (the first row always), or starts its group."""
    out = np.empty(values.size, dtype=bool)
    if values.size:
        out[0] = True
        np.not_equal(values[1:], values[:-1], out=out[1:])
        if group_first is not None:
            out |= group_first
    return out
