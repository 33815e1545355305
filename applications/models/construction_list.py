"""The construction list (建设名单): a batch closed by NDRC, its approved parks published."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .batches import Batch
from .events import AppendOnlyRecord


class BatchClosure(AppendOnlyRecord):
    """NDRC closed the batch: its approved parks form the published construction list (建设名单),
    public from this moment (applications/construction_list.py). One per batch, never undone."""

    batch = models.OneToOneField(
        Batch, on_delete=models.PROTECT, related_name="closure", verbose_name=_("批次")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    comment = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("批次关闭和建设名单发布")
        verbose_name_plural = _("批次关闭和建设名单发布")

    def __str__(self) -> str:
        return f"{self.batch} · {self.created_at:%Y-%m-%d}"
