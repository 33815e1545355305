"""Progress reports of a construction programme (建设进展报告) and their history.

Once a year, and whenever the province asks, the park reports: each key project's status,
investment made and commissioning date, the roadmap phases reached, problems and the support it
needs, and the year's indicators as the accounting engine computed them from that year's data
(frozen into the report when it is submitted). The province accepts the report or returns it
for correction with comments; every act is a `ReportEvent` (append-only), made through
applications/progress.py (the same door pattern as applications/workflow.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .events import AppendOnlyRecord
from .programme import ConstructionProgramme, KeyProject, RoadmapPhase


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("填写中")
    SUBMITTED = "submitted", _("已提交，待省级审核")
    RETURNED = "returned", _("退回修改")
    ACCEPTED = "accepted", _("省级已审核通过")


ALL_REPORT_STATES = frozenset(ReportStatus.values)
# The park may change the report's content and submit it.
REPORT_EDITABLE = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})


class ReportKind(models.TextChoices):
    ANNUAL = "annual", _("年度报告")
    REQUESTED = "requested", _("省级要求的报告")


class ProjectStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未开工")
    UNDER_CONSTRUCTION = "under_construction", _("建设中")
    IN_OPERATION = "in_operation", _("已投运")
    SUSPENDED = "suspended", _("暂缓实施")
    CANCELLED = "cancelled", _("已取消")


class ProgressReport(models.Model):
    programme = models.ForeignKey(
        ConstructionProgramme,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("建设方案"),
    )
    year = models.PositiveSmallIntegerField(_("报告年度"))
    kind = models.CharField(
        _("类型"), max_length=16, choices=ReportKind.choices, default=ReportKind.ANNUAL
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ReportStatus.choices,
        default=ReportStatus.DRAFT,
        db_index=True,
    )
    # A report the province asked for: who asked, by when, and what for.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("要求报告的省级人员"),
    )
    due_date = models.DateField(_("报送期限"), null=True, blank=True)
    request_note = models.TextField(_("报告要求"), blank=True)

    problems = models.TextField(_("存在的问题"), blank=True)
    support_needed = models.TextField(_("需要的支持"), blank=True)
    # The year's calculation as it stood when the report was (last) submitted: run id, factor
    # set, inputs digest and the engine's result (decimals as strings), frozen with the report.
    calculation = models.JSONField(_("年度核算结果"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("最近提交时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("审核通过时间"), null=True, blank=True)

    class Meta:
        ordering = ["programme", "year", "pk"]
        verbose_name = _("建设进展报告")
        verbose_name_plural = _("建设进展报告")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "year"],
                condition=Q(kind="annual"),
                name="one_annual_report_a_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.park} · {self.year} · {self.get_kind_display()}"

    @property
    def is_editable(self) -> bool:
        return self.status in REPORT_EDITABLE


class ReportProject(models.Model):
    """A key project's progress in the report."""

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="project_rows"
    )
    project = models.ForeignKey(
        KeyProject, on_delete=models.PROTECT, related_name="+", verbose_name=_("重点项目")
    )
    status = models.CharField(
        _("项目状态"),
        max_length=32,
        choices=ProjectStatus.choices,
        default=ProjectStatus.NOT_STARTED,
    )
    investment_made = models.DecimalField(
        _("累计完成投资（万元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    commissioned_on = models.DateField(_("投运日期"), null=True, blank=True)
    note = models.TextField(_("进展说明"), blank=True)

    class Meta:
        ordering = ["report", "project__position"]
        verbose_name = _("重点项目进展")
        verbose_name_plural = _("重点项目进展")
        constraints = [
            models.UniqueConstraint(fields=["report", "project"], name="report_project_once"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_status_display()}"


class ReportPhase(models.Model):
    """A roadmap phase: reached or not by the report."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="phase_rows")
    phase = models.ForeignKey(
        RoadmapPhase, on_delete=models.PROTECT, related_name="+", verbose_name=_("路线图阶段")
    )
    reached = models.BooleanField(_("已达到"), default=False)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["report", "phase__position"]
        verbose_name = _("路线图阶段进展")
        verbose_name_plural = _("路线图阶段进展")
        constraints = [
            models.UniqueConstraint(fields=["report", "phase"], name="report_phase_once"),
        ]

    def __str__(self) -> str:
        return str(self.phase)


class ReportAction(models.TextChoices):
    REQUEST = "request", _("要求报送进展报告")
    SUBMIT = "submit", _("提交进展报告")
    RETURN = "return", _("退回修改")
    ACCEPT = "accept", _("审核通过")


class ReportEvent(AppendOnlyRecord):
    """Append-only history of a report: who did what, when, with which comment."""

    report = models.ForeignKey(ProgressReport, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    action = models.CharField(_("操作"), max_length=16, choices=ReportAction.choices)
    from_status = models.CharField(
        _("原状态"), max_length=16, choices=ReportStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=16, choices=ReportStatus.choices)
    comment = models.TextField(_("意见"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("进展报告流转记录")
        verbose_name_plural = _("进展报告流转记录")

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.from_status} → {self.to_status}"
