"""Writes with an Idempotency-Key: a repeat is answered from the store and writes nothing; the
same key with another body is refused."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from accounting.models import CalculationRun, ImportBatch
from applications.kernel import tokens
from applications.models import IdempotentResponse

from .conftest import assert_error
from .test_push import GOOD, put, rows_url

pytestmark = pytest.mark.django_db


def test_a_repeated_push_with_the_same_key_writes_once_and_gets_the_same_answer(
    api, cast, trial_set, on_commit
):
    first = put(api, rows_url(cast.park_a), GOOD, HTTP_IDEMPOTENCY_KEY="push-2025-01")
    assert first.status_code == 201
    runs = CalculationRun.objects.count()
    second = put(api, rows_url(cast.park_a), GOOD, HTTP_IDEMPOTENCY_KEY="push-2025-01")
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert ImportBatch.objects.count() == 1
    assert CalculationRun.objects.count() == runs
    assert IdempotentResponse.objects.count() == 1


def test_the_same_key_with_a_different_body_is_refused_and_writes_nothing(
    api, cast, trial_set, on_commit
):
    assert put(api, rows_url(cast.park_a), GOOD, HTTP_IDEMPOTENCY_KEY="k1").status_code == 201
    other = json.loads(json.dumps(GOOD))
    other["fuels"][0]["quantity"] = "7"
    fields = assert_error(
        put(api, rows_url(cast.park_a), other, HTTP_IDEMPOTENCY_KEY="k1"),
        422,
        "idempotency_key_reused",
    )
    assert "Idempotency-Key" in fields
    assert ImportBatch.objects.count() == 1


def test_the_same_key_on_another_path_is_refused(api, cast, trial_set, on_commit):
    assert put(api, rows_url(cast.park_a), GOOD, HTTP_IDEMPOTENCY_KEY="k1").status_code == 201
    assert_error(put(api, rows_url(cast.park_a, 2024), GOOD, HTTP_IDEMPOTENCY_KEY="k1"), 422)
    assert ImportBatch.objects.count() == 1


def test_a_refused_write_is_not_stored_and_may_be_sent_again_fixed(api, cast, trial_set, on_commit):
    bad = json.loads(json.dumps(GOOD))
    bad["fuels"][0]["quantity"] = "-1"
    assert_error(put(api, rows_url(cast.park_a), bad, HTTP_IDEMPOTENCY_KEY="k2"), 400)
    assert not IdempotentResponse.objects.exists()
    assert put(api, rows_url(cast.park_a), GOOD, HTTP_IDEMPOTENCY_KEY="k2").status_code == 201


def test_keys_belong_to_their_token(api, cast, trial_set, on_commit):
    assert put(api, rows_url(cast.park_a), GOOD, HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    other = APIClient()
    other.credentials(
        HTTP_AUTHORIZATION="Bearer "
        + tokens.issue_token(cast.applicant_b, cast.park_b, "乙平台").plaintext
    )
    response = put(other, rows_url(cast.park_b), GOOD, HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert ImportBatch.objects.count() == 2


def test_an_expired_key_may_be_used_again(api, cast, trial_set, on_commit, settings):
    settings.ZCP_API_IDEMPOTENCY_HOURS = 0
    assert put(api, rows_url(cast.park_a), GOOD, HTTP_IDEMPOTENCY_KEY="k3").status_code == 201
    # The stored answer has expired: the same data is now checked again (and is a duplicate).
    assert_error(put(api, rows_url(cast.park_a), GOOD, HTTP_IDEMPOTENCY_KEY="k3"), 409)


def test_an_unusable_key_is_refused_by_name(api, cast, trial_set):
    fields = assert_error(
        put(api, rows_url(cast.park_a), GOOD, HTTP_IDEMPOTENCY_KEY="x" * 256), 400
    )
    assert "Idempotency-Key" in fields
    assert not ImportBatch.objects.exists()
