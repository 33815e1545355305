"""Fixtures of the review tests: applications with real calculation results, taken through the
workflow, and letters rendered by the (eager) task."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accounting import publishing
from accounting import services as accounting
from accounting.case_upload import parse_case_file
from accounting.data_entry import replace_data
from accounting.models import ParkYear
from applications import workflow
from applications.models import Application, Park
from tests.applications.builders import complete_application, drive_to, open_batch

CASES = Path(__file__).resolve().parent.parent / "accounting" / "acceptance" / "cases"


def add_energy_data(park: Park, year: int, case_file: str = "01-green-medium.json") -> None:
    """Enter an acceptance case as the park's data of `year` and calculate it."""
    publishing.load_bundled_factor_sets()
    case = json.loads((CASES / case_file).read_text(encoding="utf-8"))
    case["year"] = year
    data = parse_case_file(json.dumps(case, ensure_ascii=False).encode(), year=year)
    park_year, _created = ParkYear.objects.get_or_create(park=park, year=year)
    replace_data(park_year, data)
    accounting.recalculate(park_year.pk)


@pytest.fixture(autouse=True)
def _tasks_run_inline(request, settings):
    """Letters render inline (eager Celery) even when a broker is configured for the run; the
    test that uses the real `celery_worker` keeps the broker."""
    if "celery_worker" in request.fixturenames:
        yield
        return
    from zcparks.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def submitted_with_energy(cast):
    """Park A's complete application with a calculated last history year."""

    def make(
        park=None, applicant=None, status="under_national_review", case_file="01-green-medium.json"
    ) -> Application:
        park = park or cast.park_a
        applicant = applicant or cast.applicant_a
        batch = open_batch()
        add_energy_data(park, batch.year - 1, case_file)
        application = complete_application(park, applicant, batch)
        return drive_to(application, status, cast)

    return make


@pytest.fixture
def approved_letter(cast, submitted_with_energy, django_capture_on_commit_callbacks):
    """Park A approved nationally; its assessment letter rendered."""
    application = submitted_with_energy()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(cast.national, application, "同意纳入建设名单，示范意义突出。")
    return application.letters.get(kind="assessment")
