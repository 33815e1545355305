"""/health/: a JSON answer for monitors, 200 when every part answers and 503 naming the part
that does not; public, so it shows statuses and counts and nothing about parks, people or
servers."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from accounting.models import ParkYear
from applications import workflow
from applications.models import EffectStatus, Letter, LetterStatus, PendingEffect
from tests.applications.builders import complete_application, drive_to, open_batch
from tests.services.conftest import celery_broker_url, free_port  # noqa: F401

pytestmark = pytest.mark.django_db

URL = "/health/"
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


def health(client) -> tuple[int, dict]:
    response = client.get(URL)
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def closed_redis_url(db: int = 0, password: str = "") -> str:
    auth = f":{password}@" if password else ""
    return f"redis://{auth}127.0.0.1:{free_port()}/{db}"


def test_the_route_is_health():
    assert reverse("health") == URL


def test_all_parts_answering_is_200_and_says_how_tasks_run(client, cast):
    status, answer = health(client)

    assert status == 200, answer
    assert answer["status"] == "ok" and answer["failing"] == []
    checks = answer["checks"]
    assert set(checks) == {"database", "redis", "celery", "storage", "pending"}
    assert checks["database"]["status"] == "ok"
    assert checks["storage"]["status"] == "ok"
    # The test settings have no broker and a per-process cache: tasks run inline.
    assert checks["celery"]["status"] == "inline"
    assert checks["redis"]["status"] == "skipped"
    assert checks["pending"] == {
        "status": "ok",
        "older_than_minutes": 15,
        "recalculations": 0,
        "effects": 0,
        "letters": 0,
        "ms": checks["pending"]["ms"],
    }


def test_it_needs_no_login_and_shows_no_park(client, cast):
    response = client.get(URL)
    assert response.status_code == 200
    assert cast.park_a.name.encode() not in response.content
    assert b"applicant_a" not in response.content


def test_it_answers_get_only(client):
    assert client.post(URL).status_code == 405


def test_a_cache_redis_that_does_not_answer_is_503_naming_redis(client, settings):
    settings.CACHES = {"default": {"BACKEND": REDIS_CACHE, "LOCATION": closed_redis_url(1)}}
    status, answer = health(client)

    assert status == 503
    assert answer["status"] == "failing" and answer["failing"] == ["redis"]
    assert answer["checks"]["redis"] == {
        "status": "failing",
        "error": "ConnectionError",
        "server": "cache",
        "ms": answer["checks"]["redis"]["ms"],
    }


def test_a_broker_that_does_not_answer_fails_redis_and_celery_without_revealing_it(
    client, settings
):
    url = closed_redis_url(0, password="s3cret-broker-pw")
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get(URL)
    answer = json.loads(response.content)

    assert response.status_code == 503
    assert answer["failing"] == ["redis", "celery"]
    assert answer["checks"]["redis"]["server"] == "broker"
    assert answer["checks"]["celery"]["status"] == "failing"
    body = response.content.decode()
    assert "s3cret-broker-pw" not in body and "127.0.0.1" not in body and "redis://" not in body


@pytest.mark.redis
def test_a_broker_with_no_worker_is_503_naming_celery(
    client,
    settings,
    celery_broker_url,  # noqa: F811
):
    settings.CELERY_BROKER_URL = celery_broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.ZCP_HEALTH_TIMEOUT_SECONDS = 0.5
    status, answer = health(client)

    assert status == 503
    assert answer["failing"] == ["celery"]
    assert answer["checks"]["redis"]["status"] == "ok"
    assert answer["checks"]["celery"]["workers"] == 0


def test_storage_that_cannot_be_written_is_503_naming_storage(client, settings, tmp_path):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("the storage root is a file, so nothing can be saved under it")
    settings.PRIVATE_STORAGE_ROOT = not_a_folder
    status, answer = health(client)

    assert status == 503
    assert answer["failing"] == ["storage"]


def test_the_storage_probe_leaves_no_file_behind(client, settings):
    assert health(client)[0] == 200
    root = settings.PRIVATE_STORAGE_ROOT
    assert not [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_that_does_not_answer_is_503_naming_it(client):
    saved = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port()
    try:
        status, answer = health(client)
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved

    assert status == 503
    assert answer["failing"] == ["database", "pending"]
    assert answer["checks"]["database"]["error"] == "OperationalError"


def test_a_letter_still_rendering_past_the_limit_is_503_naming_pending(client, cast):
    # The approval's letter, mail and programme are recorded; the test's transaction never
    # commits, so nothing hands them over: they stay pending as with a dead worker and sweep.
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()),
        "under_national_review",
        cast,
    )
    PendingEffect.objects.update(status=EffectStatus.DONE)
    workflow.approve(cast.national, application, "同意纳入建设名单")
    letter = Letter.objects.get(application=application, kind="assessment")
    assert letter.status == LetterStatus.PENDING
    owed = PendingEffect.objects.filter(status=EffectStatus.PENDING).count()
    assert owed == 3  # the rendering, the mail and the construction programme it opens
    # With the province's recommendation letter before it, also never rendered.
    rendering = Letter.objects.filter(status=LetterStatus.PENDING).count()
    assert rendering == 2

    assert health(client)[0] == 200  # young: the sweep still has time
    with freeze_time(timezone.now() + datetime.timedelta(minutes=16)):
        status, answer = health(client)

    assert status == 503
    assert answer["failing"] == ["pending"]
    pending = answer["checks"]["pending"]
    counts = (pending["effects"], pending["letters"], pending["recalculations"])
    assert counts == (owed, rendering, 0)


def test_the_pending_limit_comes_from_the_setting(client, cast, settings):
    ParkYear.objects.create(park=cast.park_a, year=2024, inputs_changed_at=timezone.now())
    settings.ZCP_HEALTH_PENDING_MINUTES = 60
    with freeze_time(timezone.now() + datetime.timedelta(minutes=30)):
        assert health(client)[0] == 200
    with freeze_time(timezone.now() + datetime.timedelta(minutes=61)):
        status, answer = health(client)

    assert status == 503
    assert answer["checks"]["pending"]["recalculations"] == 1
    assert answer["checks"]["pending"]["older_than_minutes"] == 60
