"""The outbox: effects recorded with the change that owes them, run once, swept until done.

- `record(kind, event=…, letter=…)` writes a `PendingEffect` row; call it inside the transaction
  of the change, so that the change and the work it owes commit (or roll back) together.
- `run(effect_id, handlers)` runs one row: under a row lock (`skip_locked`: a second runner of
  the same row does nothing), only while it is pending; success marks it done, a failure counts
  an attempt and, at the handler's limit, gives it up (`failed`).
- `due(now)` lists the rows the sweep must hand to the broker again: never handed over (the
  broker was down at commit), or handed over so long ago that the message or the worker that
  held it is taken as lost (`settings.ZCP_EFFECT_RETRY_SECONDS`).

Who sends rows to the broker and which code runs each kind is `tasks.py`'s business; this module
knows only the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import (
    AcceptanceAssignment,
    AcceptanceConflict,
    AcceptanceWithdrawal,
    ApplicationEvent,
    ConflictOfInterest,
    DeadlineReminder,
    EffectKind,
    EffectStatus,
    GuidanceProblem,
    GuidanceVisit,
    Letter,
    LetterStatus,
    PendingEffect,
    ProblemResponse,
    ReportEvent,
    ReviewAssignment,
    ReviewWithdrawal,
)

RETRY_SECONDS = 300  # default of settings.ZCP_EFFECT_RETRY_SECONDS


@dataclass(frozen=True)
class Handler:
    """What running one kind of effect means."""

    run: Callable[[PendingEffect], object]
    max_attempts: int
    # Told of each failed attempt (error text, whether it was the last): e.g. the letter row
    # records it, so that its page shows the failure.
    on_failure: Callable[[PendingEffect, str, bool], None] | None = None


class AttemptFailed(Exception):
    """An attempt failed and was recorded; `final` when the effect has been given up."""

    def __init__(self, effect: PendingEffect, final: bool) -> None:
        super().__init__(effect.error)
        self.effect = effect
        self.final = final


def record(
    kind: str,
    *,
    event: ApplicationEvent | None = None,
    letter: Letter | None = None,
    assignment: ReviewAssignment | None = None,
    conflict: ConflictOfInterest | None = None,
    report_event: ReportEvent | None = None,
    reminder: DeadlineReminder | None = None,
    acceptance_assignment: AcceptanceAssignment | None = None,
    acceptance_conflict: AcceptanceConflict | None = None,
    withdrawal: ReviewWithdrawal | None = None,
    acceptance_withdrawal: AcceptanceWithdrawal | None = None,
    guidance_visit: GuidanceVisit | None = None,
    guidance_problem: GuidanceProblem | None = None,
    problem_response: ProblemResponse | None = None,
) -> PendingEffect:
    """Owe an effect; the caller's transaction commits it with the change it belongs to."""
    return PendingEffect.objects.create(
        kind=kind,
        event=event,
        letter=letter,
        assignment=assignment,
        conflict=conflict,
        report_event=report_event,
        reminder=reminder,
        acceptance_assignment=acceptance_assignment,
        acceptance_conflict=acceptance_conflict,
        withdrawal=withdrawal,
        acceptance_withdrawal=acceptance_withdrawal,
        guidance_visit=guidance_visit,
        guidance_problem=guidance_problem,
        problem_response=problem_response,
    )


def mark_dispatched(effect_ids: Iterable[int], now: datetime | None = None) -> None:
    PendingEffect.objects.filter(pk__in=list(effect_ids)).update(
        dispatched_at=now or timezone.now()
    )


def run(effect_id: int, handlers: Mapping[str, Handler]) -> str:
    """Run one effect if it is still pending and nobody else is running it.

    Returns "done", or "skipped" (already done or given up, or another runner holds it).
    Raises `AttemptFailed` after recording a failed attempt.
    """
    with transaction.atomic():
        effect = (
            PendingEffect.objects.select_for_update(skip_locked=True)
            .filter(pk=effect_id, status=EffectStatus.PENDING)
            .first()
        )
        if effect is None:
            return "skipped"
        handler = handlers[effect.kind]
        try:
            # A savepoint: a failing handler's writes go, the attempt's record stays.
            with transaction.atomic():
                handler.run(effect)
        except Exception as exc:  # any failure: recorded on the row, retried or given up
            effect.attempts += 1
            effect.error = f"{type(exc).__name__}: {exc}"[:2000]
            final = effect.attempts >= handler.max_attempts
            if final:
                effect.status = EffectStatus.FAILED
            if handler.on_failure is not None:
                handler.on_failure(effect, effect.error, final)
            effect.save(update_fields=["attempts", "error", "status"])
            failure = AttemptFailed(effect, final)
        else:
            effect.status = EffectStatus.DONE
            effect.done_at = timezone.now()
            effect.error = ""
            effect.save(update_fields=["status", "done_at", "error"])
            return "done"
    # Raised outside the transaction, so that the attempt's record is committed.
    raise failure


def retry_after(now: datetime | None = None) -> datetime:
    seconds = getattr(settings, "ZCP_EFFECT_RETRY_SECONDS", RETRY_SECONDS)
    return (now or timezone.now()) - timedelta(seconds=seconds)


def due(now: datetime | None = None) -> list[int]:
    """Pending effects to hand to the broker (again), oldest first."""
    return list(
        PendingEffect.objects.filter(status=EffectStatus.PENDING)
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=retry_after(now)))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )


def record_missing_renderings() -> list[int]:
    """A letter still being generated with no pending rendering owes one (e.g. a letter queued
    before effects were recorded, or an effect row removed by hand): record it."""
    owed = PendingEffect.objects.filter(
        kind=EffectKind.RENDER_LETTER, status=EffectStatus.PENDING
    ).values("letter_id")
    orphans = Letter.objects.filter(status=LetterStatus.PENDING).exclude(pk__in=owed)
    return [record(EffectKind.RENDER_LETTER, letter=letter).pk for letter in orphans]


def waiting(event: ApplicationEvent) -> bool:
    """Whether some effect of this event has not reached the broker yet (it will, by the sweep)."""
    return PendingEffect.objects.filter(
        Q(event=event) | Q(letter__event=event),
        status=EffectStatus.PENDING,
        dispatched_at__isnull=True,
    ).exists()


def report_waiting(event: ReportEvent) -> bool:
    """Whether a progress report act's mail could not be queued yet (the sweep will send it)."""
    return PendingEffect.objects.filter(
        report_event=event, status=EffectStatus.PENDING, dispatched_at__isnull=True
    ).exists()
