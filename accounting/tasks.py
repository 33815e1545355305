"""Celery tasks of the accounting app: the debounced recalculation and its periodic sweep."""
from __future__ import annotations

from celery import shared_task

from accounting.casefile import CaseError


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

    run = services.recalculate(park_year_id)
    return run.pk if run else None


@shared_task(name="accounting.sweep_recalculations")
def sweep_recalculations() -> list[int]:
    from accounting import services

    return services.sweep()
