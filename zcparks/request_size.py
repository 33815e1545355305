"""Refuse a request whose declared body is larger than ZCP_MAX_REQUEST_BYTES before any of it
is read: without this, a 300 MiB upload is streamed to disk and only then refused by the form."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from zcparks.api.errors import error_body


class RequestSizeLimit:
    """Answers 413 with a Chinese message naming the limit when Content-Length exceeds it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or ""
        limit = settings.ZCP_MAX_REQUEST_BYTES
        # A malformed length is left to Django, which reads nothing for it.
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            return too_large(request, limit)
        return self.get_response(request)


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    message = _("请求过大：最多 %(limit)s 字节（约 %(mb)s MB），未读取任何内容。") % {
        "limit": f"{limit:,}",
        "mb": f"{limit / 1024 / 1024:.0f}",
    }
    # The client sent a body we did not read: close the connection rather than reuse it.
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(error_body("too_large", message), status=413)
    else:
        response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
    response["Connection"] = "close"
    return response
