"""The register of safety, environmental and social incidents (basic condition 4)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .applications import Application, ApplicationPartQuerySet, require_editable


class IncidentKind(models.TextChoices):
    SAFETY = "safety", _("安全事故")
    ENVIRONMENTAL = "environmental", _("环境事故")
    SOCIAL = "social", _("社会不良影响事件")


class Severity(models.TextChoices):
    # The grading of the State Council's regulations on production-safety accidents (一般、较大、
    # 重大、特别重大); "major" in Att.1 means 重大 or worse.
    GENERAL = "general", _("一般")
    LARGER = "larger", _("较大")
    MAJOR = "major", _("重大")
    EXTRAORDINARY = "extraordinary", _("特别重大")


MAJOR_SEVERITIES = frozenset({Severity.MAJOR, Severity.EXTRAORDINARY})


class IncidentQuerySet(ApplicationPartQuerySet):
    pass


class Incident(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="incidents")
    occurred_on = models.DateField(_("发生日期"))
    kind = models.CharField(_("类型"), max_length=16, choices=IncidentKind.choices)
    severity = models.CharField(_("等级"), max_length=16, choices=Severity.choices)
    description = models.TextField(_("情况说明"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IncidentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_on", "pk"]
        verbose_name = _("事故与事件")
        verbose_name_plural = _("事故与事件")

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_kind_display()} ({self.get_severity_display()})"

    def save(self, *args, **kwargs) -> None:
        require_editable(self.application_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        require_editable(self.application_id)
        return super().delete(*args, **kwargs)
