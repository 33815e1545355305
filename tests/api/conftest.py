"""Fixtures of the API tests: a token of park A, an API client holding it, the trial factor set,
and each request's on-commit callbacks run (so the recalculation happens, eagerly)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from applications.kernel import tokens
from applications.models import ApiToken
from tests.accounting.conftest import on_commit, trial_set  # noqa: F401 - shared fixtures


@dataclass
class IssuedPair:
    token: ApiToken
    plaintext: str


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The rate limit counters live in the cache; each test starts with none used.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _tasks_run_inline():
    """The recalculation runs in the test's process, also when a broker is configured (the
    PostgreSQL + Redis run); tests/services covers the real worker."""
    from zcparks.celery import app

    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def token_a(cast) -> IssuedPair:
    issued = tokens.issue_token(cast.applicant_a, cast.park_a, "平台A")
    return IssuedPair(issued.token, issued.plaintext)


@pytest.fixture
def api(token_a) -> APIClient:
    """A client sending park A's token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_a.plaintext}")
    return client


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The one error shape; returns {field: message} of the named fields."""
    assert response.status_code == status, response.content.decode()[:2000]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["message"]
    if code is not None:
        assert error["code"] == code, error
    return {f["field"]: f["message"] for f in error["fields"]}
