"""Evidence files. Stored outside any public path, served only through an access-checked view."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from zcparks.storage import private_storage

from .applications import Application, ApplicationFrozen, ApplicationPartQuerySet, require_editable


class AttachmentSection(models.TextChoices):
    BUILDER = "builder", _("建设主体与批复文件")
    BOUNDARY = "boundary", _("申报边界")
    DATA_STATISTICS = "data_statistics", _("能碳统计")
    DATA_ACCOUNTING = "data_accounting", _("碳排放核算")
    DATA_METERING = "data_metering", _("能源计量")
    DATA_MONITORING = "data_monitoring", _("能碳监测")
    INCIDENTS = "incidents", _("安全环境记录")
    OTHER = "other", _("其他证明材料")


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never contains the uploader's file name: only ids and the checked type.
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        instance.content_type, "bin"
    )
    return f"applications/{instance.application_id}/{instance.sha256[:16]}.{extension}"


class AttachmentQuerySet(ApplicationPartQuerySet):
    pass


class Attachment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    section = models.CharField(
        _("所属部分"),
        max_length=32,
        choices=AttachmentSection.choices,
        default=AttachmentSection.OTHER,
    )
    title = models.CharField(_("材料名称"), max_length=200)
    file = models.FileField(
        _("文件"), storage=private_storage, upload_to=attachment_path, max_length=300
    )
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=64)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["section", "uploaded_at", "pk"]
        verbose_name = _("证明材料")
        verbose_name_plural = _("证明材料")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        require_editable(self.application_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        require_editable(self.application_id)
        if self.was_submitted():
            # A submitted version points at this file by its hash; it must stay readable.
            raise ApplicationFrozen(str(_("该材料已随申报书提交过，不能删除；可上传新的材料。")))
        self.file.delete(save=False)
        return super().delete(*args, **kwargs)

    def was_submitted(self) -> bool:
        for snapshot in self.application.submissions.values_list("snapshot", flat=True):
            items = snapshot.get("sections", {}).get("attachments", {}).get("items", [])
            if any(item.get("id") == self.pk for item in items):
                return True
        return False
