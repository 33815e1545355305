"""The e-mails of a transition: who is told, and what (sent by the `notify` effect)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .models import APPLICANT_LABELS, ApplicationEvent, Role, Status, User


def recipients_for(event: ApplicationEvent) -> list[User]:
    """The people concerned: the park's applicants always; the province's reviewers when the
    application arrives at them; national reviewers when it is recommended to them."""
    application = event.application
    people = list(
        User.objects.filter(role=Role.APPLICANT, park_id=application.park_id, is_active=True)
    )
    if event.to_status == Status.SUBMITTED:
        people += User.objects.filter(
            role=Role.PROVINCIAL, province_id=application.park.province_id, is_active=True
        )
    if event.to_status == Status.RECOMMENDED:
        people += User.objects.filter(role=Role.NATIONAL, is_active=True)
    return [p for p in people if p.email and p.pk != event.actor_id]


def send_for_event(event_id: int) -> int:
    """Mail everyone concerned by the event; returns how many messages went out."""
    # Mail goes out in the system's language (Chinese), whatever the actor's interface language.
    with translation.override(settings.LANGUAGE_CODE):
        return _send_for_event(event_id)


def _send_for_event(event_id: int) -> int:
    event = ApplicationEvent.objects.select_related("application__park__province", "actor").get(
        pk=event_id
    )
    application = event.application
    link = settings.ZCP_PUBLIC_BASE_URL.rstrip("/") + reverse(
        "application_detail", args=[application.pk]
    )
    messages = []
    for person in recipients_for(event):
        state = (
            APPLICANT_LABELS[event.to_status]
            if person.role == Role.APPLICANT
            else Status(event.to_status).label
        )
        subject = _("【零碳园区申报】%(park)s：%(state)s") % {
            "park": application.park.name,
            "state": state,
        }
        body = "\n".join(
            filter(
                None,
                [
                    _("%(park)s 的申报书（%(batch)s）状态已更新为：%(state)s。")
                    % {"park": application.park.name, "batch": application.batch, "state": state},
                    _("意见：%(comment)s") % {"comment": event.comment} if event.comment else "",
                    _("查看：%(link)s") % {"link": link},
                ],
            )
        )
        messages.append((str(subject), body, settings.DEFAULT_FROM_EMAIL, [person.email]))
    if messages:
        send_mass_mail(messages, fail_silently=False)
    return len(messages)
