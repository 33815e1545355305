"""Rendering letters off the request: retried on failure, never leaving a partial file."""
from __future__ import annotations

import logging

from celery import shared_task

from . import letters

logger = logging.getLogger(__name__)
MAX_RETRIES = 3


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def render_letter(self, letter_id: int) -> str:
    try:
        return letters.generate(letter_id).status
    except Exception as exc:  # anything: the row records it, the task retries it
        final = self.request.retries >= MAX_RETRIES
        logger.warning("letter %s rendering failed (attempt %s): %s", letter_id,
                       self.request.retries + 1, exc)
        letters.mark_attempt_failed(letter_id, f"{type(exc).__name__}: {exc}", final)
        if final:
            raise
        raise self.retry(exc=exc, countdown=2 ** self.request.retries) from exc
