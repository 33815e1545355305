"""Log lines carry the request id, the user's id and the task id, and nothing more about the
person; production writes them as JSON lines. The request id is the proxy's when sane, else ours,
and comes back in the response."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from applications.kernel import tokens
from zcparks import logs
from zcparks.celery import app

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
HEX32 = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_lines():
    """A handler like production's (the context filter and the JSON formatter) on the root
    logger; returns a function giving the lines logged so far, parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_a_sane_request_id_from_the_proxy_is_kept_and_echoed(client):
    response = client.get("/health/", HTTP_X_REQUEST_ID="7f3c2a9e-proxy-0001")
    assert response["X-Request-ID"] == "7f3c2a9e-proxy-0001"


@pytest.mark.parametrize(
    "presented",
    [
        None,
        "",
        "short",
        "a b c d e f g h",
        "x" * 129,
        "abc123456\nInjected: yes",
        "<script>alert(1)</script>",
    ],
)
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(client, presented):
    headers = {} if presented is None else {"HTTP_X_REQUEST_ID": presented}
    response = client.get("/health/", **headers)
    assert HEX32.fullmatch(response["X-Request-ID"])


def test_each_request_gets_its_own_id(client):
    first, second = client.get("/health/"), client.get("/health/")
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_log_line_of_a_request_carries_its_id_and_the_users_id_and_nothing_personal(
    client, cast, json_lines
):
    client.force_login(cast.applicant_a)
    # Another park's page: 404, which Django logs as a warning.
    response = client.get(f"/parks/{cast.park_c.pk}/", HTTP_X_REQUEST_ID="req-0123456789")

    assert response.status_code == 404
    [line] = [entry for entry in json_lines() if entry["logger"] == "django.request"]
    assert line["request_id"] == "req-0123456789"
    assert line["user_id"] == cast.applicant_a.pk
    assert line["task_id"] is None
    assert line["level"] == "WARNING" and line["message"].startswith("Not Found")
    assert set(line) == {
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "user_id",
        "task_id",
        "process",
    }
    text = json.dumps(line, ensure_ascii=False)
    assert cast.applicant_a.username not in text and cast.park_c.name not in text


def test_an_anonymous_request_logs_no_user(client, json_lines):
    client.get("/no-such-page/")
    [line] = [entry for entry in json_lines() if entry["logger"] == "django.request"]
    assert line["user_id"] is None and HEX32.fullmatch(line["request_id"])


def test_an_api_token_request_logs_the_tokens_user(client, cast, json_lines):
    issued = tokens.issue_token(cast.applicant_a, cast.park_a, "平台")
    # Another park's years: 404, logged by Django.
    client.get(
        f"/api/v1/parks/{cast.park_c.pk}/years/", HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}"
    )
    lines = [entry for entry in json_lines() if entry["logger"] == "django.request"]
    assert lines and lines[-1]["user_id"] == cast.applicant_a.pk


def test_after_a_request_the_ids_are_empty_again(client, cast, json_lines):
    client.force_login(cast.applicant_a)
    assert client.get("/").status_code == 200
    logging.getLogger("zcparks.test").warning("no request here")
    [line] = json_lines()
    assert (line["request_id"], line["user_id"], line["task_id"]) == (None, None, None)


def test_an_exception_is_one_json_line_with_its_traceback(json_lines):
    try:
        raise ValueError("broken")
    except ValueError:
        logging.getLogger("zcparks.test").exception("it failed")
    [line] = json_lines()
    assert "ValueError: broken" in line["exception"] and line["message"] == "it failed"


@app.task(name="tests.ops.log_something")
def log_something() -> None:
    logging.getLogger("zcparks.test.task").warning("inside the task")


def test_a_tasks_log_lines_carry_its_id_and_it_is_cleared_after(json_lines):
    result = log_something.apply(task_id="task-0001")
    logging.getLogger("zcparks.test").warning("after the task")

    assert result.successful()
    inside, after = [e for e in json_lines() if e["logger"].startswith("zcparks.test")]
    assert inside["task_id"] == "task-0001" and inside["message"] == "inside the task"
    assert after["task_id"] is None


def run_configured(env_overrides: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k not in {"ZCP_LOG_JSON", "ZCP_PRODUCTION"}
    }
    env.update(DJANGO_SETTINGS_MODULE="zcparks.settings", **env_overrides)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


DJANGO_LOGS = (
    "import django, logging; django.setup(); "
    "logging.getLogger('zcparks.check').warning('控制台 line')"
)
PRODUCTION = {
    "ZCP_PRODUCTION": "1",
    "DJANGO_SECRET_KEY": "k" * 60,
    "DJANGO_ALLOWED_HOSTS": "zcparks.example.cn",
    "ZCP_PUBLIC_BASE_URL": "https://zcparks.example.cn",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def test_production_logs_json_lines_by_default():
    result = run_configured(PRODUCTION, DJANGO_LOGS)
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "控制台 line" and line["logger"] == "zcparks.check"


def test_json_lines_can_be_turned_off_in_production_and_on_in_development():
    plain = run_configured({**PRODUCTION, "ZCP_LOG_JSON": "0"}, DJANGO_LOGS)
    assert plain.stderr.strip().splitlines()[-1] == "控制台 line"
    development = run_configured({"ZCP_LOG_JSON": "1"}, DJANGO_LOGS)
    assert json.loads(development.stderr.strip().splitlines()[-1])["message"] == "控制台 line"


def test_the_celery_workers_own_log_handlers_write_json_lines_too():
    code = (
        "import django, logging; django.setup(); from zcparks.celery import app; "
        "app.log.setup(loglevel='WARNING'); "
        "logging.getLogger('zcparks.check').warning('worker line')"
    )
    result = run_configured(PRODUCTION, code)
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "worker line" and "task_id" in line
