"""Recalculation off the request: every data change asks for one (debounced, after commit), the
Celery task runs ``services.recalculate``, and the periodic sweep re-queues what was lost.

The removal of import previews left unconfirmed runs here too.

Public doors: ``request_recalculation(park_year)`` (every data change calls it),
``request_recalculation_for_factor_set(version)`` (a newly published set), ``sweep()``.
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


def request_recalculation_for_factor_set(version: FactorSetVersion) -> None:
    """A newly published version: recalculate the park-years of its year and those naming it."""
    ids = ParkYear.objects.filter(Q(year=version.year) | Q(factor_set_code=version.code))
    for park_year_id in ids.values_list("pk", flat=True):
        request_recalculation(park_year_id)


def _send(park_year_id: int, countdown: int | None = None) -> bool:
    if countdown is None:
        countdown = getattr(settings, "ZCP_RECALC_COUNTDOWN_SECONDS", RECALC_COUNTDOWN_SECONDS)
    try:
        recalculate_park_year.apply_async((park_year_id,), countdown=countdown)
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
