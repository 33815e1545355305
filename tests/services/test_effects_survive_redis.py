"""Decisions against a Redis the test starts, kills and restarts empty, and a real Celery worker:
losing the broker delays a decision's letter and mail, never loses or doubles them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from applications import notifications, tasks
from applications.models import (
    APPLICANT_LABELS,
    EffectStatus,
    Letter,
    LetterStatus,
    PendingEffect,
    Status,
)
from tests.applications.builders import complete_application, drive_to

from .conftest import wait_for

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

APPROVED_MAIL = "状态已更新为：" + APPLICANT_LABELS[Status.APPROVED]


@pytest.fixture
def celery_broker_url(redis_server):
    """The worker and this process use the test's own Redis, not the shared one."""
    return redis_server.url


def _all_done() -> bool:
    return not PendingEffect.objects.filter(status=EffectStatus.PENDING).exists()


def _under_review(cast):
    """Park A's application at the national decision, its earlier letters and mail done by the
    worker."""
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a), "under_national_review", cast
    )
    wait_for(_all_done, timeout=90)
    return application


def _approved_letter(application, beat=None, worker=None) -> Letter:
    def ready():
        letter = Letter.objects.filter(application=application, kind="assessment").first()
        assert letter is None or letter.status != LetterStatus.FAILED, letter.error
        return letter if letter and letter.is_ready else None

    def explain() -> str:
        owed = list(PendingEffect.objects.values_list("kind", "status", "dispatched_at"))
        log = worker.log()[-3000:] if worker is not None else ""
        return f"effects: {owed}\nworker log (end):\n{log}"

    return wait_for(ready, timeout=90, beat=beat, explain=explain)


def _assert_issued_once(application, celery_worker) -> None:
    letter = Letter.objects.get(application=application, kind="assessment")
    assert letter.is_ready
    folder = Path(settings.PRIVATE_STORAGE_ROOT) / "letters"
    assert [p.name for p in folder.rglob("assessment-*")] == [Path(letter.file).name]
    event = letter.event
    assert PendingEffect.objects.get(event=event, kind="notify").status == EffectStatus.DONE
    recipients = notifications.recipients_for(event)
    assert recipients
    assert celery_worker.log().count(APPROVED_MAIL) == len(recipients), celery_worker.log()


def test_an_approval_while_redis_is_down_succeeds_and_its_letter_and_mail_follow_once_it_is_back(
    redis_server, celery_worker, client, cast
) -> None:
    application = _under_review(cast)
    celery_worker.stop()
    redis_server.stop()

    client.force_login(cast.national)
    response = client.post(
        reverse("review_decide", args=[application.pk, "approve"]),
        {"comment": "同意纳入建设名单", "confirmed_act": "1"},
        follow=True,
    )

    # The decision stands and the reviewer is told that its letter and mail will follow.
    assert response.status_code == 200
    assert "正式文书和通知邮件暂时无法排队，系统将自动补发" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    letter = Letter.objects.get(application=application, kind="assessment")
    assert letter.status == LetterStatus.PENDING
    owed = PendingEffect.objects.filter(status=EffectStatus.PENDING)
    assert sorted(owed.values_list("kind", flat=True)) == [
        "notify",
        "open_programme",
        "render_letter",
    ]
    assert not owed.filter(dispatched_at__isnull=False).exists()

    # Redis comes back empty; the worker and the periodic sweep (as beat sends it) catch up.
    redis_server.start()
    celery_worker.start()
    tasks.sweep_effects.delay()
    _approved_letter(application)
    wait_for(_all_done, timeout=60)

    # Sweeping again, from beat or by hand, issues and sends nothing twice.
    tasks.sweep_effects.delay()
    call_command("sweep_effects")
    time.sleep(3)
    _assert_issued_once(application, celery_worker)


def test_a_letter_queued_before_redis_restarted_empty_is_rendered_by_the_sweep(
    redis_server, celery_worker, cast, settings
) -> None:
    from applications import workflow

    application = _under_review(cast)
    celery_worker.stop()  # nobody takes the messages before Redis loses them
    workflow.approve(cast.national, application, "同意纳入建设名单")
    letter = Letter.objects.get(application=application, kind="assessment")
    assert PendingEffect.objects.filter(letter=letter, dispatched_at__isnull=False).exists()

    redis_server.stop()
    redis_server.start()  # empty: the queued rendering and mail are gone
    celery_worker.start()
    time.sleep(3)
    letter.refresh_from_db()
    assert letter.get_status_display() == "生成中"  # stuck, as it was before the sweep

    settings.ZCP_EFFECT_RETRY_SECONDS = 0  # instead of waiting five minutes
    assert len(tasks.sweep()) == 3  # the rendering, the mail and the programme's opening
    # From here the sweep runs as beat runs it (every few seconds here, every minute in
    # production), taking a hand-over older than 20 s as lost: what a sweep hands over right
    # after Redis came back is done, or handed over again, never lost.
    settings.ZCP_EFFECT_RETRY_SECONDS = 20
    _approved_letter(application, beat=tasks.sweep, worker=celery_worker)
    wait_for(_all_done, timeout=60)
    _assert_issued_once(application, celery_worker)
