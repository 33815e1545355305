"""After approval: the park's construction programme (建设方案) and its life cycle.

An approved application becomes one `ConstructionProgramme` (the `open_programme` effect of the
approve transition, applications/programme.py): its construction period, its targets per Att.3
indicator and year, its key projects and its roadmap phases, copied from the application's last
submission. The programme then moves through the stages of the notice 三(三)–(四): building,
self-assessment organised by the province, evaluation and acceptance by NDRC, designated as a
national zero-carbon park or not passed. Each change of stage goes through the workflow door.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .applications import Application
from .events import ApplicationEvent
from .people import Park


class ProgrammeStage(models.TextChoices):
    """Stages of the life cycle after approval (notice 三(三)–(四))."""

    BUILDING = "building", _("建设中")
    SELF_ASSESSMENT = "self_assessment", _("自评估")
    ACCEPTANCE = "acceptance", _("评估验收")
    DESIGNATED = "designated", _("已命名")
    NOT_PASSED = "not_passed", _("验收未通过")


ALL_STAGES = frozenset(ProgrammeStage.values)


class Indicator(models.TextChoices):
    """The indicators of Att.3 that a programme sets yearly targets for: the core indicator and
    the guiding indicators the accounting engine computes as shares (product energy is judged
    per product against its quota, without a yearly value: see DECISIONS.md D16)."""

    INTENSITY = "intensity", _("单位能耗碳排放")
    CLEAN_ENERGY = "clean_energy", _("清洁能源消费占比")
    SOLID_WASTE = "solid_waste", _("工业固废综合利用率")
    WASTE_ENERGY = "waste_energy", _("余热余冷余压综合利用率")
    WATER = "water", _("工业用水重复利用率")


CORE_INDICATOR = Indicator.INTENSITY
GUIDING_INDICATORS = tuple(i for i in Indicator if i != CORE_INDICATOR)


class TargetSource(models.TextChoices):
    APPLICATION = "application", _("申报书")
    ATT3 = "att3", _("附件3要求")


class ConstructionProgramme(models.Model):
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="programme", verbose_name=_("申报书")
    )
    park = models.ForeignKey(
        Park, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("园区")
    )
    period_start = models.PositiveSmallIntegerField(_("建设期起始年"))
    period_end = models.PositiveSmallIntegerField(_("建设期结束年"))
    stage = models.CharField(
        _("阶段"),
        max_length=32,
        choices=ProgrammeStage.choices,
        default=ProgrammeStage.BUILDING,
        db_index=True,
    )
    # The application's free text about its targets (建设目标说明), as approved.
    targets_text = models.TextField(_("建设目标说明"), blank=True)
    # The approval that opened the programme.
    opened_by_event = models.OneToOneField(
        ApplicationEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("纳入建设名单的决定"),
    )
    opened_at = models.DateTimeField(_("建设开始记录时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["park__province__code", "park__name"]
        verbose_name = _("建设方案")
        verbose_name_plural = _("建设方案")

    def __str__(self) -> str:
        return f"{self.park} · {self.period_start}—{self.period_end}"

    @property
    def years(self) -> list[int]:
        return list(range(self.period_start, self.period_end + 1))


class ProgrammeTarget(models.Model):
    """One indicator's target in one year. Intensity in tCO2/tce; shares as fractions (0.9 for
    90%), as the accounting engine computes them. A guiding indicator the application declared
    not applicable has `not_applicable` and the reason instead of a value."""

    programme = models.ForeignKey(
        ConstructionProgramme, on_delete=models.CASCADE, related_name="targets"
    )
    indicator = models.CharField(_("指标"), max_length=32, choices=Indicator.choices)
    year = models.PositiveSmallIntegerField(_("年份"))
    value = models.DecimalField(_("目标值"), max_digits=16, decimal_places=6, null=True, blank=True)
    not_applicable = models.BooleanField(_("不适用"), default=False)
    reason = models.TextField(_("不适用原因"), blank=True)
    # Where the value comes from: the application's target table, or Att.3's requirement where
    # the application gave none for that year.
    source = models.CharField(
        _("来源"), max_length=16, choices=TargetSource.choices, default=TargetSource.APPLICATION
    )

    class Meta:
        ordering = ["year", "indicator"]
        verbose_name = _("建设目标")
        verbose_name_plural = _("建设目标")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "indicator", "year"], name="programme_target_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} {self.year}"


class KeyProject(models.Model):
    """A key project of the application's project table (重点项目表)."""

    programme = models.ForeignKey(
        ConstructionProgramme, on_delete=models.CASCADE, related_name="projects"
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("项目名称"), max_length=200)
    owner = models.CharField(_("建设主体"), max_length=200, blank=True)
    content = models.TextField(_("建设内容"), blank=True)
    investment = models.DecimalField(
        _("计划投资（万元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    period = models.CharField(_("建设周期"), max_length=100, blank=True)
    plan = models.TextField(_("实施计划"), blank=True)
    significance = models.TextField(_("对零碳园区建设的意义"), blank=True)

    class Meta:
        ordering = ["programme", "position"]
        verbose_name = _("重点项目")
        verbose_name_plural = _("重点项目")
        constraints = [
            models.UniqueConstraint(fields=["programme", "position"], name="key_project_once"),
        ]

    def __str__(self) -> str:
        return self.name


class RoadmapPhase(models.Model):
    """A phase of the application's roadmap (路线图)."""

    programme = models.ForeignKey(
        ConstructionProgramme, on_delete=models.CASCADE, related_name="phases"
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("阶段"), max_length=100)
    years = models.CharField(_("时间"), max_length=50, blank=True)
    focus = models.TextField(_("建设重点"), blank=True)

    class Meta:
        ordering = ["programme", "position"]
        verbose_name = _("路线图阶段")
        verbose_name_plural = _("路线图阶段")
        constraints = [
            models.UniqueConstraint(fields=["programme", "position"], name="roadmap_phase_once"),
        ]

    def __str__(self) -> str:
        return self.name
