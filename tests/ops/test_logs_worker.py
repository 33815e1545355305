"""A real Celery worker writes JSON lines whose task_id is the task's and whose request_id is the
id of the request that queued it: a decision's failing mail is found by the request's id."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.applications.builders import complete_application, open_batch
from tests.services.conftest import celery_broker_url, celery_worker, free_port, wait_for  # noqa: F401

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def json_lines(log: str) -> list[dict]:
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]


def test_a_tasks_lines_carry_its_id_and_the_id_of_the_request_that_queued_it(
    client,
    cast,
    celery_worker,  # noqa: F811
):
    # JSON lines, and a mail server that refuses, so that the mail task logs its failure.
    celery_worker.stop()
    celery_worker.env.update(
        ZCP_LOG_JSON="1",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(free_port()),
        EMAIL_TIMEOUT="2",
    )
    celery_worker.start()
    application = complete_application(cast.park_a, cast.applicant_a, open_batch())
    client.force_login(cast.applicant_a)

    response = client.post(
        reverse("application_transition", args=[application.pk, "submit"]),
        {"confirmed_act": "1", "declaration": "1"},
        HTTP_X_REQUEST_ID="submit-request-0001",
    )
    assert response.status_code == 302

    def failure_line():
        return next(
            (
                line
                for line in json_lines(celery_worker.log())
                if line["logger"] == "applications.tasks"
            ),
            None,
        )

    line = wait_for(failure_line, timeout=60)
    assert line["request_id"] == "submit-request-0001", line
    assert line["task_id"] and line["task_id"] != line["request_id"]
    assert line["user_id"] is None  # the worker acts for no one signed in
    assert "failed" in line["message"]
