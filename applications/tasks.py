"""What runs off the request: the recorded effects (`outbox.py`), handed to Celery by id.

`dispatch(ids)` runs after the commit that recorded them: it queues one `run_effect` per row and
notes the hand-over; when the broker is unreachable it leaves the rows for the sweep and says so.
`sweep_effects` (Celery beat, every minute; also `manage.py sweep_effects`) queues every row
that never reached the broker or whose message or worker was lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from celery import shared_task
from django.db import IntegrityError, transaction

from . import deadlines, letters, notifications, outbox, programme
from .models import EffectKind, PendingEffect

logger = logging.getLogger(__name__)

# A letter is tried once and retried three times (1, 2, 4 s apart), then marked failed; the
# page's retry button records a new rendering.
LETTER_ATTEMPTS = 4
# Mail is retried by the task three times, then by the sweep every ZCP_EFFECT_RETRY_SECONDS,
# until it has been tried this often (about an hour with the default five minutes).
NOTIFY_ATTEMPTS = 12
TASK_RETRIES = 3


def _letter_failed(effect: PendingEffect, error: str, final: bool) -> None:
    letters.mark_attempt_failed(effect.letter_id, error, final)


HANDLERS: dict[str, outbox.Handler] = {
    EffectKind.RENDER_LETTER: outbox.Handler(
        run=lambda effect: letters.generate(effect.letter_id),
        max_attempts=LETTER_ATTEMPTS,
        on_failure=_letter_failed,
    ),
    EffectKind.NOTIFY: outbox.Handler(
        run=lambda effect: notifications.send_for_event(effect.event_id),
        max_attempts=NOTIFY_ATTEMPTS,
    ),
    EffectKind.NOTIFY_ASSIGNED: outbox.Handler(
        run=lambda effect: notifications.send_for_assignment(effect.assignment_id),
        max_attempts=NOTIFY_ATTEMPTS,
    ),
    EffectKind.NOTIFY_CONFLICT: outbox.Handler(
        run=lambda effect: notifications.send_for_conflict(effect.conflict_id),
        max_attempts=NOTIFY_ATTEMPTS,
    ),
    EffectKind.NOTIFY_REPORT: outbox.Handler(
        run=lambda effect: notifications.send_for_report_event(effect.report_event_id),
        max_attempts=NOTIFY_ATTEMPTS,
    ),
    # Idempotent: a programme that exists is left as it is.
    EffectKind.OPEN_PROGRAMME: outbox.Handler(
        run=lambda effect: programme.open_for_event(effect.event_id),
        max_attempts=NOTIFY_ATTEMPTS,
    ),
    EffectKind.ACCEPTANCE_ASSIGNED: outbox.Handler(
        run=lambda effect: notifications.send_for_acceptance_assignment(
            effect.acceptance_assignment_id
        ),
        max_attempts=NOTIFY_ATTEMPTS,
    ),
    EffectKind.ACCEPTANCE_CONFLICT: outbox.Handler(
        run=lambda effect: notifications.send_for_acceptance_conflict(
            effect.acceptance_conflict_id
        ),
        max_attempts=NOTIFY_ATTEMPTS,
    ),
    EffectKind.NOTIFY_WITHDRAWN: outbox.Handler(
        run=lambda effect: notifications.send_for_withdrawal(effect.withdrawal_id),
        max_attempts=NOTIFY_ATTEMPTS,
    ),
    EffectKind.ACCEPTANCE_WITHDRAWN: outbox.Handler(
        run=lambda effect: notifications.send_for_acceptance_withdrawal(
            effect.acceptance_withdrawal_id
        ),
        max_attempts=NOTIFY_ATTEMPTS,
    ),
    EffectKind.GUIDANCE_VISIT: outbox.Handler(
        run=lambda effect: notifications.send_for_guidance_visit(effect.guidance_visit_id),
        max_attempts=NOTIFY_ATTEMPTS,
    ),
    EffectKind.GUIDANCE_SOLVED: outbox.Handler(
        run=lambda effect: notifications.send_for_problem_solved(effect.guidance_problem_id),
        max_attempts=NOTIFY_ATTEMPTS,
    ),
    EffectKind.GUIDANCE_ANSWER: outbox.Handler(
        run=lambda effect: notifications.send_for_problem_answer(effect.problem_response_id),
        max_attempts=NOTIFY_ATTEMPTS,
    ),
    EffectKind.REMIND_DEADLINE: outbox.Handler(
        run=lambda effect: notifications.send_for_reminder(effect.reminder_id),
        max_attempts=NOTIFY_ATTEMPTS,
    ),
}


@shared_task(name="applications.run_effect", bind=True, acks_late=True, max_retries=TASK_RETRIES)
def run_effect(self, effect_id: int) -> str:
    try:
        return outbox.run(effect_id, HANDLERS)
    except outbox.AttemptFailed as failure:
        logger.warning(
            "effect %s (%s) failed, attempt %s: %s",
            effect_id,
            failure.effect.kind,
            failure.effect.attempts,
            failure.effect.error,
        )
        if failure.final or self.request.retries >= TASK_RETRIES:
            # Given up, or left to the sweep, which sends it again later.
            return "failed" if failure.final else "left for the sweep"
        raise self.retry(countdown=2**self.request.retries) from failure


def dispatch(effect_ids: Iterable[int]) -> list[int]:
    """Hand the effects to the broker; returns those it took. When it cannot be reached the
    rest stay recorded, unsent, for the sweep: nothing is lost."""
    sent = []
    for effect_id in effect_ids:
        try:
            run_effect.delay(effect_id)
        except Exception:
            # The rows are committed; the sweep hands them over once the broker is back.
            logger.exception("could not queue effect %s; the sweep will", effect_id)
            break
        outbox.mark_dispatched([effect_id])
        sent.append(effect_id)
    return sent


def dispatch_after_commit(effects: Iterable[PendingEffect]) -> None:
    """Hand these effects to the broker once the current transaction has committed."""
    ids = [effect.pk for effect in effects]
    if ids:
        transaction.on_commit(lambda: dispatch(ids), robust=True)


def record_missing_renderings() -> list[int]:
    try:
        with transaction.atomic():
            return outbox.record_missing_renderings()
    except IntegrityError:
        # Another sweep recorded them at the same moment: theirs will be sent.
        return []


def sweep() -> list[int]:
    """Queue every pending effect that never reached the broker or was lost on the way;
    returns those the broker took."""
    record_missing_renderings()
    return dispatch(outbox.due())


def run_due_here() -> dict[str, int]:
    """Run the due effects in this process, without the broker (an operator's last resort)."""
    record_missing_renderings()
    counts: dict[str, int] = {}
    for effect_id in outbox.due():
        try:
            outcome = outbox.run(effect_id, HANDLERS)
        except outbox.AttemptFailed as failure:
            outcome = "failed" if failure.final else "retry"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@shared_task(name="applications.sweep_effects")
def sweep_effects() -> list[int]:
    return sweep()


def remind_deadlines() -> list[int]:
    """Record the deadline reminders due now (once per date and person) and queue their mail."""
    with transaction.atomic():
        owed = deadlines.remind()
        dispatch_after_commit(owed)
    return [effect.pk for effect in owed]


@shared_task(name="applications.remind_deadlines")
def remind_deadlines_task() -> list[int]:
    return remind_deadlines()
