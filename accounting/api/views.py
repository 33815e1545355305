"""Energy-data endpoints: a park's years, pushing a park-year's data, its result and its runs.

Reading follows ``applications.access`` (a token sees its own park; staff with a session their
scope; anything else is 404). Writing needs ``can_edit_park_data`` (403 otherwise) and goes
through the import's own check and write (``accounting.api.push``), which queues the same
recalculation as the import and the web forms.
"""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounting import services
from accounting.api import push
from accounting.api.schemas import case_schema, rows_schema
from accounting.api.serializers import (
    LatestResultSerializer,
    ParkYearSerializer,
    PushResultSerializer,
    RunDetailSerializer,
    RunSerializer,
)
from accounting.models import CalculationRun, ParkYear
from applications.kernel import scope
from applications.kernel.authentication import request_token
from applications.kernel.idempotency import HEADER, idempotent
from applications.models import Park
from zcparks.api.errors import LIST_ERRORS, WRITE_ERRORS, error_responses
from zcparks.api.parameters import PARK_ID, YEAR, check_id, check_year, id_parameter, json_body
from zcparks.params import flag_param


def park_in_scope(request: Request, park_id: int) -> Park:
    """The park of the path if the caller may see it (a token: its own park only); else 404."""
    return scope.get_park_for_user(request.user, check_id(park_id))


TAG = [_("能源数据与核算")]
INCLUDE_TRACE = OpenApiParameter(
    "include_trace",
    bool,
    OpenApiParameter.QUERY,
    required=False,
    description=_("为 true 时同时给出计算过程（大园区可达上万行）"),
)
IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "幂等键（至多 255 个字符）：相同键与相同请求只写入一次，重复时返回首次的应答；"
        "相同键用于不同请求时返回 422。保留 24 小时。"
    ),
)


def _include_trace(request: Request) -> bool:
    return flag_param(request.query_params, "include_trace")


def _park_year(request: Request, park_id: int, year: int) -> ParkYear:
    park = park_in_scope(request, park_id)
    park_year = ParkYear.objects.filter(park=park, year=check_year(year)).first()
    if park_year is None:
        raise Http404
    return park_year


@extend_schema(
    tags=TAG,
    parameters=[PARK_ID],
    summary=_("园区有数据的年度"),
    responses={200: ParkYearSerializer(many=True), **error_responses(LIST_ERRORS)},
)
class ParkYearList(generics.ListAPIView):
    serializer_class = ParkYearSerializer

    def get_queryset(self) -> QuerySet[ParkYear]:
        park = park_in_scope(self.request, self.kwargs["park_id"])
        latest = (
            CalculationRun.objects.filter(park_year=OuterRef("pk"))
            .order_by("-started_at", "-id")
            .values("pk")[:1]
        )
        return (
            ParkYear.objects.filter(park=park)
            .annotate(latest_run_id=Subquery(latest))
            .order_by("-year")
        )

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        runs = CalculationRun.objects.defer("result", "trace_factors").in_bulk(
            [py.latest_run_id for py in page if py.latest_run_id]
        )
        rows = [
            {
                "year": py.year,
                "factor_set_code": py.factor_set_code,
                "inputs_changed_at": py.inputs_changed_at,
                "latest_run": runs.get(py.latest_run_id),
            }
            for py in page
        ]
        return self.get_paginated_response(ParkYearSerializer(rows, many=True).data)


class _Push(generics.GenericAPIView):
    serializer_class = PushResultSerializer

    def perform(self, user, park, year: int, body: bytes, source: str):
        raise NotImplementedError

    def put(self, request: Request, park_id: int, year: int) -> Response:
        park = park_in_scope(request, park_id)
        check_year(year)
        body = json_body(request)
        token = request_token(request)
        source = f"API {token.display_prefix}" if token else f"API {request.user.username}"

        def write() -> Response:
            batch = self.perform(request.user, park, year, body, source)
            result = {
                "park_id": park.pk,
                "year": year,
                "batch": batch,
                "recalculation": "queued",
                "result_url": reverse("api:park-year-result", args=[park.pk, year]),
            }
            return Response(PushResultSerializer(result).data, status=status.HTTP_201_CREATED)

        return idempotent(request, body, write)


PUSH_RESPONSES = {
    201: OpenApiResponse(
        PushResultSerializer, description=_("已写入（替换了该年度的全部数据），核算已排队")
    ),
    **error_responses(WRITE_ERRORS),
}


@extend_schema(
    tags=TAG,
    parameters=[PARK_ID, YEAR, IDEMPOTENCY_KEY],
    summary=_("推送某年度的能源数据（按表行）"),
    description=_(
        "与导入 Excel 模板相同的各表（enterprises、fuels、electricity、generation、heat、"
        "processes、products）与引导指标（guiding），每行为以列名为键的对象。"
        "校验与导入完全相同；全部通过才替换该年度的全部数据，否则不写入任何内容，"
        "并在 fields 中逐项给出出错的字段（如 fuels[2].quantity）。"
        "同样的数据再次推送返回 409（already_imported）。"
    ),
    request={"application/json": rows_schema()},
    responses=PUSH_RESPONSES,
)
class PushRows(_Push):
    def perform(self, user, park, year, body, source):
        return push.push_rows(user, park, year, body, source=source)


@extend_schema(
    tags=TAG,
    parameters=[PARK_ID, YEAR, IDEMPOTENCY_KEY],
    summary=_("推送某年度的能源数据（整份 zcp-case/1 文档）"),
    description=_(
        "与上传 zcp-case/1 JSON 文件相同：由核算引擎校验，year 须与路径中的年度一致；"
        "全部通过才替换该年度的全部数据。"
    ),
    request={"application/json": case_schema()},
    responses=PUSH_RESPONSES,
)
class PushCase(_Push):
    def perform(self, user, park, year, body, source):
        return push.push_case(user, park, year, body, source=source)


@extend_schema(
    tags=TAG,
    parameters=[PARK_ID, YEAR, INCLUDE_TRACE],
    summary=_("最新核算结果"),
    responses={200: LatestResultSerializer, **error_responses()},
)
class LatestResult(generics.GenericAPIView):
    serializer_class = LatestResultSerializer

    def get(self, request: Request, park_id: int, year: int) -> Response:
        park_year = _park_year(request, park_id, year)
        latest = services.latest_result(park_year.park, park_year.year)
        body = {
            "park_id": park_year.park_id,
            "year": park_year.year,
            "pending": latest.pending,
            "latest_run": latest.run,
            "result": latest.last_success,
        }
        context = {"include_trace": _include_trace(request)}
        return Response(LatestResultSerializer(body, context=context).data)


@extend_schema(
    tags=TAG,
    parameters=[PARK_ID, YEAR],
    summary=_("核算运行记录"),
    responses={200: RunSerializer(many=True), **error_responses(LIST_ERRORS)},
)
class RunList(generics.ListAPIView):
    serializer_class = RunSerializer

    def get_queryset(self) -> QuerySet[CalculationRun]:
        park_year = _park_year(self.request, self.kwargs["park_id"], self.kwargs["year"])
        return (
            CalculationRun.objects.filter(park_year=park_year)
            .defer("result", "trace_factors")
            .order_by("-started_at", "-id")
        )


@extend_schema(
    tags=TAG,
    parameters=[PARK_ID, YEAR, id_parameter("run_id", _("核算运行编号")), INCLUDE_TRACE],
    summary=_("一次核算运行及其结果"),
    responses={200: RunDetailSerializer, **error_responses()},
)
class RunDetail(generics.GenericAPIView):
    serializer_class = RunDetailSerializer

    def get(self, request: Request, park_id: int, year: int, run_id: int) -> Response:
        park_year = _park_year(request, park_id, year)
        run = CalculationRun.objects.filter(park_year=park_year, pk=check_id(run_id)).first()
        if run is None:
            raise Http404
        return Response(
            RunDetailSerializer(run, context={"include_trace": _include_trace(request)}).data
        )
