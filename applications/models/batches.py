"""Application batches (申报批次) and the per-province recommendation quota row."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .people import Province

RECOMMENDATIONS_PER_PROVINCE = 2


class Batch(models.Model):
    """A call for applications, opened by administrators.

    `deadline` is NDRC's date for the provinces' recommendations (the notice's 三(二): "于8月22日前
    将推荐园区名单及建设方案报送国家发展改革委"): after it no province recommends a park for the
    first time, and no park starts an application. The parks' own date is each province's
    (`ProvinceBatchQuota.submission_deadline`). Both are moved only through
    `applications.deadlines`, which records every change (`DeadlineChange`).
    """

    name = models.CharField(_("批次名称"), max_length=100, unique=True)
    year = models.PositiveIntegerField(_("年度"))
    opens_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    deadline = models.DateTimeField(_("省级推荐报送截止时间"))
    is_active = models.BooleanField(_("启用"), default=True)
    # The first of the three years (近三年) whose energy and carbon data the batch's applications
    # cover; empty: the three calendar years before the batch's year (D43).
    history_start = models.PositiveIntegerField(
        _("近三年数据起始年"),
        null=True,
        blank=True,
        help_text=_("申报书须提供的三个年度中的第一年；留空则为批次年度之前的三个日历年。"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-deadline"]
        verbose_name = _("申报批次")
        verbose_name_plural = _("申报批次")

    def __str__(self) -> str:
        return self.name

    @property
    def history_years(self) -> list[int]:
        """The three years (近三年) each application of the batch accounts for (D43)."""
        first = self.history_start or self.year - 3
        return [first, first + 1, first + 2]

    @property
    def recommendation_deadline(self):
        """NDRC's date for the provinces' recommendations (the column keeps its old name)."""
        return self.deadline

    def is_open(self, at=None) -> bool:
        """Whether a park may still start an application (until NDRC's date)."""
        at = at or timezone.now()
        return self.is_active and self.opens_at <= at <= self.deadline


class ProvinceBatchQuota(models.Model):
    """One row per province and batch, locked (select_for_update) while a recommendation is
    counted, so that two reviewers acting at the same moment cannot both take the last place."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="quotas")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="quotas")
    limit = models.PositiveSmallIntegerField(_("推荐名额"), default=RECOMMENDATIONS_PER_PROVINCE)
    # The province's date for its parks' first submissions in this batch; empty: none set, and
    # NDRC's date bounds them (applications/deadlines.py).
    submission_deadline = models.DateTimeField(_("本省园区申报截止时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("省级推荐名额")
        verbose_name_plural = _("省级推荐名额")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "province"], name="quota_one_per_province_batch"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch} · {self.province}"
