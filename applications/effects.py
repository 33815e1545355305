"""The effects a transition names in its row of `workflow.TRANSITIONS`, and what each does.

Every effect runs inside the transition's transaction. Work that belongs after the commit (a
letter's rendering, e-mail) is not done here but owed: a `PendingEffect` row is written with the
event and handed to the broker after commit (`tasks.dispatch`); the sweep sends it again if the
broker or a worker loses it. So a decision and everything it owes are saved together or not at all.

| effect | inside the transaction | after commit |
|---|---|---|
| copy_indicators | the submission's tier, core pass and intensity onto the application | — |
| issue_letter | the letter row, numbered (`letters.issue_for_event`) | its PDF is rendered |
| issue_certificate | a designated park's certificate (`letters.issue_certificate`) | rendered |
| notify | each person concerned gets an inbox item (`inbox.owe`) | mailed (`notifications`) |
| open_programme | — | the approved application's construction programme is opened (`programme`) |
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import inbox, letters, outbox, reviews, tasks
from .models import ApplicationEvent, EffectKind, EffectStatus, Letter, PendingEffect, User


@dataclass(frozen=True)
class Effect:
    name: str
    label: str
    # Runs inside the transition's transaction; returns the rows it owes after commit.
    apply: Callable[[ApplicationEvent], list[PendingEffect]]


def _copy_indicators(event: ApplicationEvent) -> list[PendingEffect]:
    reviews.record_indicators(event.submission)
    return []


def _renderings(letter: Letter) -> list[PendingEffect]:
    return list(
        PendingEffect.objects.filter(
            letter=letter, kind=EffectKind.RENDER_LETTER, status=EffectStatus.PENDING
        )
    )


def _issue_letter(event: ApplicationEvent) -> list[PendingEffect]:
    return _renderings(letters.issue_for_event(event))


def _issue_certificate(event: ApplicationEvent) -> list[PendingEffect]:
    return _renderings(letters.issue_certificate(event))


def _notify(event: ApplicationEvent) -> list[PendingEffect]:
    return [inbox.owe(EffectKind.NOTIFY, event=event)]


def _open_programme(event: ApplicationEvent) -> list[PendingEffect]:
    return [outbox.record(EffectKind.OPEN_PROGRAMME, event=event)]


EFFECTS: dict[str, Effect] = {
    effect.name: effect
    for effect in (
        Effect("copy_indicators", _("复制核算指标"), _copy_indicators),
        Effect("issue_letter", _("出具正式文书"), _issue_letter),
        Effect("issue_certificate", _("出具国家级零碳园区证书"), _issue_certificate),
        Effect("notify", _("通知相关人员"), _notify),
        Effect("open_programme", _("建立建设方案"), _open_programme),
    )
}


def apply(names: Iterable[str], event: ApplicationEvent) -> None:
    """Run the named effects of a transition; call inside its transaction, after the event."""
    owed: list[PendingEffect] = []
    for name in names:
        owed += EFFECTS[name].apply(event)
    tasks.dispatch_after_commit(owed)


def reissue_letter(user: User, letter: Letter, reason: str) -> Letter:
    """A new version of the letter, rendered after commit (`letters.reissue`)."""
    with transaction.atomic():
        new = letters.reissue(user, letter, reason)
        tasks.dispatch_after_commit(_renderings(new))
    return new


def retry_letter(letter: Letter) -> None:
    """Render a failed letter again after commit (`letters.retry`)."""
    with transaction.atomic():
        letters.retry(letter)
        tasks.dispatch_after_commit(_renderings(letter))


def will_follow(event: ApplicationEvent) -> bool:
    """Whether the event's letter or mail could not be queued yet (the sweep will send them)."""
    return outbox.waiting(event)
