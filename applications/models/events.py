"""The append-only history of an application: every transition, who made it, when and why."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .applications import Application, Status


class EventAction(models.TextChoices):
    SUBMIT = "submit", _("提交")
    RETURN_FOR_REVISION = "return_for_revision", pgettext_lazy("workflow action", "退回修改")
    RECOMMEND = "recommend", _("推荐")
    NOT_RECOMMEND = "not_recommend", _("不予推荐")
    START_NATIONAL_REVIEW = "start_national_review", _("开始国家级评审")
    APPROVE = "approve", pgettext_lazy("workflow action", "纳入建设名单")
    REJECT = "reject", _("不纳入建设名单")
    # After approval (notice 三(四)): the programme's stage changes, the status stays approved.
    REQUEST_SELF_ASSESSMENT = "request_self_assessment", _("申请开展自评估")
    OPEN_SELF_ASSESSMENT = "open_self_assessment", _("组织自评估")
    PUT_FORWARD = "put_forward", _("自评估符合要求，报请评估验收")
    SELF_ASSESSMENT_NOT_MET = "self_assessment_not_met", _("自评估不符合要求")
    ACCEPT = "accept", _("评估验收通过")
    ACCEPT_WITH_CONDITIONS = "accept_with_conditions", _("评估验收有条件通过")
    NOT_ACCEPT = "not_accept", _("评估验收未通过")


# The acts after approval: they change the construction programme's stage, not the status.
AFTER_APPROVAL = frozenset(
    {
        EventAction.REQUEST_SELF_ASSESSMENT,
        EventAction.OPEN_SELF_ASSESSMENT,
        EventAction.PUT_FORWARD,
        EventAction.SELF_ASSESSMENT_NOT_MET,
        EventAction.ACCEPT,
        EventAction.ACCEPT_WITH_CONDITIONS,
        EventAction.NOT_ACCEPT,
    }
)


class ImmutableRecord(PermissionDenied):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecord(str(_("历史记录不能修改。")))

    def delete(self):
        raise ImmutableRecord(str(_("历史记录不能删除。")))


class AppendOnlyRecord(models.Model):
    """A row written once: never updated nor deleted, one by one or in bulk (PostgreSQL's
    triggers hold the same for events and submissions, migration 0018)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ImmutableRecord(str(_("历史记录不能修改。")))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord(str(_("历史记录不能删除。")))


class ApplicationEvent(AppendOnlyRecord):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    action = models.CharField(_("操作"), max_length=32, choices=EventAction.choices)
    from_status = models.CharField(_("原状态"), max_length=32, choices=Status.choices)
    to_status = models.CharField(_("新状态"), max_length=32, choices=Status.choices)
    comment = models.TextField(_("意见"), blank=True)
    # {section key: comment} for a return for revision.
    section_comments = models.JSONField(_("分部分意见"), default=dict, blank=True)
    submission = models.ForeignKey(
        "applications.Submission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.from_status} → {self.to_status}"
