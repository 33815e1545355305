"""The deadlines' record: every change of a date (who, old, new, why) and every reminder sent.

Two dates matter (the notice's 三(二)): NDRC's date for the provinces' recommendations
(`Batch.deadline`) and each province's date for its parks' submissions
(`ProvinceBatchQuota.submission_deadline`). `applications.deadlines` is their one door.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .batches import Batch
from .events import AppendOnlyRecord
from .people import Province


class DeadlineKind(models.TextChoices):
    RECOMMENDATION = "recommendation", _("省级推荐报送截止时间")
    SUBMISSION = "submission", _("本省园区申报截止时间")


class DeadlineChange(AppendOnlyRecord):
    """A date set or moved: append-only, like the applications' events."""

    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="deadline_changes", verbose_name=_("批次")
    )
    # Empty for NDRC's date (it is the batch's, for every province).
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("省份"),
    )
    kind = models.CharField(_("截止时间类型"), max_length=16, choices=DeadlineKind.choices)
    old_value = models.DateTimeField(_("原截止时间"), null=True, blank=True)
    new_value = models.DateTimeField(_("新截止时间"))
    reason = models.TextField(_("理由"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("截止时间变更记录")
        verbose_name_plural = _("截止时间变更记录")

    def __str__(self) -> str:
        return f"{self.batch} · {self.get_kind_display()} → {self.new_value:%Y-%m-%d %H:%M}"


class DeadlineReminder(models.Model):
    """One reminder of one date to one person: the unique row makes the periodic task
    idempotent (a date moved later is a new date and is reminded again)."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="+")
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("截止时间类型"), max_length=16, choices=DeadlineKind.choices)
    deadline = models.DateTimeField(_("截止时间"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("收件人"),
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("截止时间提醒")
        verbose_name_plural = _("截止时间提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "province", "kind", "deadline", "recipient"],
                nulls_distinct=False,
                name="deadline_reminder_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.deadline:%Y-%m-%d} → {self.recipient_id}"
