"""A change to the draft at the moment it is submitted lands whole before the submission or is
refused after it: never on a submitted application outside its frozen snapshot."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.db import connection

from applications import services, workflow
from applications.models import Application, ApplicationFrozen, Incident, Status, Submission
from zcparks.celery import app as celery_app

from .builders import complete_application, open_batch

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

INCIDENT = {
    "occurred_on": datetime.date(2024, 3, 5),
    "kind": "safety",
    "severity": "general",
    "description": "仓库叉车碰撞，一人轻伤。",
}


@pytest.fixture(autouse=True)
def _notifications_inline():
    # After-commit notifications would otherwise go to a broker with no worker listening.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def test_an_incident_added_during_the_submission_is_refused_not_left_out_of_the_snapshot(
    cast, monkeypatch
):
    draft = complete_application(cast.park_a, cast.applicant_a, open_batch())
    submitting = threading.Event()
    original = services.build_snapshot

    def slow_snapshot(application, at):
        # The submission holds the row lock from here until it commits.
        submitting.set()
        time.sleep(0.8)
        return original(application, at)

    monkeypatch.setattr(services, "build_snapshot", slow_snapshot)
    outcomes: list[str] = []

    def submit():
        try:
            workflow.submit(
                cast.applicant_a,
                Application.objects.get(pk=draft.pk),
                declaration=workflow.DECLARATION,
            )
            outcomes.append("submitted")
        finally:
            connection.close()

    def add_incident():
        try:
            assert submitting.wait(timeout=10)
            services.add_incident(Application.objects.get(pk=draft.pk), INCIDENT)
            outcomes.append("incident added")
        except ApplicationFrozen:
            outcomes.append("incident refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit), threading.Thread(target=add_incident)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["incident refused", "submitted"]
    assert Application.objects.get(pk=draft.pk).status == Status.SUBMITTED
    assert not Incident.objects.filter(application=draft).exists()
    snapshot = Submission.objects.get(application=draft).snapshot
    assert snapshot["sections"]["incidents"]["items"] == []
