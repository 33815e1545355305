"""One expert base for the review of applications and the evaluation and acceptance: what an
expert's assignment, conflict declaration and score sheet hold, whatever they are about.

The concrete models (models/reviews.py: ReviewAssignment, ConflictOfInterest, ReviewScore;
models/acceptance_experts.py: AcceptanceAssignment, AcceptanceConflict, AcceptanceScore) add
what they concern (an application, a construction programme) and who the expert is. The shared
services are applications/experts.py.

Scores: each criterion is an integer from 0 to 100 (100 = fully meets the criterion); a sheet's
weighted total is Σ score × weight / 100, so 0–100 too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

SCORE_MIN, SCORE_MAX = 0, 100
SCORE_LIMITS = (SCORE_MIN, SCORE_MAX)


class ExpertAssignmentBase(models.Model):
    """Someone who assigns puts an expert on something to score."""

    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("指派时间"), auto_now_add=True)
    # An expert declares before reading anything: empty until they declared no conflict of
    # interest (a declared conflict removes the assignment and leaves a conflict record).
    declared_at = models.DateTimeField(_("声明无利益冲突时间"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["assigned_at", "pk"]


class ExpertConflictBase(models.Model):
    """An expert declared a conflict of interest: the assignment is gone, this record stays."""

    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("指派人"),
    )
    assigned_at = models.DateTimeField(_("指派时间"))
    declared_at = models.DateTimeField(_("声明时间"), auto_now_add=True)
    reason = models.TextField(_("利益冲突说明"))

    class Meta:
        abstract = True
        ordering = ["declared_at", "pk"]


class ScoreSheetBase(models.Model):
    """One expert's sheet on the rubric as it stood when scored: `criteria` keeps that rubric
    ([{key, name, weight}]), `values` the scores ({key: 0–100}), `weighted_total`
    Σ score × weight / 100 (0–100, two places)."""

    criteria = models.JSONField(_("评分标准"), default=list)
    values = models.JSONField(_("各项得分"), default=dict)
    weighted_total = models.DecimalField(_("加权总分"), max_digits=5, decimal_places=2)
    updated_at = models.DateTimeField(_("评分时间"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["updated_at", "pk"]

    def value_of(self, key: str) -> int | None:
        return self.values.get(key)


class ExpertWithdrawalBase(models.Model):
    """Whoever assigns withdrew an expert's assignment before the expert scored: the assignment
    is gone (and with it the expert's access), this record of the act stays."""

    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("指派人"),
    )
    assigned_at = models.DateTimeField(_("指派时间"))
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("撤回人"),
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), auto_now_add=True)
    reason = models.TextField(_("撤回原因"))

    class Meta:
        abstract = True
        ordering = ["withdrawn_at", "pk"]
