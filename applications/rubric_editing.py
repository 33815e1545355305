"""Editing a batch's rubric in the app: NDRC's reviewers set the criteria, weights (summing to
exactly 100 %) and guidance (`save`). Once anyone has scored on the batch's rubric only the
guidance may change (`rubric.locked_message`); the admin's batch page keeps the same rules."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from . import permissions, rubric
from .models import Batch, RubricCriterion, User

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
NAME_MAX = 60
GUIDANCE_MAX = 2000


def current(batch: Batch) -> list[rubric.Criterion]:
    """What the batch is scored on now: its own criteria, or the default rubric (D21)."""
    return rubric.criteria_of(batch)


def is_locked(batch: Batch) -> bool:
    return rubric.scored_sheets(batch) > 0


def _check(criteria: list[rubric.Criterion]) -> None:
    for n, c in enumerate(criteria, start=1):
        if not KEY.match(c.key):
            raise rubric.RubricError(
                _("代码：第 %(n)s 行的代码须以小写英文字母开头，只含小写字母、数字和下划线。")
                % {"n": n}
            )
        if not c.name.strip():
            raise rubric.RubricError(_("评分项：第 %(n)s 行须填写名称。") % {"n": n})
        if len(c.name) > NAME_MAX:
            raise rubric.RubricError(
                _("评分项：“%(name)s”超过 %(max)s 个字。") % {"name": c.name, "max": NAME_MAX}
            )
        if len(c.guidance) > GUIDANCE_MAX:
            raise rubric.RubricError(
                _("评分指导：“%(name)s”的评分指导超过 %(max)s 个字。")
                % {"name": c.name, "max": GUIDANCE_MAX}
            )
        if any("\x00" in text for text in (c.key, c.name, c.guidance)):
            raise rubric.RubricError(_("评分项：不能包含空字符（NUL）。"))
    rubric.check_criteria(criteria)


def _same_but_guidance(old: list[rubric.Criterion], new: list[rubric.Criterion]) -> bool:
    return [(c.key, c.name, c.weight) for c in old] == [(c.key, c.name, c.weight) for c in new]


@transaction.atomic
def save_criteria(
    user: User, batch: Batch, criteria: list[rubric.Criterion]
) -> list[rubric.Criterion]:
    """Replace the batch's criteria by these, in this order. Refused (RubricError, its message
    naming the field) when they do not add up, and, once anyone has scored on the batch, when
    more than the guidance changes."""
    if not permissions.may(user, "edit_rubric"):
        raise PermissionDenied(_("只有国家级评审人员可以修改评分标准。"))
    criteria = [
        rubric.Criterion(c.key.strip(), c.name.strip(), c.weight, (c.guidance or "").strip())
        for c in criteria
    ]
    _check(criteria)
    # The batch row is the rubric's lock: two editors take turns.
    Batch.objects.select_for_update().get(pk=batch.pk)
    old = rubric.criteria_of(Batch.objects.prefetch_related("criteria").get(pk=batch.pk))
    if is_locked(batch) and not _same_but_guidance(old, criteria):
        raise rubric.RubricError(rubric.locked_message(batch))
    RubricCriterion.objects.filter(batch=batch).delete()
    RubricCriterion.objects.bulk_create(
        RubricCriterion(
            batch=batch,
            key=c.key,
            name=c.name,
            weight=Decimal(c.weight),
            guidance=c.guidance,
            order=n,
        )
        for n, c in enumerate(criteria, start=1)
    )
    return criteria
