"""Provincial guidance of a park in construction (notice 三(三): 省级发展改革委指导园区建设).

The province records each guidance visit (`GuidanceVisit`: date, form, who took part, what was
said) and the problems it raised (`GuidanceProblem`), each open until the province records when
and how it was solved. The park reads its own and answers a problem (`ProblemResponse`). Visits,
answers and a problem's solution are records: written once through applications/guidance.py,
never changed (a correction is a new record).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .events import AppendOnlyRecord
from .programme import ConstructionProgramme


class GuidanceForm(models.TextChoices):
    ON_SITE = "on_site", _("现场指导")
    MEETING = "meeting", _("座谈会商")
    REMOTE = "remote", _("视频或电话指导")
    WRITTEN = "written", _("书面指导")


class GuidanceVisit(AppendOnlyRecord):
    programme = models.ForeignKey(
        ConstructionProgramme,
        on_delete=models.PROTECT,
        related_name="guidance_visits",
        verbose_name=_("建设方案"),
    )
    visited_on = models.DateField(_("指导日期"))
    form = models.CharField(_("指导形式"), max_length=16, choices=GuidanceForm.choices)
    participants = models.TextField(_("参加人员"))
    content = models.TextField(_("指导内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = _("指导记录")
        verbose_name_plural = _("指导记录")

    def __str__(self) -> str:
        return f"{self.programme.park} · {self.visited_on}"


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("未解决")
    SOLVED = "solved", _("已解决")


class GuidanceProblem(models.Model):
    """A problem the province raised at a visit. Only its solution is ever written after it
    (once, by applications/guidance.py: `solve`)."""

    programme = models.ForeignKey(
        ConstructionProgramme,
        on_delete=models.PROTECT,
        related_name="guidance_problems",
        verbose_name=_("建设方案"),
    )
    visit = models.ForeignKey(
        GuidanceVisit, on_delete=models.PROTECT, related_name="problems", verbose_name=_("指导记录")
    )
    description = models.TextField(_("问题"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    solved_on = models.DateField(_("解决日期"), null=True, blank=True)
    solution = models.TextField(_("解决方式"), blank=True)
    solved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录解决的人员"),
    )
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("指导中发现的问题")
        verbose_name_plural = _("指导中发现的问题")
        indexes = [models.Index(fields=["programme", "status"], name="guidance_problem_status")]

    def __str__(self) -> str:
        return self.description[:50]


class ProblemResponse(AppendOnlyRecord):
    """The park's answer to a problem (what it did, or what it needs)."""

    problem = models.ForeignKey(
        GuidanceProblem, on_delete=models.PROTECT, related_name="responses", verbose_name=_("问题")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("园区人员"),
    )
    text = models.TextField(_("园区反馈"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("园区对问题的反馈")
        verbose_name_plural = _("园区对问题的反馈")

    def __str__(self) -> str:
        return self.text[:50]
