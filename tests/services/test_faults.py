"""Faults, against real PostgreSQL, Redis and a Celery worker: the broker down during a save, a
worker killed in the middle of a recalculation, a letter rendering that fails once."""

from __future__ import annotations

import hashlib
import io
import json
import time
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse
from pypdf import PdfReader

from accounting import publishing, services
from accounting.case_upload import parse_case_file
from accounting.data_entry import replace_data
from accounting.models import CalculationRun, ElectricityRecord, ParkYear, RunStatus
from accounting.tasks import request_recalculation, sweep_recalculations
from applications import letters, tasks, workflow
from applications.models import Letter, LetterStatus
from tests.applications.builders import complete_application
from zcparks.celery import app

from .conftest import wait_for

CASES = Path(__file__).resolve().parent.parent / "accounting" / "acceptance"
CASE = CASES / "cases" / "01-green-medium.json"
EXPECTED = json.loads((CASES / "expected" / CASE.name).read_text(), parse_float=Decimal)
DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


def real_services(test):
    """The recalculation faults need PostgreSQL, Redis and a worker (the letter faults do not)."""
    for mark in (
        pytest.mark.postgres,
        pytest.mark.redis,
        pytest.mark.django_db(transaction=True),
    ):
        test = mark(test)
    return test


def _runs(park_year: ParkYear):
    return CalculationRun.objects.filter(park_year=park_year)


def _assert_complete(run: CalculationRun) -> None:
    """A succeeded run carries the whole result and its trace, and they agree with the engine."""
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.result and run.trace and run.trace["rows"]
    assert abs(Decimal(run.result["intensity"]) - EXPECTED["intensity"]) < Decimal("1e-12")
    assert len(run.input_digest) == 64


def use_broker(url: str, monkeypatch) -> None:
    """Point this process's Celery app at ``url``, dropping every pooled connection."""
    # Celery reads the CELERY_BROKER_URL environment variable before app.conf: set both.
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    app.conf.broker_url = url
    # app.close() alone keeps the producer pool, whose connections go to the old broker.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def park_year(cast, celery_worker) -> ParkYear:
    """The park's 2025 data, saved, and its first recalculation done by the real worker."""
    publishing.load_bundled_factor_sets()
    with transaction.atomic():
        park_year = ParkYear.objects.create(park=cast.park_a, year=2025)
        replace_data(park_year, parse_case_file(CASE.read_bytes(), year=2025))
    _assert_complete(wait_for(lambda: _runs(park_year).first(), timeout=60))
    return ParkYear.objects.get(pk=park_year.pk)


@real_services
def test_a_save_while_the_broker_is_down_succeeds_and_is_recalculated_once_it_is_back(
    park_year, celery_worker, client, cast, settings, monkeypatch
) -> None:
    settings.ZCP_RECALC_COUNTDOWN_SECONDS = 0
    runs_before = _runs(park_year).count()
    rows_before = ElectricityRecord.objects.filter(park_year=park_year).count()
    live_broker = app.conf.broker_url
    client.force_login(cast.applicant_a)

    use_broker(DEAD_BROKER, monkeypatch)
    try:
        response = client.post(
            reverse("accounting:records", args=[cast.park_a.pk, 2025, "electricity"]),
            {
                "electricity-TOTAL_FORMS": "1",
                "electricity-INITIAL_FORMS": "0",
                "electricity-0-direction": "import",
                "electricity-0-kind": "grid",
                "electricity-0-mwh": "100000",
            },
        )
    finally:
        use_broker(live_broker, monkeypatch)

    # The save went through although nothing could be queued ...
    assert response.status_code == 302
    assert ElectricityRecord.objects.filter(park_year=park_year).count() == rows_before + 1
    park_year.refresh_from_db()
    assert park_year.recalc_queued_at is None  # the marker was released for the sweep
    time.sleep(1)
    assert _runs(park_year).count() == runs_before
    assert services.latest_result(cast.park_a, 2025).pending

    # ... and the periodic sweep, run by the real worker, queues the recalculation it missed.
    sweep_recalculations.delay()

    new = wait_for(
        lambda: _runs(park_year).filter(inputs_as_of=park_year.inputs_changed_at).first(),
        timeout=60,
    )
    assert new.status == RunStatus.SUCCEEDED, new.error
    old = _runs(park_year).exclude(pk=new.pk).get()
    assert Decimal(new.result["emissions_t"]["electricity"]) == (
        Decimal(old.result["emissions_t"]["electricity"]) + Decimal("83250")
    )
    assert not services.latest_result(cast.park_a, 2025).pending


@real_services
def test_a_worker_killed_mid_recalculation_leaves_no_run_and_the_run_is_redone(
    park_year, celery_worker, settings
) -> None:
    settings.ZCP_RECALC_COUNTDOWN_SECONDS = 0
    first = _runs(park_year).get()
    # A worker that holds each calculated run 30 s before storing it.
    celery_worker.stop()
    celery_worker.env["ZCP_TEST_TASK_DELAY_SECONDS"] = "30"
    celery_worker.start()
    with transaction.atomic():
        ElectricityRecord.objects.create(
            park_year=park_year, month=1, direction="import", kind="grid", mwh=Decimal("100000")
        )
        request_recalculation(park_year)

    # The task has started (it clears the queued marker first); give it time to calculate.
    wait_for(
        lambda: ParkYear.objects.filter(pk=park_year.pk, recalc_queued_at__isnull=True).exists(),
        timeout=30,
    )
    time.sleep(2)
    celery_worker.kill()

    assert list(_runs(park_year)) == [first]  # nothing half-written, nothing marked succeeded
    assert services.latest_result(park_year.park, 2025).pending

    celery_worker.env["ZCP_TEST_TASK_DELAY_SECONDS"] = "0"
    celery_worker.start()
    sweep_recalculations.delay()

    redone = wait_for(lambda: _runs(park_year).exclude(pk=first.pk).first(), timeout=60)
    assert redone.status == RunStatus.SUCCEEDED, redone.error
    assert redone.result and redone.trace and redone.trace["rows"]
    assert Decimal(redone.result["emissions_t"]["electricity"]) == (
        Decimal(first.result["emissions_t"]["electricity"]) + Decimal("83250")
    )
    # A late redelivery of the killed message may add one more run: complete and equal too.
    for run in _runs(park_year).exclude(pk=first.pk):
        assert run.status == RunStatus.SUCCEEDED and run.input_digest == redone.input_digest
    assert not services.latest_result(park_year.park, 2025).pending


# --- letters -------------------------------------------------------------------------------------


@pytest.fixture
def approval(cast, settings):
    """An application taken to the national decision; rendering runs inline (eager)."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    application = complete_application(cast.park_a, cast.applicant_a)
    workflow.submit(cast.applicant_a, application, declaration=workflow.DECLARATION)
    workflow.recommend(cast.provincial_a, application)
    workflow.start_national_review(cast.national, application)
    yield application
    app.conf.task_always_eager = eager


def _letter_files(settings) -> list[Path]:
    folder = Path(settings.PRIVATE_STORAGE_ROOT) / letters.LETTER_DIR
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _approve(cast, application, django_capture_on_commit_callbacks) -> Letter:
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(cast.national, application, "同意纳入建设名单")
    return Letter.objects.get(application=application, kind="assessment")


@pytest.mark.django_db
@pytest.mark.parametrize("broken", ["raises", "not_a_pdf", "truncated_pdf"])
def test_a_letter_rendering_that_fails_once_is_retried_and_leaves_no_broken_file(
    approval, cast, settings, django_capture_on_commit_callbacks, broken
) -> None:
    real_render = letters.render_pdf
    calls = []

    def flaky(letter):
        calls.append(letter.pk)
        if len(calls) == 1:
            if broken == "raises":
                raise RuntimeError("renderer crashed")
            pdf = real_render(letter)
            return b"<html>oops</html>" if broken == "not_a_pdf" else pdf[: len(pdf) // 3]
        return real_render(letter)

    with mock.patch.object(letters, "render_pdf", flaky):
        letter = _approve(cast, approval, django_capture_on_commit_callbacks)

    letter.refresh_from_db()
    assert len(calls) == 2  # failed once, retried once
    assert letter.status == LetterStatus.READY
    assert letter.attempts == 1 and letter.error == ""
    files = _letter_files(settings)
    assert [p.name for p in files] == [Path(letter.file).name]  # no temporary or broken file
    content = files[0].read_bytes()
    assert content.startswith(b"%PDF-") and len(PdfReader(io.BytesIO(content)).pages) >= 1
    assert hashlib.sha256(content).hexdigest() == letter.sha256


@pytest.mark.django_db
def test_a_letter_that_never_renders_is_marked_failed_with_no_file(
    approval, cast, settings, django_capture_on_commit_callbacks
) -> None:
    def always_broken(letter):
        return b"%PDF-1.4 this is not really a PDF"

    with mock.patch.object(letters, "render_pdf", always_broken):
        letter = _approve(cast, approval, django_capture_on_commit_callbacks)

    letter.refresh_from_db()
    assert letter.status == LetterStatus.FAILED
    assert letter.attempts == tasks.LETTER_ATTEMPTS
    assert letter.error and not letter.file
    assert _letter_files(settings) == []
