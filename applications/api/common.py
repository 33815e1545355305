"""Small pieces the endpoints of both apps share: path parameters, scope, the raw JSON body."""
from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

from applications import access
from applications.api.errors import ApiError, PayloadTooLarge
from applications.models import Park
from zcparks.params import BadParameter, int_param

MAX_ID = 2**63 - 1  # beyond a 64-bit primary key; larger numbers would crash the query
YEARS = (2000, 2100)  # the years the web pages accept


def id_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                            OpenApiParameter.PATH, description=description)


PARK_ID = id_parameter("park_id", _("园区编号"))
YEAR = OpenApiParameter("year", {"type": "integer", "minimum": YEARS[0], "maximum": YEARS[1]},
                        OpenApiParameter.PATH, description=_("核算年度"))


def check_id(value: int) -> int:
    if not 1 <= value <= MAX_ID:
        raise Http404
    return value


def check_year(year: int) -> int:
    if not YEARS[0] <= year <= YEARS[1]:
        raise Http404
    return year


def park_in_scope(request: Request, park_id: int) -> Park:
    """The park if the caller may see it (a token: its own park only); otherwise 404."""
    return access.get_park_for_user(request.user, check_id(park_id))


def json_body(request: Request) -> bytes:
    """The request body as sent: hashed for idempotency and parsed with exact decimals (DRF's
    parser would read numbers as floats). Up to ZCP_MAX_IMPORT_BYTES, like an uploaded file
    (Django's own 10 MB body limit would answer a large park's data with an HTML error)."""
    media = (request.content_type or "").split(";")[0].strip().lower()
    if media != "application/json":
        raise exceptions.UnsupportedMediaType(media or "-")
    limit = settings.ZCP_MAX_IMPORT_BYTES
    too_large = PayloadTooLarge(_("请求体超过 %(limit)s 字节。") % {"limit": limit},
                                fields=[("body", _("过大"))])
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise too_large
    body = request._request.read(limit + 1)
    if len(body) > limit:
        raise too_large
    return body


class StrictLimitOffsetPagination(LimitOffsetPagination):
    """``limit`` (1–200, default 50) and ``offset`` (≥ 0); anything else is a 400 naming the
    parameter rather than silently ignored."""

    default_limit = 50
    max_limit = 200

    def _number(self, request: Request, name: str, low: int, high: int) -> int | None:
        try:
            return int_param(request.query_params, name, low=low, high=high)
        except BadParameter as error:
            raise ApiError(_("分页参数有误。"), fields=[(name, error.message)]) from None

    def get_limit(self, request: Request) -> int:
        limit = self._number(request, self.limit_query_param, 1, self.max_limit)
        return self.default_limit if limit is None else limit

    def get_offset(self, request: Request) -> int:
        return self._number(request, self.offset_query_param, 0, MAX_ID) or 0

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_limit)
            else:
                parameter["schema"].update(minimum=0, maximum=MAX_ID)
        return parameters
