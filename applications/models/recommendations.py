"""The province's recommendation (省级推荐): one per province and batch, as the notice has it
(三(二): "各地区发展改革委要会同本地区工业和信息化、能源主管部门等推荐……推荐园区数量不超过2个，
于8月22日前将推荐园区名单及建设方案报送国家发展改革委").

A provincial reviewer assembles it (the parks in order, the provincial opinion, the co-operating
departments, the construction plans) and submits it once through the workflow
(`workflow.submit_recommendation`): it is then frozen, each park is 省级已推荐 with its 推荐函.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from zcparks.storage import private_storage

from .applications import Application
from .batches import Batch
from .events import ApplicationEvent
from .people import Province

DEFAULT_DEPARTMENTS = "省工业和信息化厅、省能源局"


class RecommendationFrozen(PermissionDenied):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or str(_("本省推荐已报送，不能再修改。")))


class RecommendationStatus(models.TextChoices):
    DRAFT = "draft", _("编制中")
    SUBMITTED = "submitted", _("已报送")


class ProvincialRecommendation(models.Model):
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="recommendations", verbose_name=_("批次")
    )
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="recommendations", verbose_name=_("省份")
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=RecommendationStatus.choices,
        default=RecommendationStatus.DRAFT,
    )
    opinion = models.TextField(_("省级推荐意见"), blank=True)
    # 会同: the provincial departments the recommendation was made with, as text.
    departments = models.CharField(
        _("会同部门"), max_length=300, default=DEFAULT_DEPARTMENTS, blank=True
    )
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("报送人"),
    )
    # Made from recommendations recorded one by one before this table existed (migration 0013).
    migrated = models.BooleanField(_("由逐个推荐记录迁移"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["batch", "province__code"]
        verbose_name = _("省级推荐")
        verbose_name_plural = _("省级推荐")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "province"], name="recommendation_one_per_province_batch"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province} · {self.batch}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            stored = (
                ProvincialRecommendation.objects.filter(pk=self.pk)
                .values_list("status", flat=True)
                .first()
            )
            if stored == RecommendationStatus.SUBMITTED:
                raise RecommendationFrozen
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RecommendationFrozen(str(_("省级推荐不能删除。")))

    @property
    def is_submitted(self) -> bool:
        return self.status == RecommendationStatus.SUBMITTED


class RecommendationEntry(models.Model):
    """A park put forward, in the province's order; frozen with its recommendation."""

    recommendation = models.ForeignKey(
        ProvincialRecommendation, on_delete=models.PROTECT, related_name="entries"
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        related_name="recommendation_entries",
        verbose_name=_("申报书"),
    )
    position = models.PositiveSmallIntegerField(_("推荐顺序"))
    # Why the province recommends a park that fails a basic condition or the core indicator.
    override_reason = models.TextField(_("推荐理由（不符合基本条件或核心指标时）"), blank=True)
    # The recommend event the submission made for this park (its 推荐函 hangs off it).
    event = models.OneToOneField(
        ApplicationEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommendation_entry",
    )

    class Meta:
        ordering = ["recommendation", "position"]
        verbose_name = _("推荐园区")
        verbose_name_plural = _("推荐园区")
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "application"], name="recommendation_entry_once"
            ),
            models.UniqueConstraint(
                fields=["recommendation", "position"], name="recommendation_entry_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation} #{self.position}"


def plan_path(instance: RecommendationPlan, filename: str) -> str:
    # Never the uploader's file name: ids, the content's hash and the checked type only.
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        instance.content_type, "bin"
    )
    return (
        f"recommendations/{instance.recommendation_id}/"
        f"{instance.application_id}-{instance.sha256[:16]}.{extension}"
    )


class RecommendationPlan(models.Model):
    """The construction plan (建设方案) the province sends with its recommendation for one park
    (notice 三(二): "推荐园区名单及建设方案"): uploaded by the provincial reviewer while assembling,
    one per park, checked like evidence (`evidence.check_file`); frozen with the recommendation,
    its SHA-256 digest recorded. Read by the province and NDRC only."""

    recommendation = models.ForeignKey(
        ProvincialRecommendation, on_delete=models.PROTECT, related_name="plans"
    )
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="+", verbose_name=_("申报书")
    )
    file = models.FileField(_("文件"), storage=private_storage, upload_to=plan_path, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=64)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recommendation", "application"]
        verbose_name = _("建设方案")
        verbose_name_plural = _("建设方案")
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "application"], name="recommendation_plan_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation} · {self.original_name}"

    def save(self, *args, **kwargs) -> None:
        self._require_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._require_draft()
        return super().delete(*args, **kwargs)

    def _require_draft(self) -> None:
        status = (
            ProvincialRecommendation.objects.filter(pk=self.recommendation_id)
            .values_list("status", flat=True)
            .first()
        )
        if status == RecommendationStatus.SUBMITTED:
            raise RecommendationFrozen
