"""After approval: the construction programmes (list and page) for the park, its province and
NDRC, as the permission table allows (`list_programmes`, `view_programme`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from zcparks.params import choice_param, code_param

from .. import permissions, progress
from .. import programme as programmes
from ..models import ProgrammeStage, Province


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    if not permissions.may(request.user, "list_programmes"):
        raise PermissionDenied
    rows = programmes.visible_programmes(request.user).order_by(
        "park__province__code", "park__name"
    )
    stage = choice_param(request.GET, "stage", ProgrammeStage.values)
    if stage:
        rows = rows.filter(stage=stage)
    provinces = Province.objects.filter(parks__programmes__in=rows).distinct().order_by("code")
    province = code_param(request.GET, "province", r"[0-9]{2}")
    if province:
        rows = rows.filter(park__province__code=province)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/programme/list.html",
        {
            "page": page,
            "stage": stage,
            "stages": ProgrammeStage.choices,
            "province": province,
            "provinces": provinces,
        },
    )


def load_programme(request: HttpRequest, pk: int, key: str = "view_programme"):
    """The programme if this user holds `key` on it; 404 when they may not see it at all."""
    programme = (
        programmes.visible_programmes(request.user)
        .select_related("application")
        .filter(pk=pk)
        .first()
    )
    if programme is None:
        raise Http404
    if not permissions.may(request.user, key, programme):
        raise PermissionDenied
    return programme


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = load_programme(request, pk)
    reports = list(
        progress.visible_reports(request.user).filter(programme=programme).order_by("-year", "-pk")
    )
    reported = {r.year for r in programme.reports.filter(kind="annual")}
    may_request = permissions.may(request.user, "request_report", programme)
    return render(
        request,
        "applications/programme/detail.html",
        {
            "reports": reports,
            "may_start": permissions.may(request.user, "start_report", programme),
            "start_years": [y for y in programme.years if y not in reported],
            "may_request": may_request,
            "request_text": progress.request_confirmation(programme) if may_request else "",
            "programme": programme,
            "park": programme.park,
            "open_problems": programme.guidance_problems.filter(status="open").count(),
            "years": programme.years,
            "targets": programmes.target_table(programme),
            "projects": list(programme.projects.all()),
            "phases": list(programme.phases.all()),
        },
    )
