"""Self-assessment, evaluation and acceptance, designation (notice 三(四)).

`SelfAssessment` is the province's conclusion on a programme: the assessment year, the sheet of
indicators frozen as the province saw it (applications/self_assessment.py), its report, and
whether it puts the park forward for acceptance; putting forward a park below the core indicator
needs `override_reason` (Att.3: such a park "may in principle not apply"). `Designation` is the
entry of a park that passed acceptance in the public register of national zero-carbon parks.
Both are records of a workflow act (`event`) and never change once written.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .events import AppendOnlyRecord, ApplicationEvent
from .programme import ConstructionProgramme


class SelfAssessment(AppendOnlyRecord):
    programme = models.ForeignKey(
        ConstructionProgramme,
        on_delete=models.PROTECT,
        related_name="self_assessments",
        verbose_name=_("建设方案"),
    )
    event = models.OneToOneField(
        ApplicationEvent,
        on_delete=models.PROTECT,
        related_name="self_assessment",
        verbose_name=_("对应流转"),
    )
    year = models.PositiveSmallIntegerField(_("评估年度"))
    put_forward = models.BooleanField(_("推荐评估验收"))
    core_met = models.BooleanField(_("核心指标达标"))
    override_reason = models.TextField(_("核心指标未达标仍推荐的理由"), blank=True)
    report = models.TextField(_("自评估报告"))
    # The sheet as the province concluded on it: core, guiding, projects (strings for numbers).
    sheet = models.JSONField(_("自评估指标"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("自评估结论")
        verbose_name_plural = _("自评估结论")

    def __str__(self) -> str:
        return f"{self.programme} · {self.year}"


class Designation(AppendOnlyRecord):
    """A national zero-carbon park (国家级零碳园区): what the public register shows."""

    programme = models.OneToOneField(
        ConstructionProgramme,
        on_delete=models.PROTECT,
        related_name="designation",
        verbose_name=_("建设方案"),
    )
    event = models.OneToOneField(
        ApplicationEvent,
        on_delete=models.PROTECT,
        related_name="designation",
        verbose_name=_("验收决定"),
    )
    year = models.PositiveSmallIntegerField(_("命名年份"), db_index=True)
    assessment_year = models.PositiveSmallIntegerField(_("评估年度"))
    tier = models.CharField(_("能耗规模"), max_length=16)
    # Emissions and energy of the assessment year, as judged (the register shows the quotient).
    emissions_t = models.DecimalField(_("碳排放（吨）"), max_digits=24, decimal_places=8)
    energy_tce = models.DecimalField(_("综合能耗（吨标准煤）"), max_digits=24, decimal_places=8)
    threshold = models.DecimalField(_("核心指标要求"), max_digits=8, decimal_places=4)
    conditions = models.TextField(_("通过条件"), blank=True)
    designated_at = models.DateTimeField(_("命名时间"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "programme__park__province__code", "programme__park__name"]
        verbose_name = _("国家级零碳园区")
        verbose_name_plural = _("国家级零碳园区")

    def __str__(self) -> str:
        return f"{self.programme.park} · {self.year}"

    @property
    def intensity(self):
        return self.emissions_t / self.energy_tce if self.energy_tce else None
