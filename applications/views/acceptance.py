"""Self-assessment, evaluation and acceptance of a construction programme, and the public
register of national zero-carbon parks.

The acts post to one handler, `acceptance_act`, which parses the form, asks for confirmation
(the same pattern as every transition: nothing happens without `confirmed_act=1`) and calls the
act's function in programme_workflow.py, which checks who may make it in which stage.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zcparks import numbers
from zcparks.params import int_param, text_param

from .. import acceptance, acceptance_experts, effects, guidance, permissions, programme_workflow
from ..models import Designation, Letter, LetterKind
from .programme import load_programme

MAX_REPORT = 20_000  # characters of a report, a reason or conditions
YEAR_LOW, YEAR_HIGH = 2025, 2060


def _year(params, programme) -> int:
    return int_param(
        params, "year", low=YEAR_LOW, high=YEAR_HIGH, default=acceptance.default_year(programme)
    )


@login_required
def acceptance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = load_programme(request, pk, "view_acceptance")
    year = _year(request.GET, programme)
    actions = programme_workflow.available_programme_actions(request.user, programme)
    concluding = {t.action for t in actions} & {"put_forward", "self_assessment_not_met"}
    sheet = acceptance.sheet_for(programme, year) if concluding else None
    letters = list(
        Letter.objects.filter(
            application_id=programme.application_id,
            kind__in=(LetterKind.ACCEPTANCE, LetterKind.CERTIFICATE),
        ).order_by("pk")
    )
    experts = _experts_panel(request.user, programme)
    return render(
        request,
        "applications/programme/acceptance.html",
        {
            "programme": programme,
            "park": programme.park,
            "application": programme.application,
            "actions": actions,
            "year": year,
            "years": programme.years,
            "sheet": sheet,
            # What the province still has open with the park, beside the sheet it concludes on.
            "open_problems": guidance.open_problems(programme) if sheet else [],
            "below_core": acceptance.below_core_message(sheet)
            if sheet and not sheet.core_met
            else "",
            "assessments": list(programme.self_assessments.select_related("event__actor")),
            "designation": Designation.objects.filter(programme=programme).first(),
            "letters": letters,
            "may_download": permissions.may(request.user, "download_letter", programme.application),
            "experts": experts,
        },
    )


def _experts_panel(user, programme) -> dict | None:
    """NDRC's view of the experts: assignments, declared conflicts, each sheet with the spread
    and outliers, and whom it may still assign (None for whoever may not read them)."""
    if not permissions.may(user, "read_acceptance_scores", programme):
        return None
    summary = acceptance_experts.summary(programme.expert_scores.select_related("expert"))
    may_assign = permissions.may(user, "assign_acceptance_experts", programme)
    return {
        "assignments": list(programme.expert_assignments.select_related("expert", "assigned_by")),
        "conflicts": list(programme.expert_conflicts.select_related("expert")),
        "withdrawals": list(programme.expert_withdrawals.select_related("expert", "withdrawn_by")),
        # Whom NDRC may still withdraw: an expert who has not scored (D44).
        "scored": {sheet.expert_id for sheet in summary.sheets},
        "summary": summary,
        "criteria": acceptance_experts.criteria(),
        "may_assign": may_assign,
        "assignable": acceptance_experts.assignable_experts(programme) if may_assign else [],
    }


@login_required
@require_POST
def acceptance_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    programme = load_programme(request, pk, "view_acceptance")
    if action not in programme_workflow.PROGRAMME_TRANSITIONS:
        raise Http404
    transition = programme_workflow.PROGRAMME_TRANSITIONS[action]
    comment = text_param(request.POST, "comment", max_length=MAX_REPORT)
    override = text_param(request.POST, "override_reason", max_length=MAX_REPORT)
    concluding = action in ("put_forward", "self_assessment_not_met")
    year = _year(request.POST, programme) if concluding else None
    back = reverse("acceptance_detail", args=[programme.pk])
    if request.POST.get("confirmed_act") != "1":
        verdict = permissions.verdict(request.user, action, programme)
        if verdict is permissions.Verdict.NOT_ALLOWED:
            raise PermissionDenied
        if verdict is permissions.Verdict.WRONG_STATE:
            messages.error(
                request,
                _("建设方案当前阶段为“%(stage)s”，不能执行“%(action)s”。")
                % {"stage": programme.get_stage_display(), "action": transition.label},
            )
            return redirect(back)
        return render(
            request,
            "applications/programme/acceptance_confirm.html",
            {
                "programme": programme,
                "park": programme.park,
                "transition": transition,
                "confirmation": transition.confirmation(programme.application),
                "comment": comment,
                "override_reason": override,
                "year": year,
                "post_url": request.path,
                "back_url": back,
            },
        )
    try:
        if action == "put_forward":
            event = programme_workflow.put_forward(
                request.user, programme, year=year, report=comment, override_reason=override
            )
        elif action == "self_assessment_not_met":
            event = programme_workflow.self_assessment_not_met(
                request.user, programme, year=year, report=comment
            )
        else:
            event = programme_workflow.PROGRAMME_ACTIONS[action](request.user, programme, comment)
    except programme_workflow.NotAllowed:
        raise
    except programme_workflow.WorkflowError as error:
        messages.error(request, error.message)
        return redirect(f"{back}?year={year}" if year else back)
    messages.success(request, transition.success(programme.application))
    if effects.will_follow(event):
        messages.warning(
            request,
            _("“%(action)s”已保存。正式文书和通知邮件暂时无法排队，系统将自动补发，无需重复操作。")
            % {"action": transition.label},
        )
    return redirect(back)


@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """The public register of national zero-carbon parks: no login."""
    rows = acceptance.register()
    page = Paginator(rows, 50).get_page(int_param(request.GET, "page", default=1))
    for entry in page.object_list:
        entry.shown_intensity = numbers.intensity(entry.intensity)
        entry.shown_threshold = numbers.intensity(entry.threshold)
        entry.tier_label = acceptance.tier_label(entry.tier)
        entry.certificate = acceptance.certificate_of(entry)
    return render(request, "applications/programme/register.html", {"page": page})
