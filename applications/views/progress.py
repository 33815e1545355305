"""Progress reports: the park fills and submits them, the province asks for, returns or accepts
them, NDRC reads them all. Every act goes through applications/progress.py; irreversible ones
ask first (`confirmed_act=1`, the dialog of static/js/confirm.js or the confirmation page)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zcparks.params import choice_param, code_param, int_param

from .. import outbox, permissions, progress
from ..models import ProgressReport, ProjectStatus, Province, ReportStatus
from .programme import load_programme


def load_report(request: HttpRequest, pk: int, key: str = "view_report") -> ProgressReport:
    """The report if the user sees it (else 404) and holds `key` on it (else 403)."""
    report = (
        progress.visible_reports(request.user)
        .select_related("programme__application", "requested_by")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    if not permissions.may(request.user, key, report):
        raise PermissionDenied
    return report


# --- The park's content --------------------------------------------------------------------------


class ProjectRowForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("项目状态"), choices=ProjectStatus.choices)
    investment_made = forms.DecimalField(
        label=gettext_lazy("累计完成投资（万元）"),
        required=False,
        max_digits=16,
        decimal_places=2,
        min_value=0,
    )
    commissioned_on = forms.DateField(
        label=gettext_lazy("投运日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(
        label=gettext_lazy("进展说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PhaseRowForm(forms.Form):
    reached = forms.BooleanField(label=gettext_lazy("已达到"), required=False)
    note = forms.CharField(
        label=gettext_lazy("说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReportForm(forms.Form):
    problems = forms.CharField(
        label=gettext_lazy("存在的问题"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    support_needed = forms.CharField(
        label=gettext_lazy("需要的支持"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _forms(report: ProgressReport, data=None):
    projects = list(report.project_rows.select_related("project"))
    phases = list(report.phase_rows.select_related("phase"))
    project_forms = [
        (
            row,
            ProjectRowForm(
                data,
                prefix=f"project-{row.pk}",
                initial={
                    "status": row.status,
                    "investment_made": row.investment_made,
                    "commissioned_on": row.commissioned_on,
                    "note": row.note,
                },
            ),
        )
        for row in projects
    ]
    phase_forms = [
        (
            row,
            PhaseRowForm(
                data, prefix=f"phase-{row.pk}", initial={"reached": row.reached, "note": row.note}
            ),
        )
        for row in phases
    ]
    main = ReportForm(
        data, initial={"problems": report.problems, "support_needed": report.support_needed}
    )
    return main, project_forms, phase_forms


@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = load_report(request, pk, "edit_report")
    data = request.POST if request.method == "POST" else None
    main, project_forms, phase_forms = _forms(report, data)
    if data is not None:
        valid = [
            main.is_valid(),
            *(f.is_valid() for _r, f in project_forms),
            *(f.is_valid() for _r, f in phase_forms),
        ]
        if all(valid):
            try:
                progress.save_report(
                    request.user,
                    report,
                    projects={
                        row.pk: progress.ProjectProgress(**f.cleaned_data)
                        for row, f in project_forms
                    },
                    phases={
                        row.pk: (f.cleaned_data["reached"], f.cleaned_data["note"])
                        for row, f in phase_forms
                    },
                    problems=main.cleaned_data["problems"],
                    support_needed=main.cleaned_data["support_needed"],
                )
            except progress.ReportError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("进展报告已保存。"))
                return redirect("report_detail", pk=report.pk)
        else:
            messages.error(request, _("有填写不正确的内容，请按提示修改。"))
    return render(
        request,
        "applications/progress/edit.html",
        {
            "report": report,
            "programme": report.programme,
            "form": main,
            "project_forms": project_forms,
            "phase_forms": phase_forms,
        },
    )


# --- Pages ---------------------------------------------------------------------------------------


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = load_report(request, pk)
    programme = report.programme
    live = None
    calculation = report.calculation
    if report.is_editable:
        # Not frozen yet: the year's calculation as it stands, or why there is none.
        live = progress.year_calculation(programme, report.year)
        calculation = live.calculation
    series = progress.trend(programme)
    acts = progress.available_acts(request.user, report)
    return render(
        request,
        "applications/progress/detail.html",
        {
            "report": report,
            "programme": programme,
            "park": programme.park,
            "live": live,
            "problems": progress.submission_problems(report) if report.is_editable else [],
            "indicators": progress.indicator_rows(report, calculation),
            "calculation": calculation,
            "series": series,
            "chart_data": {
                s.indicator: {
                    "label": s.label,
                    "unit": s.unit,
                    "years": s.years,
                    "actual": s.actual,
                    "target": s.target,
                    "actual_name": _("实际值"),
                    "target_name": _("目标值"),
                }
                for s in series
            },
            "projects": list(report.project_rows.select_related("project")),
            "phases": list(report.phase_rows.select_related("phase")),
            "events": list(report.events.select_related("actor")),
            "acts": [(act, progress.confirmation(act.key, report)) for act in acts],
            "may_edit": permissions.may(request.user, "edit_report", report),
        },
    )


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    if not permissions.may(request.user, "list_reports"):
        raise PermissionDenied
    reports = progress.visible_reports(request.user).order_by(
        "programme__park__province__code", "programme__park__name", "-year", "-pk"
    )
    province = code_param(request.GET, "province", r"[0-9]{2}")
    if province:
        reports = reports.filter(programme__park__province__code=province)
    status = choice_param(request.GET, "status", ReportStatus.values)
    if status:
        reports = reports.filter(status=status)
    year = int_param(request.GET, "year", low=2000, high=2100)
    if year:
        reports = reports.filter(year=year)
    provinces = Province.objects.filter(
        parks__programmes__reports__in=progress.visible_reports(request.user)
    ).distinct()
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/progress/list.html",
        {
            "page": page,
            "province": province,
            "provinces": provinces.order_by("code"),
            "status": status,
            "statuses": ReportStatus.choices,
            "year": year,
        },
    )


# --- Acts ----------------------------------------------------------------------------------------


def _confirm_page(request, report, act, comment: str) -> HttpResponse:
    return render(
        request,
        "applications/progress/confirm.html",
        {
            "report": report,
            "act": act,
            "confirmation": progress.confirmation(act.key, report),
            "comment": comment,
            "post_url": request.path,
            "back_url": reverse("report_detail", args=[report.pk]),
        },
    )


def _follow_up(request, event) -> None:
    if outbox.report_waiting(event):
        messages.warning(
            request, _("操作已保存。通知邮件暂时无法排队，系统将自动补发，无需重复操作。")
        )


@login_required
@require_POST
def report_act(request: HttpRequest, pk: int, act: str) -> HttpResponse:
    report = load_report(request, pk)
    if act not in progress.ACTS:
        raise Http404
    action = progress.ACTS[act]
    comment = request.POST.get("comment", "")
    if request.POST.get("confirmed_act") != "1":
        verdict = permissions.verdict(request.user, act, report)
        if verdict is permissions.Verdict.NOT_ALLOWED:
            raise PermissionDenied
        if verdict is permissions.Verdict.ALLOWED:
            return _confirm_page(request, report, action, comment)
    try:
        event = progress.perform(act, request.user, report, comment)
    except progress.NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except progress.ReportError as error:
        messages.error(request, error.message)
        for problem in error.problems:
            messages.error(request, problem)
        return redirect("report_detail", pk=report.pk)
    messages.success(request, progress.success(act, report))
    _follow_up(request, event)
    return redirect("report_detail", pk=report.pk)


@login_required
@require_POST
def report_start(request: HttpRequest, pk: int) -> HttpResponse:
    programme = load_programme(request, pk, "start_report")
    year = int_param(request.POST, "year", low=2000, high=2100, required=True)
    try:
        report = progress.start(request.user, programme, year)
    except progress.NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except progress.ReportError as error:
        messages.error(request, error.message)
        return redirect("programme_detail", pk=programme.pk)
    return redirect("report_edit", pk=report.pk)


class RequestForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("报告年度"), min_value=2000, max_value=2100)
    due_date = forms.DateField(
        label=gettext_lazy("报送期限"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=gettext_lazy("报告要求"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


@login_required
@require_POST
def report_request(request: HttpRequest, pk: int) -> HttpResponse:
    programme = load_programme(request, pk, "request_report")
    form = RequestForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(errors)}")
        return redirect("programme_detail", pk=programme.pk)
    if request.POST.get("confirmed_act") != "1":
        return render(
            request,
            "applications/progress/request_confirm.html",
            {
                "programme": programme,
                "form": form,
                "post_url": request.path,
                "confirmation": progress.request_confirmation(programme),
            },
        )
    try:
        report = progress.request(request.user, programme, **form.cleaned_data)
    except progress.NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except progress.ReportError as error:
        messages.error(request, error.message)
        return redirect("programme_detail", pk=programme.pk)
    messages.success(
        request,
        _("已要求%(park)s在 %(date)s 前报送 %(year)s 年度进展报告，园区已收到通知。")
        % {"park": programme.park.name, "date": report.due_date.isoformat(), "year": report.year},
    )
    _follow_up(request, report.events.last())
    return redirect("programme_detail", pk=programme.pk)
