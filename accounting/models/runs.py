"""Calculation runs: every calculation of a park-year is kept, with what it used and gave."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounting.trace_store import TRACE_COLUMNS, TraceLines

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
    # The method's rules (accounting/method/rules.py) the run applied; null for runs made before
    # the method carried a version, so "unknown" stays apart from any real version.
    method_version = models.CharField(_("方法版本"), max_length=64, null=True, blank=True)
    input_digest = models.CharField(_("输入摘要 (SHA-256)"), max_length=64, blank=True)
    # The park-year's inputs_changed_at that this run calculated from.
    inputs_as_of = models.DateTimeField(null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=RunStatus.choices)
    # Decimals are stored as exact strings (engine.dumps spelling), never as floats.
    result = models.JSONField(_("结果"), null=True, blank=True)
    # The trace: its factors here, its lines in TraceChunk rows (accounting/trace_store.py).
    trace_factors = models.JSONField(_("计算过程所用因子"), null=True, blank=True)
    trace_lines = models.PositiveIntegerField(_("计算过程行数"), default=0)
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

    def trace_view(self) -> TraceLines:
        """The trace lines as a lazy sequence: a page loads only its chunk."""
        return TraceLines(self)

    @cached_property
    def trace(self) -> dict[str, Any] | None:
        """The whole trace, {"columns": [...], "rows": [[...], ...]}, or None for a run
        without one (a failed run). Loads every chunk: pages use ``trace_view``."""
        if self.trace_factors is None:
            return None
        return {"columns": list(TRACE_COLUMNS), "rows": self.trace_view().all()}


class TraceChunk(models.Model):
    """Up to CHUNK_LINES lines of a run's trace, as compact JSON text (trace_store.pack)."""

    run = models.ForeignKey(CalculationRun, on_delete=models.CASCADE, related_name="trace_chunks")
    number = models.PositiveIntegerField()
    lines = models.TextField()

    class Meta:
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="trace_chunk_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.run_id} #{self.number}"
