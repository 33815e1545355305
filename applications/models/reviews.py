"""Reviewers' work on an application: who is assigned, their scores, their comments.

Scores: each criterion of the batch's rubric (models/rubric.py) is an integer from 0 to 100
(100 = fully meets the criterion); the sheet's weighted total is 0–100. A reviewer has one sheet
per submission and may revise it until the decision.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .applications import Application
from .experts import (
    SCORE_LIMITS,
    ExpertAssignmentBase,
    ExpertConflictBase,
    ExpertWithdrawalBase,
    ScoreSheetBase,
)

__all__ = ["SCORE_LIMITS"]


class AssignmentKind(models.TextChoices):
    REVIEWER = "reviewer", _("评审人员")
    EXPERT = "expert", _("评审专家")


class ReviewAssignment(ExpertAssignmentBase):
    """National staff assign a reviewer or expert to an application."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assignments"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="review_assignments",
        verbose_name=_("被指派人"),
    )
    kind = models.CharField(
        _("类型"), max_length=16, choices=AssignmentKind.choices, default=AssignmentKind.REVIEWER
    )

    class Meta(ExpertAssignmentBase.Meta):
        verbose_name = _("评审指派")
        verbose_name_plural = _("评审指派")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "assignee"], name="review_assignment_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} → {self.assignee}"


# What an expert declares before the application's material is shown to them.
CONFLICT_DECLARATION = _(
    "本人承诺：与该园区及其管理机构、园区内企业、为该申报提供咨询或编制服务的机构均无雇佣、"
    "合作、投资、咨询或亲属关系；近三年未参与该省份对该申报的审核工作，亦未与该省级审核人员就"
    "该申报存在利害关系；不存在其他可能影响公正评审的情形。如存在上述任一情形，应声明利益冲突并"
    "回避评审。"
)


class ConflictOfInterest(ExpertConflictBase):
    """An expert declared a conflict of interest: the assignment is gone, this record stays."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="conflicts")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评审专家"),
    )

    class Meta(ExpertConflictBase.Meta):
        verbose_name = _("利益冲突声明")
        verbose_name_plural = _("利益冲突声明")

    def __str__(self) -> str:
        return f"{self.application} · {self.expert}"


class ReviewWithdrawal(ExpertWithdrawalBase):
    """National staff withdrew a reviewer's or expert's assignment before they scored."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="withdrawals"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("被撤回指派的人员"),
    )

    class Meta(ExpertWithdrawalBase.Meta):
        verbose_name = _("撤回的评审指派")
        verbose_name_plural = _("撤回的评审指派")

    def __str__(self) -> str:
        return f"{self.application} · {self.assignee}"


# The four criteria of the sheets scored before the batch's rubric (migration 0013): each
# 0–100, summed unweighted to 400. Those sheets keep their numbers, with equal weights of 25 %
# (the same ranking as their old total) and `legacy` set, so that the page says so.
LEGACY_CRITERIA = (
    ("representativeness", _("产业代表性")),
    ("demonstration", _("综合示范性")),
    ("reduction_potential", _("碳减排潜力")),
    ("feasibility", _("指标可行性")),
)


class ReviewScore(ScoreSheetBase):
    """One reviewer's score sheet for one submission, on the batch's rubric as it stood when
    scored: `criteria` keeps that rubric ([{key, name, weight}]), `values` the scores
    ({key: 0–100}), `weighted_total` Σ score × weight / 100 (0–100, two places)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评审人"),
    )
    # The submission scored: a resubmission is a new document, scored afresh.
    submission_number = models.PositiveIntegerField(_("所评提交版本"))
    legacy = models.BooleanField(_("旧版评分（四项等权）"), default=False)

    class Meta(ScoreSheetBase.Meta):
        verbose_name = _("评审打分")
        verbose_name_plural = _("评审打分")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer", "submission_number"],
                name="review_score_once_per_submission",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.reviewer}"


class CommentVisibility(models.TextChoices):
    INTERNAL = "internal", _("仅评审人员可见")
    PUBLIC = "public", _("园区可见")


class ReviewComment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="review_comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评审人"),
    )
    text = models.TextField(_("评审意见"))
    visibility = models.CharField(
        _("可见范围"),
        max_length=16,
        choices=CommentVisibility.choices,
        default=CommentVisibility.INTERNAL,
        db_index=True,
    )
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
