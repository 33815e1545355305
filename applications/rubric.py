"""The rubric experts score on, the weighted total of a sheet, and how far experts disagree.

- `criteria_of(batch)`: the batch's criteria (`RubricCriterion`, in order), or `DEFAULT_RUBRIC`
  when it sets none (D21). Weights are percentages (Decimal) that sum to exactly 100
  (`check_criteria`, which the admin's batch page runs; its messages name the field).
- `weighted_total(criteria, values)`: Σ score × weight / 100, two places, half up.
- `spread(totals)`: count, mean, lowest, highest, range (max − min), standard deviation
  (population: the panel is all the judgement there is) and median of the weighted totals, and
  which of them are outliers: more than `OUTLIER_POINTS` (15) from the median, once there are at
  least `OUTLIER_MIN_SHEETS` (3) sheets (with two, both are equally far from their median) — D22.
Pure: no query but `criteria_of`, which reads prefetched criteria when they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

from django.utils.translation import gettext as _

from .models import DEFAULT_RUBRIC, WEIGHT_TOTAL, Batch, ReviewScore

TWO_PLACES = Decimal("0.01")
OUTLIER_POINTS = Decimal("15")
OUTLIER_MIN_SHEETS = 3


class RubricError(ValueError):
    """A rubric that cannot be used; the message names the field."""


@dataclass(frozen=True)
class Criterion:
    key: str
    name: str
    weight: Decimal
    guidance: str = ""

    def as_stored(self) -> dict[str, str]:
        """As a sheet keeps it (the rubric it was scored on)."""
        return {"key": self.key, "name": self.name, "weight": str(self.weight)}


def default_criteria() -> list[Criterion]:
    return [
        Criterion(key, str(name), weight, str(guidance))
        for key, name, weight, guidance in DEFAULT_RUBRIC
    ]


def criteria_of(batch: Batch) -> list[Criterion]:
    rows = list(batch.criteria.all())
    if not rows:
        return default_criteria()
    return [Criterion(r.key, r.name, r.weight, r.guidance) for r in rows]


def scored_sheets(batch: Batch) -> int:
    """Sheets scored on the batch's rubric (the old four-number sheets do not count)."""
    return ReviewScore.objects.filter(application__batch=batch, legacy=False).count()


def locked_message(batch: Batch) -> str:
    return _(
        "评分标准：本批次已有 %(n)s 份评分表按现行标准评分，评分项、代码和权重不能再修改"
        "（评分指导可以修改）。"
    ) % {"n": scored_sheets(batch)}


def stored_criteria(stored: Iterable[Mapping[str, Any]]) -> list[Criterion]:
    """The rubric a sheet was scored on, back from its JSON."""
    return [Criterion(c["key"], c["name"], Decimal(str(c["weight"]))) for c in stored]


def check_criteria(criteria: Sequence[Criterion]) -> None:
    """At least one criterion, names and keys once each, every weight above 0, their sum
    exactly 100 %."""
    if not criteria:
        raise RubricError(_("评分项：至少需要一个评分项。"))
    keys = [c.key for c in criteria]
    if len(set(keys)) != len(keys):
        raise RubricError(_("代码：每个评分项的代码须不同。"))
    names = [c.name for c in criteria]
    if len(set(names)) != len(names):
        raise RubricError(_("评分项：每个评分项的名称须不同。"))
    for c in criteria:
        if c.weight is None or not Decimal(0) < c.weight <= WEIGHT_TOTAL:
            raise RubricError(
                _("权重（%%）：“%(name)s”的权重须大于 0 且不超过 100。") % {"name": c.name}
            )
    total = sum((c.weight for c in criteria), Decimal(0))
    if total != WEIGHT_TOTAL:
        raise RubricError(
            _("权重（%%）：各评分项权重之和须为 100%%，现为 %(total)s%%。")
            % {"total": total.normalize() if total else 0}
        )


def average(values: Sequence[int]) -> Decimal:
    """The panel's average of one criterion, to one place (half up)."""
    return (Decimal(sum(values)) / Decimal(len(values))).quantize(Decimal("0.1"), ROUND_HALF_UP)


def weighted_total(criteria: Sequence[Criterion], values: Mapping[str, int | Decimal]) -> Decimal:
    total = sum((Decimal(values[c.key]) * c.weight for c in criteria), Decimal(0))
    return (total / WEIGHT_TOTAL).quantize(TWO_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class Spread:
    count: int
    mean: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    range: Decimal | None = None
    std: Decimal | None = None
    median: Decimal | None = None
    # Positions (in the order given) of the totals marked as outliers.
    outliers: frozenset[int] = field(default_factory=frozenset)


def _two(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, ROUND_HALF_UP)


def spread(totals: Sequence[Decimal]) -> Spread:
    """How far the weighted totals of one application's sheets lie apart (D22)."""
    n = len(totals)
    if not n:
        return Spread(0)
    with localcontext() as context:
        context.prec = 28
        mean = sum(totals, Decimal(0)) / n
        variance = sum(((t - mean) ** 2 for t in totals), Decimal(0)) / n
        try:
            std = variance.sqrt()
        except InvalidOperation:  # pragma: no cover - a variance is never negative
            std = Decimal(0)
        ordered = sorted(totals)
        middle = n // 2
        median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    outliers = frozenset(
        i
        for i, t in enumerate(totals)
        if n >= OUTLIER_MIN_SHEETS and abs(t - median) > OUTLIER_POINTS
    )
    return Spread(
        count=n,
        mean=_two(mean),
        low=min(totals),
        high=max(totals),
        range=max(totals) - min(totals),
        std=_two(std),
        median=_two(median),
        outliers=outliers,
    )
