"""Two provincial reviewers recommend a third park at the same moment: only one succeeds."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from applications import workflow
from applications.models import Application, ApplicationEvent, Status
from tests.factories import ParkFactory, UserFactory
from zcparks.celery import app as celery_app

from .builders import complete_application, drive_to, open_batch

pytestmark = [
    pytest.mark.postgres,
    # Provinces come back after a flush through tests/conftest.py (_put_back_reference_data);
    # serialized_rollback would collide with other transactional tests' content types.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _notifications_inline():
    # After-commit notifications would otherwise go to a broker with no worker listening.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def test_two_reviewers_recommending_the_last_place_at_once_only_one_succeeds(cast, monkeypatch):
    batch = open_batch()
    second_reviewer = UserFactory(
        username="prov_js_2", role="provincial", province=cast.park_a.province
    )
    parks = [cast.park_a, cast.park_b] + [
        ParkFactory(name=f"江苏园区{n}", province=cast.park_a.province) for n in range(2)
    ]
    applications = []
    for n, park in enumerate(parks):
        applicant = UserFactory(username=f"js_app_{n}", role="applicant", park=park)
        applications.append(
            drive_to(complete_application(park, applicant, batch), "submitted", cast)
        )
    workflow.recommend(cast.provincial_a, applications[0])
    # Two different parks compete for the one place left.
    contenders = [(cast.provincial_a, applications[1]), (second_reviewer, applications[2])]
    barrier = threading.Barrier(2)
    # Hold each transaction open between counting and committing, so that without the quota
    # row lock both reviewers would count one recommendation and both would succeed.
    original_save = Application.save

    def slow_save(self, *args, **kwargs):
        if "status" in (kwargs.get("update_fields") or ()):
            time.sleep(0.5)
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Application, "save", slow_save)
    outcomes: list[str] = []

    def act(user, application):
        try:
            barrier.wait(timeout=10)
            workflow.recommend(user, Application.objects.get(pk=application.pk))
            outcomes.append("recommended")
        except workflow.QuotaExceeded:
            outcomes.append("quota")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=pair) for pair in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["quota", "recommended"]
    recommended = Application.objects.filter(batch=batch, status=Status.RECOMMENDED)
    assert recommended.count() == 2
    assert ApplicationEvent.objects.filter(action="recommend").count() == 2
