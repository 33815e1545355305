"""Log lines that can be followed across a request and a task: each record carries the request
id, the signed-in user's id and the Celery task id; in production (ZCP_LOG_JSON) one JSON object
per line for the log collector.

Nothing personal beyond the user's numeric id: no name, e-mail, address or session. The request
id comes from the proxy's X-Request-ID when it is sane (so nginx's and ours match), otherwise it
is made here, and it is echoed in the response's X-Request-ID for the person reporting a fault.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and - _ . : up to 128 characters: a UUID, nginx's $request_id, a trace id.
# Anything else (spaces, quotes, line breaks, overlong values) is replaced, never logged.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")

request_id_var: ContextVar[str | None] = ContextVar("zcp_request_id", default=None)
user_id_var: ContextVar[int | None] = ContextVar("zcp_user_id", default=None)
task_id_var: ContextVar[str | None] = ContextVar("zcp_task_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(value: str | None) -> str:
    return value if value and SANE_REQUEST_ID.fullmatch(value) else new_request_id()


def note_user(user: Any) -> None:
    """The acting user's id for the rest of this request (also called by API authentication,
    which DRF runs inside the view)."""
    if user is not None and getattr(user, "is_authenticated", False):
        user_id_var.set(user.pk)


class RequestIdMiddleware:
    """First in MIDDLEWARE, so that every log line of the request, redirects included, has it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = rid  # type: ignore[attr-defined]
        # Kept until the response is finished (clear_request below), not reset on the way out:
        # Django logs a 4xx/5xx answer ("Not Found: …") after the middleware has returned.
        request_id_var.set(rid)
        user_id_var.set(None)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = rid
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        # Authentication has run by now (it comes later in MIDDLEWARE than this).
        note_user(getattr(request, "user", None))


def clear_request(**_kwargs: Any) -> None:
    """Connected to request_finished: what follows in this thread belongs to no request."""
    request_id_var.set(None)
    user_id_var.set(None)


request_finished.connect(clear_request, dispatch_uid="zcparks.logs.clear_request")


class ContextFilter(logging.Filter):
    """Adds request_id, user_id and task_id to every record (None outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.user_id = user_id_var.get()
        record.task_id = task_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the three ids, and the
    traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "user_id": getattr(record, "user_id", None),
            "task_id": getattr(record, "task_id", None),
            "process": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# --- Celery ------------------------------------------------------------------------------------
# Connected in zcparks/celery.py. A task runs in its worker process or, inline, inside the
# request that queued it: its ids are set for the task's run and the previous values put back.
# A task queued during a request carries that request's id in a message header, so the worker's
# lines about a decision's letter and mail share the id of the request that took the decision.

TASK_REQUEST_ID_HEADER = "zcp_request_id"
_task_tokens: dict[str, list[tuple[ContextVar[Any], Token[Any]]]] = {}


def add_request_id_header(headers: dict[str, Any] | None = None, **_kwargs: Any) -> None:
    """before_task_publish: the current request's id travels with the task."""
    rid = request_id_var.get()
    if rid and headers is not None:
        headers.setdefault(TASK_REQUEST_ID_HEADER, rid)


def task_started(task_id: str | None = None, task: Any = None, **_kwargs: Any) -> None:
    if not task_id:
        return
    tokens = [(task_id_var, task_id_var.set(task_id))]
    rid = getattr(getattr(task, "request", None), TASK_REQUEST_ID_HEADER, None)
    if isinstance(rid, str) and SANE_REQUEST_ID.fullmatch(rid):
        tokens.append((request_id_var, request_id_var.set(rid)))
    _task_tokens[task_id] = tokens


def task_finished(task_id: str | None = None, **_kwargs: Any) -> None:
    for var, token in reversed(_task_tokens.pop(task_id, []) if task_id else []):
        try:
            var.reset(token)
        except ValueError:  # set in another context: clearing is enough
            var.set(None)


def dress_celery_handlers(logger: logging.Logger, json_lines: bool) -> None:
    """Celery's worker installs its own handlers: give them our ids, and JSON when asked."""
    for handler in logger.handlers:
        handler.addFilter(ContextFilter())
        if json_lines:
            handler.setFormatter(JsonFormatter())
