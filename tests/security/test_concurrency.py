"""Concurrency on PostgreSQL: reviewers acting on the same thing at the same moment.

Each reviewer is a thread with its own database connection; a Barrier releases them together so
that both reach the workflow's row lock at once. Exactly one wins; the other is told why, and
nothing is written twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from applications import workflow
from applications.models import (
    Application,
    ApplicationEvent,
    Batch,
    Role,
    Status,
)
from tests.factories import ParkFactory, UserFactory, province
from zcparks.celery import app as celery_app

pytestmark = [
    pytest.mark.postgres,
    # Provinces come back after a flush through tests/conftest.py (_put_back_reference_data);
    # serialized_rollback would collide with other transactional tests' content types.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _notifications_inline():
    # The after-commit notification would otherwise go to the shared broker with no worker.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def batch() -> Batch:
    now = timezone.now()
    return Batch.objects.create(
        name="并发测试批次",
        year=2025,
        opens_at=now - timedelta(days=1),
        deadline=now + timedelta(days=30),
    )


def _application(park, batch, status: str) -> Application:
    return Application.objects.create(park=park, batch=batch, status=status)


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; each outcome is a result or the exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as exc:  # the outcome under test
            outcomes[index] = exc
        finally:
            connection.close()  # each thread has its own connection; do not leak it

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck on a lock"
    return outcomes


def _split(outcomes: list[Any]) -> tuple[list[ApplicationEvent], list[Exception]]:
    won = [o for o in outcomes if isinstance(o, ApplicationEvent)]
    lost = [o for o in outcomes if isinstance(o, Exception)]
    assert len(won) + len(lost) == len(outcomes)
    return won, lost


def test_two_national_reviewers_deciding_at_once_one_wins_and_the_other_is_told(cast, batch):
    application = _application(cast.park_a, batch, Status.UNDER_NATIONAL_REVIEW)
    second_reviewer = UserFactory(username="national_2", role=Role.NATIONAL)

    won, lost = _split(
        race(
            lambda: workflow.approve(
                cast.national, Application.objects.get(pk=application.pk), "同意纳入"
            ),
            lambda: workflow.reject(
                second_reviewer, Application.objects.get(pk=application.pk), "不同意"
            ),
        )
    )

    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], workflow.WrongState)
    assert "不能执行" in lost[0].message
    application.refresh_from_db()
    assert application.status == won[0].to_status
    assert ApplicationEvent.objects.filter(application=application).count() == 1


def test_the_same_decision_posted_twice_at_once_is_recorded_once(cast, batch):
    application = _application(cast.park_a, batch, Status.UNDER_NATIONAL_REVIEW)

    won, lost = _split(
        race(
            *[
                lambda: workflow.approve(
                    cast.national, Application.objects.get(pk=application.pk), "同意"
                )
            ]
            * 3
        )
    )

    assert len(won) == 1 and len(lost) == 2
    assert all(isinstance(exc, workflow.WrongState) for exc in lost)
    assert list(ApplicationEvent.objects.values_list("action", flat=True)) == ["approve"]


def test_a_recommendation_and_a_return_at_once_leave_one_outcome(cast, batch):
    application = _application(cast.park_a, batch, Status.SUBMITTED)
    colleague = UserFactory(username="prov_js_2", role=Role.PROVINCIAL, province=province("32"))

    won, lost = _split(
        race(
            lambda: workflow.recommend(
                cast.provincial_a, Application.objects.get(pk=application.pk)
            ),
            lambda: workflow.return_for_revision(
                colleague, Application.objects.get(pk=application.pk), "请补充材料"
            ),
        )
    )

    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], workflow.WorkflowError) and lost[0].message
    application.refresh_from_db()
    assert application.status == won[0].to_status
    assert application.events.count() == 1


def test_two_reviewers_cannot_both_take_the_provinces_last_recommendation_place(cast, batch):
    jiangsu = province("32")
    third_park = ParkFactory(name="丁园区", province=jiangsu)
    _application(third_park, batch, Status.RECOMMENDED)  # one of the two places is taken
    first = _application(cast.park_a, batch, Status.SUBMITTED)
    second = _application(cast.park_b, batch, Status.SUBMITTED)
    colleague = UserFactory(username="prov_js_2", role=Role.PROVINCIAL, province=jiangsu)

    won, lost = _split(
        race(
            lambda: workflow.recommend(cast.provincial_a, Application.objects.get(pk=first.pk)),
            lambda: workflow.recommend(colleague, Application.objects.get(pk=second.pk)),
        )
    )

    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], workflow.QuotaExceeded)
    assert "已达上限" in lost[0].message
    recommended = Application.objects.filter(
        batch=batch, park__province=jiangsu, status=Status.RECOMMENDED
    )
    assert recommended.count() == 2
    assert ApplicationEvent.objects.filter(action="recommend").count() == 1
