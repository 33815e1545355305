"""Work a transition leaves for after its commit, recorded in the same transaction (an outbox).

A row is written together with the event (or the letter) it serves, so a decision and the work
it owes are saved or lost together. The broker only carries a row's id: losing Redis or a worker
delays the work, and the periodic sweep sends every row that is not done again. Running a row is
idempotent (its status is checked under a row lock), so a second delivery does nothing.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .acceptance_experts import AcceptanceAssignment, AcceptanceConflict, AcceptanceWithdrawal
from .deadlines import DeadlineReminder
from .events import ApplicationEvent
from .guidance import GuidanceProblem, GuidanceVisit, ProblemResponse
from .letters import Letter
from .progress import ReportEvent
from .reviews import ConflictOfInterest, ReviewAssignment, ReviewWithdrawal


class EffectKind(models.TextChoices):
    RENDER_LETTER = "render_letter", _("生成正式文书")
    NOTIFY = "notify", _("发送通知邮件")
    NOTIFY_ASSIGNED = "notify_assigned", _("通知被指派的专家")
    NOTIFY_CONFLICT = "notify_conflict", _("通知专家的利益冲突声明")
    OPEN_PROGRAMME = "open_programme", _("建立建设方案")
    NOTIFY_REPORT = "notify_report", _("发送进展报告通知邮件")
    REMIND_DEADLINE = "remind_deadline", _("截止时间提醒")
    ACCEPTANCE_ASSIGNED = "accept_assigned", _("通知被指派的验收专家")
    ACCEPTANCE_CONFLICT = "accept_conflict", _("通知验收专家的利益冲突声明")
    NOTIFY_WITHDRAWN = "notify_withdrawn", _("通知被撤回指派的评审人员")
    ACCEPTANCE_WITHDRAWN = "accept_withdrawn", _("通知被撤回指派的验收专家")
    GUIDANCE_VISIT = "guidance_visit", _("通知园区省级指导记录")
    GUIDANCE_SOLVED = "guidance_solved", _("通知园区问题已解决")
    GUIDANCE_ANSWER = "guidance_answer", _("通知省级园区的问题反馈")


class EffectStatus(models.TextChoices):
    PENDING = "pending", _("待完成")
    DONE = "done", _("已完成")
    FAILED = "failed", _("已放弃")


class PendingEffect(models.Model):
    kind = models.CharField(_("类型"), max_length=16, choices=EffectKind.choices)
    event = models.ForeignKey(
        ApplicationEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="effects",
        verbose_name=_("对应流转"),
    )
    letter = models.ForeignKey(
        Letter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="effects",
        verbose_name=_("正式文书"),
    )
    # Gone when the assignment is removed before its mail went out: then nothing is sent.
    assignment = models.ForeignKey(
        ReviewAssignment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("评审指派"),
    )
    conflict = models.ForeignKey(
        ConflictOfInterest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("利益冲突声明"),
    )
    report_event = models.ForeignKey(
        ReportEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="effects",
        verbose_name=_("进展报告流转"),
    )
    reminder = models.ForeignKey(
        DeadlineReminder,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("截止时间提醒"),
    )
    # An acceptance's expert: gone with the assignment (then nothing is sent), or their conflict.
    acceptance_assignment = models.ForeignKey(
        AcceptanceAssignment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("验收专家指派"),
    )
    acceptance_conflict = models.ForeignKey(
        AcceptanceConflict,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("验收专家利益冲突声明"),
    )
    withdrawal = models.ForeignKey(
        ReviewWithdrawal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤回的评审指派"),
    )
    acceptance_withdrawal = models.ForeignKey(
        AcceptanceWithdrawal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤回的验收专家指派"),
    )
    # Provincial guidance: a visit (with the problems it raised), a problem solved, a park's answer.
    guidance_visit = models.ForeignKey(
        GuidanceVisit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("指导记录"),
    )
    guidance_problem = models.ForeignKey(
        GuidanceProblem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("问题"),
    )
    problem_response = models.ForeignKey(
        ProblemResponse,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("园区反馈"),
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=EffectStatus.choices,
        default=EffectStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    # Last time the row's id was handed to the broker; empty while it never was (broker down).
    dispatched_at = models.DateTimeField(_("最近排队时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("待办后续操作")
        verbose_name_plural = _("待办后续操作")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=EffectKind.RENDER_LETTER, letter__isnull=False)
                    | Q(kind=EffectKind.NOTIFY, event__isnull=False)
                    | Q(kind=EffectKind.NOTIFY_ASSIGNED)
                    | Q(kind=EffectKind.NOTIFY_CONFLICT, conflict__isnull=False)
                    | Q(kind=EffectKind.OPEN_PROGRAMME, event__isnull=False)
                    | Q(kind=EffectKind.NOTIFY_REPORT, report_event__isnull=False)
                    | Q(kind=EffectKind.REMIND_DEADLINE, reminder__isnull=False)
                    | Q(kind=EffectKind.ACCEPTANCE_ASSIGNED)
                    | Q(kind=EffectKind.ACCEPTANCE_CONFLICT, acceptance_conflict__isnull=False)
                    | Q(kind=EffectKind.NOTIFY_WITHDRAWN, withdrawal__isnull=False)
                    | Q(
                        kind=EffectKind.ACCEPTANCE_WITHDRAWN,
                        acceptance_withdrawal__isnull=False,
                    )
                    | Q(kind=EffectKind.GUIDANCE_VISIT, guidance_visit__isnull=False)
                    | Q(kind=EffectKind.GUIDANCE_SOLVED, guidance_problem__isnull=False)
                    | Q(kind=EffectKind.GUIDANCE_ANSWER, problem_response__isnull=False)
                ),
                name="pending_effect_has_its_subject",
            ),
            # One notification per event, ever; one open rendering per letter.
            models.UniqueConstraint(
                fields=["event"],
                condition=Q(kind=EffectKind.NOTIFY),
                name="pending_effect_one_notification_per_event",
            ),
            models.UniqueConstraint(
                fields=["event"],
                condition=Q(kind=EffectKind.OPEN_PROGRAMME),
                name="pending_effect_one_programme_per_event",
            ),
            models.UniqueConstraint(
                fields=["report_event"],
                condition=Q(kind=EffectKind.NOTIFY_REPORT),
                name="pending_effect_one_notification_per_report_event",
            ),
            models.UniqueConstraint(
                fields=["letter"],
                condition=Q(kind=EffectKind.RENDER_LETTER, status=EffectStatus.PENDING),
                name="pending_effect_one_open_rendering_per_letter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"
