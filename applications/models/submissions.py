"""Frozen copies of what a park submitted: what reviewers see is exactly this snapshot."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from .applications import Application
from .events import AppendOnlyQuerySet, ImmutableRecord

# The applicant's commitment that the materials are true (承诺书, asked for by the notice's
# 三(二)). It is stored, in these Chinese words, with every submission made after ticking it;
# pages show it in the reader's language with gettext(DECLARATION).
DECLARATION = gettext_noop(
    "本园区郑重承诺：所报申报书及全部附件材料、能源消费和碳排放数据真实、准确、完整，"
    "不存在虚报、瞒报、漏报；如有不实，愿承担相应责任，接受取消申报或建设资格等处理。"
)


class Submission(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="submissions"
    )
    number = models.PositiveIntegerField(_("第几次提交"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    # See applications/README.md, "Snapshot format".
    snapshot = models.JSONField(_("提交内容快照"))
    snapshot_sha256 = models.CharField(_("快照摘要"), max_length=64)
    # The declaration the applicant ticked, word for word; null for the submissions made before
    # the system asked for one.
    declaration = models.TextField(_("承诺书"), null=True, blank=True)
    # The comments of the return this submission answers, each with the park's answer
    # (整改说明): [{"key", "title", "comment", "answer"}] and the return's event id; null for a
    # submission that answers no return (the first one, and those made before answers existed).
    revision_answers = models.JSONField(_("整改说明"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["application", "number"]
        verbose_name = _("提交版本")
        verbose_name_plural = _("提交版本")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="submission_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} #{self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ImmutableRecord(str(_("已提交的版本不能修改。")))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord(str(_("已提交的版本不能删除。")))
