"""Every API error in one JSON shape, whatever raised it:

    {"error": {"code": "invalid", "message": "…",
               "fields": [{"field": "electricity[0].mwh", "message": "must not be negative"}]}}

``fields`` is empty when no single field is at fault. ``handle_exception`` is DRF's
EXCEPTION_HANDLER; ``ApiError`` and its subclasses are what the API code raises itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from zcparks.params import BadParameter

FieldError = tuple[str, str]


class ApiError(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"
    default_detail = _("请求有误。")

    def __init__(
        self, message: Any = None, *, code: str | None = None, fields: Iterable[FieldError] = ()
    ) -> None:
        super().__init__(message or self.default_detail, code or self.default_code)
        self.code = code or self.default_code
        self.fields = [(str(name), str(text)) for name, text in fields]


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = _("与已有数据冲突。")


class PayloadTooLarge(ApiError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = _("请求体过大。")


class Unprocessable(ApiError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"
    default_detail = _("请求无法处理。")


CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "throttled",
}


def error_body(code: str, message: str, fields: Iterable[FieldError] = ()) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": str(message),
            "fields": [{"field": f, "message": m} for f, m in fields],
        }
    }


def _flatten(detail: Any, prefix: str = "") -> list[FieldError]:
    """DRF's nested ValidationError detail as (dotted.path[index], message) pairs."""
    if isinstance(detail, dict):
        pairs = []
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            pairs += _flatten(value, f"{prefix}.{name}" if prefix and name else prefix or name)
        return pairs
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [(prefix, str(item)) for item in detail]
        pairs = []
        for index, item in enumerate(detail):
            pairs += _flatten(item, f"{prefix}[{index}]")
        return pairs
    return [(prefix, str(detail))]


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, BadParameter):
        exc = ApiError(fields=[(exc.name, exc.message)])
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: let Django log it and answer 500
    if isinstance(exc, ApiError):
        body = error_body(exc.code, exc.detail, exc.fields)
    elif isinstance(exc, exceptions.ValidationError):
        fields = [(name or "body", text) for name, text in _flatten(exc.detail)]
        body = error_body("invalid", _("请求数据有误，未写入任何内容。"), fields)
    else:
        code = CODES.get(response.status_code, "error")
        if isinstance(exc, exceptions.APIException) and isinstance(exc.get_codes(), str):
            code = exc.get_codes()  # e.g. authentication_failed rather than not_authenticated
        message = exc.detail if isinstance(exc, exceptions.APIException) else exc
        if isinstance(message, dict | list):
            message = "; ".join(text for _f, text in _flatten(message))
        body = error_body(code, str(message))
    response.data = body
    return response


@csrf_exempt  # it changes nothing; a PUT to a wrong address must get this 404, not a CSRF page
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any /api/ address that names no endpoint: the same shape, not an HTML page."""
    return JsonResponse(error_body("not_found", _("没有这个接口地址。")), status=404)


# --- for the schema ------------------------------------------------------------------------------


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(help_text=_("出错的字段，如 electricity[0].mwh"))
    message = serializers.CharField()


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=_(
            "invalid, not_authenticated, authentication_failed, permission_denied, not_found, "
            "conflict, already_imported, idempotency_key_reused, throttled …"
        )
    )
    message = serializers.CharField()
    fields = FieldErrorSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERROR_DESCRIPTIONS = {
    400: _("数据有误：fields 逐项列出出错的字段，未写入任何内容"),
    401: _("缺少令牌、令牌无效或已撤销"),
    403: _("无权执行此操作"),
    404: _("不存在，或不在您的范围内"),
    406: _("无法按 Accept 头要求的格式回答"),
    409: _("与已有数据冲突（如同样的数据已导入过）"),
    413: _("请求体超过导入文件的大小上限"),
    415: _("请求体须为 application/json"),
    422: _("同一 Idempotency-Key 用于了不同的请求"),
    429: _("超过调用频率限制，请按 Retry-After 头等待后重试"),
}
READ_ERRORS = (401, 403, 404, 406, 429)
LIST_ERRORS = (400, *READ_ERRORS)  # 400: a wrong limit/offset (or filter)
WRITE_ERRORS = (400, 401, 403, 404, 406, 409, 413, 415, 422, 429)


def error_responses(codes: Iterable[int] = READ_ERRORS) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in codes
    }
