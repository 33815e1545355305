"""The in-app inbox: every notification the system mails also lands here, one item per person.

Items are written in the same transaction as the act that owes the mail (`applications/inbox.py`),
so an act and its notices are saved together or not at all; the mail itself goes after commit. An
item keeps the text as written then (like the mail), the path of the object it concerns, and when
its reader opened it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class InboxItem(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inbox_items",
        verbose_name=_("收件人"),
    )
    title = models.CharField(_("标题"), max_length=300)
    body = models.TextField(_("内容"), blank=True)
    # A path within the site (the mail carries the full address).
    link = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="inbox_item_newest"),
            # The nav badge counts these on every page.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="inbox_item_unread"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
