"""One expert base for the review of applications (reviews.py) and the evaluation and acceptance
(acceptance_experts.py): what an expert's acts have in common, whatever the expert scores.

- `clean_reason`: the reason of a conflict declaration or of a withdrawn assignment, checked;
- `parse_scores`: every criterion of a rubric, each a whole number within SCORE_LIMITS; the
  message names the criterion; nothing is kept unless all are valid;
- `sheet_fields`: what a score sheet stores of its rubric and scores (models/experts.py);
- `record_conflict`: a declared conflict removes the assignment and keeps the declaration;
- `panel`: each sheet, each criterion's average and the spread of the weighted totals with its
  outliers (rubric.spread, D22), with no query.

Each caller raises its own error class (`error`), so its views keep their messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.utils.translation import gettext_lazy as _

from . import rubric
from .models import SCORE_LIMITS

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from django.db import models

REASON_MAX = 2000

Sheet = TypeVar("Sheet")


def clean_reason(
    reason: str, field: str, error: type[Exception], *, missing: str | None = None
) -> str:
    """The reason stripped; refused (with `error`, naming `field`) when empty, holding a NUL
    (PostgreSQL cannot store it) or longer than REASON_MAX."""
    reason = (reason or "").strip()
    if not reason:
        raise error(missing or str(_("%(field)s：请填写。")) % {"field": field})
    if "\x00" in reason:
        raise error(str(_("%(field)s：不能包含空字符（NUL）。")) % {"field": field})
    if len(reason) > REASON_MAX:
        raise error(
            str(_("%(field)s：不能超过 %(max)s 个字。")) % {"field": field, "max": REASON_MAX}
        )
    return reason


def parse_score(label: str, raw: Any, error: type[Exception]) -> int:
    """One criterion's score: a whole number within SCORE_LIMITS; the message names it."""
    low, high = SCORE_LIMITS
    text = "" if raw is None else str(raw).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise error(
            str(_("%(field)s：请填写 %(low)s–%(high)s 的整数。"))
            % {"field": label, "low": low, "high": high}
        )
    value = int(text)
    if not low <= value <= high:
        raise error(
            str(_("%(field)s：分值须在 %(low)s–%(high)s 之间。"))
            % {"field": label, "low": low, "high": high}
        )
    return value


def parse_scores(
    criteria: Sequence[rubric.Criterion], values: Mapping[str, Any], error: type[Exception]
) -> dict[str, int]:
    """Every criterion's score (each criterion is a field of its key)."""
    return {c.key: parse_score(c.name, values.get(c.key), error) for c in criteria}


def sheet_fields(criteria: Sequence[rubric.Criterion], parsed: Mapping[str, int]) -> dict:
    """A sheet's stored rubric, scores and weighted total."""
    return {
        "criteria": [c.as_stored() for c in criteria],
        "values": dict(parsed),
        "weighted_total": rubric.weighted_total(criteria, parsed),
    }


def record_conflict(
    assignment: models.Model, conflict_model: type[models.Model], reason: str, **subject: Any
) -> models.Model:
    """Keep the declaration (who assigned, when) and remove the assignment for good."""
    conflict = conflict_model.objects.create(
        assigned_by_id=assignment.assigned_by_id,
        assigned_at=assignment.assigned_at,
        reason=reason,
        **subject,
    )
    assignment.delete()
    return conflict


def record_withdrawal(
    user: Any,
    assignment: models.Model,
    withdrawal_model: type[models.Model],
    reason: str,
    **subject: Any,
) -> models.Model:
    """Keep the withdrawal (who assigned and when, who withdrew and why) and remove the
    assignment: the expert's access goes with it."""
    withdrawal = withdrawal_model.objects.create(
        assigned_by_id=assignment.assigned_by_id,
        assigned_at=assignment.assigned_at,
        withdrawn_by=user,
        reason=reason,
        **subject,
    )
    assignment.delete()
    return withdrawal


@dataclass(frozen=True)
class Panel:
    sheets: list
    criteria: list[rubric.Criterion]  # the columns: the rubric the sheets were scored on
    averages: dict[str, Decimal]  # per criterion key
    spread: rubric.Spread
    outliers: frozenset[int]  # expert ids whose weighted total is an outlier (D22)


def panel(
    sheets: list[Sheet],
    fallback: Callable[[], list[rubric.Criterion]],
    expert_of: Callable[[Sheet], int],
) -> Panel:
    """The panel's sheets: the columns (the criteria the sheets were scored on, or `fallback()`
    when there is none), each criterion's average and the spread of the weighted totals."""
    seen: dict[str, rubric.Criterion] = {}
    for sheet in sheets:
        for criterion in rubric.stored_criteria(sheet.criteria):
            seen.setdefault(criterion.key, criterion)
    columns = list(seen.values()) or fallback()
    averages: dict[str, Decimal] = {}
    for c in columns:
        given = [s.values[c.key] for s in sheets if c.key in s.values]
        if given:
            averages[c.key] = rubric.average(given)
    spread = rubric.spread([s.weighted_total for s in sheets])
    outliers = frozenset(expert_of(sheets[i]) for i in spread.outliers)
    return Panel(sheets, columns, averages, spread, outliers)
