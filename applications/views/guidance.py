"""Provincial guidance of a park in construction: the programme's guidance page (the park reads
and answers, its province records), and the overview by province (provinces and NDRC). Every act
goes through applications/guidance.py and asks first (`confirmed_act=1`: the dialog of
static/js/confirm.js, or the confirmation page when the script does not run)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zcparks.params import code_param

from .. import guidance, permissions
from ..models import GuidanceForm, Province
from .programme import load_programme


class VisitForm(forms.Form):
    visited_on = forms.DateField(
        label=gettext_lazy("指导日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    form = forms.ChoiceField(label=gettext_lazy("指导形式"), choices=GuidanceForm.choices)
    participants = forms.CharField(
        label=gettext_lazy("参加人员"),
        max_length=guidance.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("省级发展改革委及有关部门、园区参加人员的姓名和职务"),
    )
    content = forms.CharField(
        label=gettext_lazy("指导内容"),
        max_length=guidance.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    problems = forms.CharField(
        label=gettext_lazy("发现的问题"),
        required=False,
        max_length=guidance.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("每行一个问题；没有发现问题时不填"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name == "form" else "form-control"


class SolveForm(forms.Form):
    solved_on = forms.DateField(
        label=gettext_lazy("解决日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    solution = forms.CharField(
        label=gettext_lazy("解决方式"),
        max_length=guidance.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RespondForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("园区反馈"),
        max_length=guidance.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@login_required
def guidance_list(request: HttpRequest) -> HttpResponse:
    if not permissions.may(request.user, "list_guidance"):
        raise PermissionDenied
    totals = guidance.by_province(request.user)
    provinces = Province.objects.in_bulk([row["park__province"] for row in totals])
    for row in totals:
        row["province"] = provinces[row["park__province"]]
    rows = guidance.overview(request.user)
    province = code_param(request.GET, "province", r"[0-9]{2}")
    if province:
        rows = rows.filter(park__province__code=province)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/guidance/list.html",
        {"page": page, "totals": totals, "province": province},
    )


def _detail(request: HttpRequest, programme, visit_form=None) -> HttpResponse:
    return render(
        request,
        "applications/guidance/detail.html",
        {
            "programme": programme,
            "park": programme.park,
            "visits": guidance.visits_of(programme),
            "visit_form": visit_form
            or VisitForm(initial={"visited_on": timezone.localdate(), "form": "on_site"}),
            "may_record": permissions.may(request.user, "record_guidance", programme),
            "may_solve": permissions.may(request.user, "solve_problem", programme),
            "may_respond": permissions.may(request.user, "respond_problem", programme),
            "today": timezone.localdate(),
            "visit_text": _visit_confirmation(programme),
            "solve_text": _(
                "问题将记录为已解决（含解决日期和方式），园区可以看到；记录后不能撤销。"
            ),
            "respond_text": _(
                "反馈将送%(province)s发展改革委，园区和省级人员都可以看到；提交后不能修改。"
            )
            % {"province": programme.park.province},
        },
    )


def _visit_confirmation(programme, problems: int | None = None) -> str:
    text = _("将记录对%(park)s的这次指导，园区可以看到；记录后不能修改或删除。") % {
        "park": programme.park.name
    }
    if problems:
        text += _("同时记录发现的问题 %(n)s 个，每个问题在解决后另行记录。") % {"n": problems}
    return text


@login_required
def guidance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, load_programme(request, pk, "view_guidance"))


def _refuse_or_say(request, key: str, programme) -> HttpResponse | None:
    """403 for a person the table refuses; in the wrong stage, a message back on the page."""
    verdict = permissions.verdict(request.user, key, programme)
    if verdict is permissions.Verdict.NOT_ALLOWED:
        raise PermissionDenied
    if verdict is permissions.Verdict.WRONG_STATE:
        messages.error(
            request,
            _("建设方案当前阶段为“%(stage)s”，不能执行“%(action)s”。")
            % {"stage": programme.get_stage_display(), "action": permissions.label(key)},
        )
        return redirect("guidance_detail", pk=programme.pk)
    return None


def _errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}：{'；'.join(errors)}")


def _confirm(request, programme, title: str, text: str, form) -> HttpResponse:
    return render(
        request,
        "applications/guidance/confirm.html",
        {
            "programme": programme,
            "park": programme.park,
            "title": title,
            "confirmation": text,
            "fields": [(name, request.POST.get(name, "")) for name in form.fields],
            "shown": [(form.fields[n].label, request.POST.get(n, "")) for n in form.fields],
            "post_url": request.path,
            "back_url": reverse("guidance_detail", args=[programme.pk]),
        },
    )


def _done(request, programme, call, success: str) -> HttpResponse:
    try:
        call()
    except guidance.NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except guidance.GuidanceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("guidance_detail", pk=programme.pk)


@login_required
@require_POST
def guidance_visit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = load_programme(request, pk, "view_guidance")
    refused = _refuse_or_say(request, "record_guidance", programme)
    if refused:
        return refused
    form = VisitForm(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return _detail(request, programme, visit_form=form)
    problems = guidance.problem_lines(form.cleaned_data["problems"])
    if request.POST.get("confirmed_act") != "1":
        text = _visit_confirmation(programme, len(problems))
        return _confirm(request, programme, _("记录指导"), text, form)
    data = form.cleaned_data
    return _done(
        request,
        programme,
        lambda: guidance.record_visit(
            request.user,
            programme,
            visited_on=data["visited_on"],
            form=data["form"],
            participants=data["participants"],
            content=data["content"],
            problems=problems,
        ),
        _("已记录指导情况和发现的问题 %(n)s 个，%(park)s可以看到；问题解决后请在本页记录。")
        % {"n": len(problems), "park": programme.park.name},
    )


def _problem(programme, problem_id: int):
    problem = guidance.problem_of(programme, problem_id)
    if problem is None:
        raise Http404
    return problem


@login_required
@require_POST
def guidance_solve(request: HttpRequest, pk: int, problem_id: int) -> HttpResponse:
    programme = load_programme(request, pk, "view_guidance")
    problem = _problem(programme, problem_id)
    refused = _refuse_or_say(request, "solve_problem", programme)
    if refused:
        return refused
    form = SolveForm(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return redirect("guidance_detail", pk=programme.pk)
    if request.POST.get("confirmed_act") != "1":
        text = _("问题“%(problem)s”将记录为已解决，园区可以看到；记录后不能撤销。") % {
            "problem": problem.description
        }
        return _confirm(request, programme, _("记录问题已解决"), text, form)
    return _done(
        request,
        programme,
        lambda: guidance.solve(request.user, problem, **form.cleaned_data),
        _("已记录问题的解决情况，%(park)s可以看到。") % {"park": programme.park.name},
    )


@login_required
@require_POST
def guidance_respond(request: HttpRequest, pk: int, problem_id: int) -> HttpResponse:
    programme = load_programme(request, pk, "view_guidance")
    problem = _problem(programme, problem_id)
    refused = _refuse_or_say(request, "respond_problem", programme)
    if refused:
        return refused
    form = RespondForm(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return redirect("guidance_detail", pk=programme.pk)
    if request.POST.get("confirmed_act") != "1":
        text = _("对问题“%(problem)s”的反馈将送%(province)s发展改革委；提交后不能修改。") % {
            "problem": problem.description,
            "province": programme.park.province,
        }
        return _confirm(request, programme, _("反馈问题"), text, form)
    return _done(
        request,
        programme,
        lambda: guidance.respond(request.user, problem, form.cleaned_data["text"]),
        _("反馈已提交，%(province)s发展改革委可以看到。") % {"province": programme.park.province},
    )
