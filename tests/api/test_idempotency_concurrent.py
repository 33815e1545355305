"""Two platforms' retries arriving at the same moment with one Idempotency-Key: one write, and
both get the same answer (PostgreSQL, real transactions)."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connections
from rest_framework.test import APIClient

from accounting import publishing
from accounting.models import ImportBatch
from applications.kernel import tokens

from .test_push import GOOD, rows_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_requests_with_one_key_write_once_and_answer_alike(cast):
    publishing.load_bundled_factor_sets()
    plaintext = tokens.issue_token(cast.applicant_a, cast.park_a, "平台").plaintext
    body = json.dumps(GOOD, ensure_ascii=False).encode()
    start = threading.Barrier(4)
    answers: list = []

    def send() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        start.wait()
        try:
            response = client.put(
                rows_url(cast.park_a),
                body,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY="same-moment",
            )
            answers.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [status for status, _body in answers] == [201] * 4, answers
    assert len({json.dumps(body, sort_keys=True) for _status, body in answers}) == 1
    assert ImportBatch.objects.count() == 1
