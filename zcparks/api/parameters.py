"""Path parameters (ids, years) and the raw JSON body, as every endpoint reads them."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.request import Request

from zcparks.api.errors import PayloadTooLarge

MAX_ID = 2**63 - 1  # beyond a 64-bit primary key; larger numbers would crash the query
YEARS = (2000, 2100)  # the years the web pages accept


def id_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        OpenApiParameter.PATH,
        description=description,
    )


PARK_ID = id_parameter("park_id", _("园区编号"))
YEAR = OpenApiParameter(
    "year",
    {"type": "integer", "minimum": YEARS[0], "maximum": YEARS[1]},
    OpenApiParameter.PATH,
    description=_("核算年度"),
)


def check_id(value: int) -> int:
    if not 1 <= value <= MAX_ID:
        raise Http404
    return value


def check_year(year: int) -> int:
    if not YEARS[0] <= year <= YEARS[1]:
        raise Http404
    return year


def json_body(request: Request) -> bytes:
    """The request body as sent: hashed for idempotency and parsed with exact decimals (DRF's
    parser would read numbers as floats). Up to ZCP_MAX_IMPORT_BYTES, like an uploaded file
    (Django's own 10 MB body limit would answer a large park's data with an HTML error)."""
    media = (request.content_type or "").split(";")[0].strip().lower()
    if media != "application/json":
        raise exceptions.UnsupportedMediaType(media or "-")
    limit = settings.ZCP_MAX_IMPORT_BYTES
    too_large = PayloadTooLarge(
        _("请求体超过 %(limit)s 字节。") % {"limit": limit}, fields=[("body", _("过大"))]
    )
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
