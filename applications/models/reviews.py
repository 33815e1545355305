"""Reviewers' work on an application: who is assigned, their scores, their comments.

Scores: each of the four criteria is an integer from 0 to 100 (100 = fully meets the criterion);
a reviewer has one score sheet per application and may revise it until the decision. The page
shows each reviewer's sheet and the average of every criterion and of the sheet totals.
"""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .applications import Application

SCORE_MIN, SCORE_MAX = 0, 100
SCORE_LIMITS = (SCORE_MIN, SCORE_MAX)


class AssignmentKind(models.TextChoices):
    REVIEWER = "reviewer", _("评审人员")
    EXPERT = "expert", _("评审专家")


class ReviewAssignment(models.Model):
    """National staff assign a reviewer or expert to an application."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assignments"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_assignments",
        verbose_name=_("被指派人"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=AssignmentKind.choices,
                            default=AssignmentKind.REVIEWER)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("指派时间"), auto_now_add=True)

    class Meta:
        ordering = ["assigned_at", "pk"]
        verbose_name = _("评审指派")
        verbose_name_plural = _("评审指派")
        constraints = [
            models.UniqueConstraint(fields=["application", "assignee"],
                                    name="review_assignment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.application} → {self.assignee}"


def _score_field(label):
    return models.PositiveSmallIntegerField(
        label, validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]
    )


# (field name, label): the three criteria of the notice and the feasibility of the indicators.
CRITERIA = (
    ("representativeness", _("产业代表性")),
    ("demonstration", _("综合示范性")),
    ("reduction_potential", _("碳减排潜力")),
    ("feasibility", _("指标可行性")),
)


class ReviewScore(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("评审人"),
    )
    # The submission scored: a resubmission is a new document, scored afresh.
    submission_number = models.PositiveIntegerField(_("所评提交版本"))
    representativeness = _score_field(_("产业代表性"))
    demonstration = _score_field(_("综合示范性"))
    reduction_potential = _score_field(_("碳减排潜力"))
    feasibility = _score_field(_("指标可行性"))
    updated_at = models.DateTimeField(_("评分时间"), auto_now=True)

    class Meta:
        ordering = ["updated_at", "pk"]
        verbose_name = _("评审打分")
        verbose_name_plural = _("评审打分")
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer", "submission_number"],
                                    name="review_score_once_per_submission"),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.reviewer}"

    @property
    def total(self) -> int:
        return sum(getattr(self, name) for name, _label in CRITERIA)


class CommentVisibility(models.TextChoices):
    INTERNAL = "internal", _("仅评审人员可见")
    PUBLIC = "public", _("园区可见")


class ReviewComment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="review_comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("评审人"))
    text = models.TextField(_("评审意见"))
    visibility = models.CharField(_("可见范围"), max_length=16,
                                  choices=CommentVisibility.choices,
                                  default=CommentVisibility.INTERNAL, db_index=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("评审意见")
        verbose_name_plural = _("评审意见")

    def __str__(self) -> str:
        return f"{self.application} · {self.author}"

    @property
    def is_public(self) -> bool:
        return self.visibility == CommentVisibility.PUBLIC
