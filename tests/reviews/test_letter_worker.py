"""A real Celery worker (Redis, PostgreSQL) renders the letter of a national decision."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from applications import tasks, workflow  # noqa: F401 - tasks registered before the worker starts
from applications.models import Letter, LetterStatus
from tests.services.conftest import celery_broker_url, celery_worker, wait_for  # noqa: F401


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_the_assessment_letter_after_approval(
    celery_worker,  # noqa: F811 (the fixture)
    cast,
    submitted_with_energy,
):
    application = submitted_with_energy()
    workflow.approve(cast.national, application, "同意纳入建设名单")  # commits: queued for real

    def ready():
        letter = Letter.objects.filter(application=application, kind="assessment").first()
        assert letter is None or letter.status != LetterStatus.FAILED, (
            letter.error,
            celery_worker.log(),
        )
        return letter if letter and letter.is_ready else None

    letter = wait_for(ready, timeout=60)
    path = Path(settings.PRIVATE_STORAGE_ROOT) / letter.file
    text = "".join(page.extract_text() for page in PdfReader(str(path)).pages)
    assert "甲园区" in text and letter.reference in text
    assert not list(path.parent.glob(".tmp-*"))
