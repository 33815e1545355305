"""Idempotent writes: the same ``Idempotency-Key`` with the same request gives the stored answer
again and writes nothing; with a different request it is refused (422).

Only successful answers are stored: a refused request wrote nothing, so sending it again (after
fixing the data, or not) is safe and is simply checked again. Keys are kept for
``ZCP_API_IDEMPOTENCY_HOURS`` (24 by default) and belong to the token (or the person) that sent
them. Two simultaneous requests with one key: the first claims the key (a row under a unique
constraint); the second waits for it to commit, then answers with the stored response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from applications.kernel.authentication import request_token
from applications.models import IdempotentResponse
from zcparks.api.errors import ApiError, Unprocessable

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _principal(request: Request) -> str:
    token = request_token(request)
    return f"token:{token.pk}" if token is not None else f"user:{request.user.pk}"


def _fingerprint(request: Request, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method}\n{request.get_full_path()}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def _replay(record: IdempotentResponse, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise Unprocessable(
            _("这个 Idempotency-Key 已用于另一个请求；新的请求请换一个键。"),
            code="idempotency_key_reused",
            fields=[(HEADER, _("已用于内容不同的请求"))],
        )
    response = Response(record.body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(request: Request, body: bytes, perform: Callable[[], Response]) -> Response:
    """Run ``perform`` (a write) once per key; without the header, just run it."""
    key = request.headers.get(HEADER)
    if key is None:
        return perform()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ApiError(
            _("Idempotency-Key 须为 1 至 255 个可打印 ASCII 字符。"),
            fields=[(HEADER, _("格式不正确"))],
        )
    principal = _principal(request)
    fingerprint = _fingerprint(request, body)
    hours = getattr(settings, "ZCP_API_IDEMPOTENCY_HOURS", 24)
    records = IdempotentResponse.objects.filter(principal=principal, key=key)
    # Expired answers of this sender go on each keyed write, so the table stays bounded.
    IdempotentResponse.objects.filter(
        principal=principal, created_at__lt=timezone.now() - timedelta(hours=hours)
    ).delete()
    record = records.first()
    if record is not None:
        return _replay(record, fingerprint)
    try:
        with transaction.atomic():
            # Claim the key first: a concurrent request with the same key waits on the unique
            # index until this one commits (then replays its answer) or rolls back (then runs).
            record = IdempotentResponse.objects.create(
                principal=principal, key=key, fingerprint=fingerprint, status_code=0, body={}
            )
            response = perform()
            if not 200 <= response.status_code < 300:
                raise _NotStored(response)
            record.status_code = response.status_code
            record.body = json.loads(JSONRenderer().render(response.data))
            record.save(update_fields=["status_code", "body"])
    except _NotStored as refused:
        return refused.response
    except IntegrityError:
        record = records.first()
        if record is None:
            raise
        return _replay(record, fingerprint)
    return response


class _NotStored(Exception):
    """An answer that is not a success: roll the claim of the key back and give it as it is."""

    def __init__(self, response: Response) -> None:
        self.response = response
