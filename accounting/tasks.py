"""Recalculation off the request: every data change asks for one (debounced, after commit), the
Celery task runs ``services.recalculate``, and the periodic sweep re-queues what was lost.

The removal of import previews left unconfirmed runs here too.

Public doors: ``request_recalculation(park_year)`` (every data change calls it),
``request_recalculation_for_factor_set(version)`` (a newly published set: one UPDATE in the
publishing request, the queueing in a task after commit), ``sweep()``.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from accounting import importers, services
from accounting.method.case import CaseError
from accounting.models import CalculationRun, FactorSetVersion, ParkYear

logger = logging.getLogger(__name__)

RECALC_COUNTDOWN_SECONDS = 3
FACTOR_SET_CHUNK = 500  # park-years claimed and queued per transaction after a publication
STALE_QUEUE_SECONDS = 600  # a queued marker older than this is taken as a lost task


def _pause_for_tests() -> None:
    """Test-only: ZCP_TEST_TASK_DELAY_SECONDS (0 = off, always off in production) holds a
    calculated run before it is stored, so that a test can kill the worker in the middle."""
    delay = getattr(settings, "ZCP_TEST_TASK_DELAY_SECONDS", 0)
    if delay:
        time.sleep(delay)


@shared_task(
    name="accounting.recalculate_park_year",
    bind=True,
    acks_late=True,  # a worker killed mid-run leaves the message to be delivered again
    autoretry_for=(Exception,),
    dont_autoretry_for=(CaseError,),  # invalid data is a failed run, recorded, not retried
    retry_backoff=True,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=3,
)
def recalculate_park_year(self, park_year_id: int) -> int | None:
    run = services.recalculate(park_year_id, before_store=_pause_for_tests)
    return run.pk if run else None


@shared_task(name="accounting.sweep_recalculations")
def sweep_recalculations() -> list[int]:
    return sweep()


@shared_task(name="accounting.queue_factor_set_recalculations", acks_late=True)
def queue_factor_set_recalculations(version_id: int) -> int:
    """Queue the recalculation of every park-year a newly published set applies to, in chunks:
    each chunk claims its park-years' queued markers in one transaction, then sends their tasks.
    A crash part-way leaves the rest marked as changed and unclaimed, for the sweep."""
    version = FactorSetVersion.objects.get(pk=version_id)
    ids = list(_applies_to(version).order_by("pk").values_list("pk", flat=True))
    sent = 0
    for start in range(0, len(ids), FACTOR_SET_CHUNK):
        sent += _queue_chunk(ids[start : start + FACTOR_SET_CHUNK])
    return sent


@shared_task(name="accounting.remove_expired_previews")
def remove_expired_previews() -> int:
    return importers.remove_expired_previews()


# --- queueing ----------------------------------------------------------------------------------


def request_recalculation(park_year: ParkYear | int) -> None:
    """Note that the inputs changed and queue ONE recalculation after commit.

    The conditional UPDATE claims the queued marker atomically: of many quick edits only the
    first sends a task (with a short countdown); the task clears the marker when it starts and
    reads the latest data, so later edits are in it or queue the next run.
    """
    park_year_id = park_year if isinstance(park_year, int) else park_year.pk
    now = timezone.now()
    ParkYear.objects.filter(pk=park_year_id).update(inputs_changed_at=now)
    claimed = ParkYear.objects.filter(pk=park_year_id, recalc_queued_at__isnull=True).update(
        recalc_queued_at=now
    )
    if claimed:
        transaction.on_commit(lambda: _send(park_year_id))


def request_recalculation_for_factor_set(version: FactorSetVersion) -> int:
    """A newly published version: recalculate the park-years of its year and those naming it.

    Inside the publishing transaction only one UPDATE marks them all as changed (so the
    publication and the marks commit together); after commit one task claims and queues them in
    chunks (`queue_factor_set_recalculations`). If that task cannot be sent or dies, the marked
    park-years are behind their latest run, which is what the sweep looks for. Returns how many
    park-years were marked."""
    marked = _applies_to(version).update(inputs_changed_at=timezone.now())
    if marked:
        version_id = version.pk
        transaction.on_commit(lambda: _send_factor_set(version_id))
    return marked


def _applies_to(version: FactorSetVersion):
    return ParkYear.objects.filter(Q(year=version.year) | Q(factor_set_code=version.code))


def _send_factor_set(version_id: int) -> None:
    try:
        queue_factor_set_recalculations.apply_async((version_id,))
    except Exception:
        # The publication is committed and its park-years are marked: the sweep queues them.
        logger.exception("could not queue the recalculations of factor set %s", version_id)


def _queue_chunk(ids: list[int]) -> int:
    """Claim the queued markers of these park-years that have none (one running or queued
    already will read the new set) and send their tasks once the claim is committed."""
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            ParkYear.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, recalc_queued_at__isnull=True)
            .values_list("pk", flat=True)
        )
        ParkYear.objects.filter(pk__in=claimed).update(recalc_queued_at=now)
    try:
        # One producer (one broker connection) for the chunk, not one acquired per message.
        with recalculate_park_year.app.producer_or_acquire() as producer:
            return sum(_send(pk, countdown=0, producer=producer) for pk in claimed)
    except Exception:
        # No broker: release this chunk's claims at once so the sweep need not wait them out.
        ParkYear.objects.filter(pk__in=claimed, recalc_queued_at=now).update(recalc_queued_at=None)
        raise


def _send(park_year_id: int, countdown: int | None = None, producer=None) -> bool:
    if countdown is None:
        countdown = getattr(settings, "ZCP_RECALC_COUNTDOWN_SECONDS", RECALC_COUNTDOWN_SECONDS)
    try:
        recalculate_park_year.apply_async((park_year_id,), countdown=countdown, producer=producer)
    except Exception:
        # The data is saved; the broker is not reachable. Release the marker so the next edit
        # or the periodic sweep sends it again.
        logger.exception("could not queue recalculation of park-year %s", park_year_id)
        ParkYear.objects.filter(pk=park_year_id).update(recalc_queued_at=None)
        return False
    return True


def sweep() -> list[int]:
    """Re-queue park-years whose inputs changed after their latest run and that have no live
    task queued. Run every minute by Celery beat (settings.CELERY_BEAT_SCHEDULE)."""
    now = timezone.now()
    stale = now - timedelta(
        seconds=getattr(settings, "ZCP_RECALC_STALE_SECONDS", STALE_QUEUE_SECONDS)
    )
    latest_as_of = (
        CalculationRun.objects.filter(park_year=OuterRef("pk"))
        .order_by("-started_at", "-id")
        .values("inputs_as_of")[:1]
    )
    behind = (
        ParkYear.objects.filter(inputs_changed_at__isnull=False)
        .filter(Q(recalc_queued_at__isnull=True) | Q(recalc_queued_at__lt=stale))
        .annotate(last=Subquery(latest_as_of))
        .filter(Q(last__isnull=True) | Q(inputs_changed_at__gt=F("last")))
    )
    sent = []
    for park_year_id in behind.values_list("pk", flat=True):
        claimed = (
            ParkYear.objects.filter(pk=park_year_id)
            .filter(Q(recalc_queued_at__isnull=True) | Q(recalc_queued_at__lt=stale))
            .update(recalc_queued_at=now)
        )
        if claimed and _send(park_year_id, countdown=0):
            sent.append(park_year_id)
    return sent
