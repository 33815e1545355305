"""Celery tasks of the accounting app: the debounced recalculation and its periodic sweep, and
the removal of import previews left unconfirmed."""
from __future__ import annotations

import time

from celery import shared_task
from django.conf import settings

from accounting.method.case import CaseError


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
    from accounting import services

    run = services.recalculate(park_year_id, before_store=_pause_for_tests)
    return run.pk if run else None


@shared_task(name="accounting.sweep_recalculations")
def sweep_recalculations() -> list[int]:
    from accounting import services

    return services.sweep()


@shared_task(name="accounting.remove_expired_previews")
def remove_expired_previews() -> int:
    from accounting import importers

    return importers.remove_expired_previews()
