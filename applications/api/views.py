"""Endpoints about the caller, the parks in scope and their applications (read-only)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from applications import access, progress
from applications import programme as programmes
from applications.api.serializers import (
    ApplicationDetailSerializer,
    ApplicationSerializer,
    MeSerializer,
    ParkSerializer,
    ProgrammeSerializer,
)
from applications.kernel import scope
from applications.kernel.authentication import request_token
from applications.models import Application, ApplicationEvent, Status, Submission
from zcparks.api.errors import ApiError, error_responses
from zcparks.api.parameters import PARK_ID, check_id, id_parameter

STATUS = OpenApiParameter(
    "status",
    str,
    OpenApiParameter.QUERY,
    required=False,
    enum=Status.values,
    description=_("只列出该状态的申报书"),
)


@extend_schema(
    tags=[_("账户")],
    summary=_("当前调用者"),
    responses={200: MeSerializer, **error_responses((401, 406, 429))},
)
class Me(generics.GenericAPIView):
    serializer_class = MeSerializer

    def get(self, request: Request) -> Response:
        user = request.user
        park = user.park if user.park_id else None
        body = {
            "username": user.username,
            "role": user.role,
            "park": park,
            "token": request_token(request),
            "can_push_data": park is not None and scope.can_edit_park_data(user, park),
        }
        return Response(MeSerializer(body).data)


@extend_schema(
    tags=[_("园区")],
    summary=_("可见的园区"),
    description=_("园区令牌只看到本园区；省级人员看到本省园区；国家级人员看到全部。"),
    responses={200: ParkSerializer(many=True), **error_responses((400, 401, 406, 429))},
)
class ParkList(generics.ListAPIView):
    serializer_class = ParkSerializer

    def get_queryset(self) -> QuerySet:
        return scope.visible_parks(self.request.user).order_by("province__code", "name", "pk")


@extend_schema(
    tags=[_("申报书")],
    summary=_("可见的申报书及其状态"),
    parameters=[STATUS],
    responses={200: ApplicationSerializer(many=True), **error_responses((400, 401, 406, 429))},
)
class ApplicationList(generics.ListAPIView):
    serializer_class = ApplicationSerializer

    def get_queryset(self) -> QuerySet[Application]:
        applications = access.visible_applications(self.request.user).order_by("-created_at", "-pk")
        wanted = self.request.query_params.get("status")
        if wanted in Status.values:
            applications = applications.filter(status=wanted)
        elif wanted:
            raise ApiError(
                _("状态不存在。"),
                fields=[("status", _("须为以下之一：%s") % ", ".join(Status.values))],
            )
        return applications


@extend_schema(
    tags=[_("申报书")],
    summary=_("一份申报书的状态与历史"),
    parameters=[id_parameter("application_id", _("申报书编号"))],
    responses={200: ApplicationDetailSerializer, **error_responses()},
)
class ApplicationDetail(generics.GenericAPIView):
    serializer_class = ApplicationDetailSerializer

    def get(self, request: Request, application_id: int) -> Response:
        application = (
            access.visible_applications(request.user)
            .prefetch_related(
                Prefetch("events", queryset=ApplicationEvent.objects.order_by("created_at", "pk")),
                Prefetch(
                    "submissions",
                    queryset=Submission.objects.only(
                        "id", "application_id", "number", "submitted_at"
                    ).order_by("number"),
                ),
            )
            .filter(pk=check_id(application_id))
            .first()
        )
        if application is None:
            raise Http404
        return Response(ApplicationDetailSerializer(application).data)


@extend_schema(
    tags=[_("建设方案")],
    summary=_("园区建设方案的分年度目标与各年核算结果"),
    description=_(
        "纳入建设名单后的建设方案：建设期、阶段、每个指标每年的目标（单位能耗碳排放为 tCO2/tce，"
        "引导指标为比例），以及建设期内每年由核算得出的实际值与目标的对照和进展报告的状态。"
        "各年数据仍通过 years/{year}/data/ 或 case/ 推送；推送后重新核算，结果随之更新。"
        "尚未纳入建设名单的园区返回 404。"
    ),
    parameters=[PARK_ID],
    responses={200: ProgrammeSerializer, **error_responses()},
)
class ParkProgramme(generics.GenericAPIView):
    serializer_class = ProgrammeSerializer

    def get(self, request: Request, park_id: int) -> Response:
        programme = (
            programmes.visible_programmes(request.user)
            .filter(park_id=check_id(park_id))
            .order_by("-pk")
            .first()
        )
        if programme is None:
            raise Http404
        return Response(ProgrammeSerializer(programme_body(request.user, programme)).data)


def programme_body(user, programme) -> dict:
    results = []
    for year, result in progress.year_results(programme).items():
        rows = progress.indicator_values(programme, year, result["result"] if result else None)
        results.append(
            {"year": year, "run_id": result["run_id"] if result else None, "indicators": rows}
        )
    return {
        "id": programme.pk,
        "park": programme.park,
        "application_id": programme.application_id,
        "period_start": programme.period_start,
        "period_end": programme.period_end,
        "stage": programme.stage,
        "get_stage_display": programme.get_stage_display(),
        "targets": list(programme.targets.all()),
        "results": results,
        "reports": list(
            progress.visible_reports(user).filter(programme=programme).order_by("year", "pk")
        ),
    }
