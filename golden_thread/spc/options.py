"""Chart options: validated once at the entry, then trusted by every computation.

The schema is the one in ``shared/spc-cases/README.md`` (what ``golden-thread spc`` takes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

ChartType = Literal["run", "xmr", "p", "p_prime", "u", "u_prime", "c"]
RuleSet = Literal["anhoej", "mdc"]
Direction = Literal["increase", "decrease", "neutral"]

CHARTS: tuple[str, ...] = get_args(ChartType)
RULE_SETS: tuple[str, ...] = get_args(RuleSet)
DIRECTIONS: tuple[str, ...] = get_args(Direction)
# Charts whose y is a numerator over a denominator n.
RATIO_CHARTS = frozenset({"p", "p_prime", "u", "u_prime"})
PROPORTION_CHARTS = frozenset({"p", "p_prime"})
LANEY_CHARTS = frozenset({"p_prime", "u_prime"})


class SpcInputError(ValueError):
    """Input a chart cannot be drawn from, with the row and the problem in the message."""


@dataclass(frozen=True)
class SpcOptions:
    chart: ChartType = "xmr"
    rules: RuleSet = "anhoej"
    baseline_points: int | None = None
    phase_starts: tuple[Any, ...] = field(default_factory=tuple)
    exclude: tuple[Any, ...] = field(default_factory=tuple)
    multiply: float = 1.0
    screen_moving_ranges: bool = True
    improvement_direction: Direction = "increase"
    target: float | None = None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SpcOptions:
        """Build options from the JSON schema, refusing unknown keys and out-of-range values."""
        if not isinstance(raw, dict):
            raise SpcInputError('options must be a JSON object, e.g. {"chart": "xmr"}')
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(raw) - known)
        if unknown:
            raise SpcInputError(
                f"unknown option {', '.join(map(repr, unknown))}; known options are {', '.join(sorted(known))}"
            )
        values = dict(raw)
        for key in ("phase_starts", "exclude"):
            if key in values:
                if values[key] is None:
                    values[key] = ()
                elif not isinstance(values[key], list):
                    raise SpcInputError(f"option {key!r} must be a list of x values")
                else:
                    values[key] = tuple(values[key])
        options = cls(**values)
        options.validate()
        return options

    def validate(self) -> None:
        _one_of("chart", self.chart, get_args(ChartType))
        _one_of("rules", self.rules, get_args(RuleSet))
        _one_of("improvement_direction", self.improvement_direction, get_args(Direction))
        if self.baseline_points is not None and (
            isinstance(self.baseline_points, bool)
            or not isinstance(self.baseline_points, int)
            or self.baseline_points < 1
        ):
            raise SpcInputError(
                f"option 'baseline_points' must be a whole number of at least 1, not {self.baseline_points!r}"
            )
        if (
            isinstance(self.multiply, bool)
            or not isinstance(self.multiply, (int, float))
            or not (math.isfinite(self.multiply) and self.multiply > 0)
        ):
            raise SpcInputError(f"option 'multiply' must be a positive number, not {self.multiply!r}")
        if not isinstance(self.screen_moving_ranges, bool):
            raise SpcInputError("option 'screen_moving_ranges' must be true or false")
        if self.target is not None and (
            isinstance(self.target, bool) or not isinstance(self.target, (int, float)) or not math.isfinite(self.target)
        ):
            raise SpcInputError(f"option 'target' must be a number, not {self.target!r}")
        if self.rules == "mdc" and self.chart == "run":
            raise SpcInputError("Making Data Count rules need a control chart; a run chart uses rules 'anhoej'")


def _one_of(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise SpcInputError(f"option {name!r} must be one of {', '.join(allowed)}, not {value!r}")
