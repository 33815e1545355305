"""/health/ against a Redis the test starts and a real Celery worker: healthy while both run,
503 naming celery when the worker stops, naming redis (and celery) when Redis stops."""

from __future__ import annotations

import json

import pytest

from tests.services.conftest import celery_worker, redis_server  # noqa: F401

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_broker_url(redis_server):  # noqa: F811
    return redis_server.url


def health(client) -> tuple[int, dict]:
    response = client.get("/health/")
    return response.status_code, json.loads(response.content)


def test_health_follows_the_worker_and_redis(client, settings, redis_server, celery_worker):  # noqa: F811
    settings.ZCP_HEALTH_TIMEOUT_SECONDS = 2
    status, answer = health(client)
    assert status == 200, answer
    assert answer["checks"]["celery"]["status"] == "ok"
    assert answer["checks"]["celery"]["workers"] == 1
    assert answer["checks"]["redis"]["status"] == "ok"

    celery_worker.stop()
    status, answer = health(client)
    assert status == 503
    assert answer["failing"] == ["celery"]
    assert answer["checks"]["celery"]["workers"] == 0

    redis_server.stop()
    status, answer = health(client)
    assert status == 503
    assert answer["failing"] == ["redis", "celery"]
    assert answer["checks"]["redis"]["server"] == "broker"
