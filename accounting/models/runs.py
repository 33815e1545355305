"""Calculation runs: every calculation of a park-year is kept, with what it used and gave."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .data import ParkYear
from .factors import FactorSetVersion


class RunStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("计算中")
    SUCCEEDED = "succeeded", _("成功")
    FAILED = "failed", _("失败")


class CalculationRun(models.Model):
    """Written once, at the end of a calculation, in one transaction: never half-written."""

    park_year = models.ForeignKey(ParkYear, on_delete=models.CASCADE, related_name="runs")
    factor_set = models.ForeignKey(
        FactorSetVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="runs",
        verbose_name=_("因子集"),
    )
    factor_set_code = models.CharField(_("因子集代码"), max_length=64, blank=True)
    factor_set_version = models.PositiveIntegerField(_("因子集版本"), null=True, blank=True)
    input_digest = models.CharField(_("输入摘要 (SHA-256)"), max_length=64, blank=True)
    # The park-year's inputs_changed_at that this run calculated from.
    inputs_as_of = models.DateTimeField(null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=RunStatus.choices)
    # Decimals are stored as exact strings (engine.dumps spelling), never as floats.
    result = models.JSONField(_("结果"), null=True, blank=True)
    trace = models.JSONField(_("计算过程"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"))
    duration_ms = models.PositiveIntegerField(_("耗时 (毫秒)"))

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("核算运行")
        verbose_name_plural = _("核算运行")
        indexes = [models.Index(fields=["park_year", "-started_at"], name="run_park_year_latest")]

    def __str__(self) -> str:
        return f"{self.park_year} #{self.pk} {self.status}"

    @property
    def succeeded(self) -> bool:
        return self.status == RunStatus.SUCCEEDED
