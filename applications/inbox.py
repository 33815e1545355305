"""The in-app inbox's one door: notices written with the act, read and marked read by their owner.

`owe(kind, …)` is how an act says that people are to be told: in the act's transaction it records
the mail owed after commit (`outbox.record`) and writes each person's inbox item from the same
composed notices (`notifications`), so the act, its mail and its inbox items are saved together or
not at all. Items reach everyone concerned who is active, with or without an e-mail address.

The nav badge shows a person's unread count on every page, so the count is kept in the cache
(`unread_count`) under the person's inbox generation: every write of their items here (`owe`,
`open_item`, `mark_read`, `mark_all_read`) moves the generation on after commit, so the next
page counts afresh, and an act rolled back moves nothing. A count made from data about to change
is stored under the old generation, which nobody reads again: no stale badge however the reads
and writes interleave.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from zcparks import throttle

from . import notifications, outbox
from .models import (
    AcceptanceAssignment,
    AcceptanceConflict,
    AcceptanceWithdrawal,
    ApplicationEvent,
    ConflictOfInterest,
    DeadlineReminder,
    EffectKind,
    GuidanceProblem,
    GuidanceVisit,
    InboxItem,
    PendingEffect,
    ProblemResponse,
    ReportEvent,
    ReviewAssignment,
    ReviewWithdrawal,
    User,
)

TITLE_MAX = 300
# The mail's subject tag (【零碳园区申报】): in the app's own inbox it says nothing.
SUBJECT_TAG = re.compile(r"^【[^】]*】")
PAGE_SIZE = 20
# How long a count is kept (seconds): also the longest a badge can stay wrong should a
# generation move be lost (the cache unreachable just after a commit).
UNREAD_TIMEOUT = 600


def _notices(
    kind: str,
    *,
    event: ApplicationEvent | None,
    assignment: ReviewAssignment | None,
    conflict: ConflictOfInterest | None,
    report_event: ReportEvent | None,
    reminder: DeadlineReminder | None,
    acceptance_assignment: AcceptanceAssignment | None,
    acceptance_conflict: AcceptanceConflict | None,
    withdrawal: ReviewWithdrawal | None,
    acceptance_withdrawal: AcceptanceWithdrawal | None,
    guidance_visit: GuidanceVisit | None,
    guidance_problem: GuidanceProblem | None,
    problem_response: ProblemResponse | None,
) -> list[notifications.Notice]:
    if kind == EffectKind.NOTIFY:
        return notifications.event_notices(event)
    if kind == EffectKind.NOTIFY_ASSIGNED:
        return notifications.assignment_notices(assignment)
    if kind == EffectKind.NOTIFY_CONFLICT:
        return notifications.conflict_notices(conflict)
    if kind == EffectKind.NOTIFY_REPORT:
        return notifications.report_notices(report_event)
    if kind == EffectKind.REMIND_DEADLINE:
        return notifications.reminder_notices(reminder)
    if kind == EffectKind.ACCEPTANCE_ASSIGNED:
        return notifications.acceptance_assignment_notices(acceptance_assignment)
    if kind == EffectKind.ACCEPTANCE_CONFLICT:
        return notifications.acceptance_conflict_notices(acceptance_conflict)
    if kind == EffectKind.NOTIFY_WITHDRAWN:
        return notifications.withdrawal_notices(withdrawal)
    if kind == EffectKind.ACCEPTANCE_WITHDRAWN:
        return notifications.acceptance_withdrawal_notices(acceptance_withdrawal)
    if kind == EffectKind.GUIDANCE_VISIT:
        return notifications.guidance_visit_notices(guidance_visit)
    if kind == EffectKind.GUIDANCE_SOLVED:
        return notifications.problem_solved_notices(guidance_problem)
    if kind == EffectKind.GUIDANCE_ANSWER:
        return notifications.problem_answer_notices(problem_response)
    raise ValueError(f"{kind} tells nobody")


def owe(
    kind: str,
    *,
    event: ApplicationEvent | None = None,
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
    """Tell the people concerned: their inbox items now, their mail after commit. Call inside
    the act's transaction; the caller hands the returned effect to `tasks.dispatch_after_commit`."""
    subject = {
        "event": event,
        "assignment": assignment,
        "conflict": conflict,
        "report_event": report_event,
        "reminder": reminder,
        "acceptance_assignment": acceptance_assignment,
        "acceptance_conflict": acceptance_conflict,
        "withdrawal": withdrawal,
        "acceptance_withdrawal": acceptance_withdrawal,
        "guidance_visit": guidance_visit,
        "guidance_problem": guidance_problem,
        "problem_response": problem_response,
    }
    with transaction.atomic():
        effect = outbox.record(kind, **subject)
        written = InboxItem.objects.bulk_create(
            InboxItem(
                recipient=notice.person,
                title=SUBJECT_TAG.sub("", notice.subject)[:TITLE_MAX],
                body="\n".join(notice.lines),
                link=notice.path,
            )
            for notice in _notices(kind, **subject)
            if notice.person.is_active
        )
        _changed(item.recipient_id for item in written)
    return effect


# --- The reader's side ---------------------------------------------------------------------------


def items(user: User, *, unread_only: bool = False) -> QuerySet[InboxItem]:
    """The user's own items, newest first."""
    found = InboxItem.objects.filter(recipient=user)
    if unread_only:
        found = found.filter(read_at__isnull=True)
    return found.order_by("-created_at", "-pk")


def _generation_key(user_id: int) -> str:
    return f"inbox:generation:{user_id}"


def _changed(user_ids: Iterable[int]) -> None:
    """After commit, move each person's inbox generation on: their cached count is no longer
    read. A generation the cache lost starts again from the clock, never from a number that
    an old count may still be stored under."""
    keys = {_generation_key(user_id) for user_id in user_ids}

    def move_on() -> None:
        try:
            for key in keys:
                try:
                    cache.incr(key)
                except ValueError:
                    cache.set(key, time.time_ns(), None)
        except throttle.CACHE_ERRORS as error:  # a count kept before expires (UNREAD_TIMEOUT)
            throttle.warn_cache_down("Inbox badge cache", error)

    if keys:
        transaction.on_commit(move_on, robust=True)


def unread_count(user: User) -> int:
    """The nav badge's count, from the cache when nothing of the person's inbox was written
    since it was counted."""
    unread = InboxItem.objects.filter(recipient=user, read_at__isnull=True)
    key = _generation_key(user.pk)
    try:
        generation = cache.get(key)
        if generation is None:
            cache.add(key, time.time_ns(), None)
            generation = cache.get(key)
        counted_key = f"inbox:unread:{user.pk}:{generation}"
        count = cache.get(counted_key)
        if count is None:
            count = unread.count()
            cache.set(counted_key, count, UNREAD_TIMEOUT)
        return count
    except throttle.CACHE_ERRORS as error:  # the cache down: count, and every page still opens
        throttle.warn_cache_down("Inbox badge cache", error)
        return unread.count()


def open_item(user: User, item_id: int) -> InboxItem | None:
    """The user's item, marked read on opening; None when it is not theirs (or not there)."""
    item = InboxItem.objects.filter(recipient=user, pk=item_id).first()
    if item is not None and item.read_at is None:
        item.read_at = timezone.now()
        item.save(update_fields=["read_at"])
        _changed([user.pk])
    return item


def mark_read(user: User, item_id: int) -> bool:
    """Mark one of the user's items read; False when it is not theirs."""
    found = InboxItem.objects.filter(recipient=user, pk=item_id)
    if not found.exists():
        return False
    if found.filter(read_at__isnull=True).update(read_at=timezone.now()):
        _changed([user.pk])
    return True


def mark_all_read(user: User) -> int:
    """Mark every unread item of the user read; returns how many."""
    marked = InboxItem.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if marked:
        _changed([user.pk])
    return marked
