"""The API's rate limit counts in Redis; with that Redis gone the API serves without the limit
(documented in the README) instead of answering 500."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.services.conftest import redis_server  # noqa: F401 - the test's own Redis


@pytest.fixture
def redis_cache(redis_server):  # noqa: F811
    """The default cache in the test's own Redis, as production has it; the previous cache is
    back before that Redis goes."""
    cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": redis_server.url,
        "KEY_PREFIX": "zcparks",
    }
    with override_settings(CACHES={"default": cache}):
        yield redis_server


@pytest.mark.redis
def test_with_its_redis_down_the_api_answers_without_the_rate_limit(
    api, redis_cache, settings, caplog
):
    settings.ZCP_API_RATE = "2/min"
    assert [api.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]

    redis_cache.stop()
    answers = [api.get("/api/v1/me/") for _ in range(3)]

    assert [response.status_code for response in answers] == [200, 200, 200]
    assert answers[0].json()["park"]["name"]
    assert "rate limit not applied" in caplog.text

    # Back (empty): the limit counts again.
    redis_cache.start()
    assert [api.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]
