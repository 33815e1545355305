"""The province's recommendation page: assemble (parks in order, opinion, co-operating
departments, construction plans) with the quota in view, save the draft, submit it once."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from zcparks.params import int_param, text_param

from .. import deadlines, effects, evidence, recommendations, workflow
from ..models import Application, Batch, RecommendationPlan


def _chosen(post) -> list[tuple[int, str]]:
    """[(application id, reason)] in the province's order (order_<id>, then as listed)."""
    picked = [
        pk
        for pk in (int_param({"park": value}, "park") for value in post.getlist("park"))
        if pk is not None
    ]
    ordered = sorted(
        picked, key=lambda pk: (int_param(post, f"order_{pk}", high=99) or 99, picked.index(pk))
    )
    return [
        (pk, text_param(post, f"reason_{pk}", max_length=recommendations.MAX_TEXT))
        for pk in ordered
    ]


@login_required
def recommendation_page(request: HttpRequest, batch_id: int) -> HttpResponse:
    if not recommendations.may_assemble(request.user):
        raise Http404
    batch = get_object_or_404(Batch, pk=batch_id)
    recommendation = recommendations.for_user(request.user, batch)
    error_field = ""
    confirming = False
    if request.method == "POST":
        if recommendation.is_submitted:
            messages.error(request, _("本省推荐已报送，不能再修改。"))
            return redirect("province_recommendation", batch_id=batch.pk)
        chosen = _chosen(request.POST)
        try:
            _attach_plans(request, recommendation)
            recommendations.save_draft(
                request.user,
                recommendation,
                opinion=text_param(request.POST, "opinion", max_length=recommendations.MAX_TEXT),
                departments=text_param(
                    request.POST, "departments", max_length=recommendations.MAX_DEPARTMENTS
                ),
                chosen=chosen,
            )
        except recommendations.RecommendationError as error:
            messages.error(request, error.message)
            error_field = error.field
        else:
            if request.POST.get("act") == "save":
                messages.success(request, _("本省推荐草稿已保存，尚未报送。"))
                return redirect("province_recommendation", batch_id=batch.pk)
            if request.POST.get("confirmed_act") != "1":
                confirming = True  # no JavaScript: ask on the page
            else:
                return _submit(request, recommendation)
        recommendation.refresh_from_db()
    return _render(
        request, recommendation, error_field, confirming, status=400 if error_field else 200
    )


def _attach_plans(request: HttpRequest, recommendation) -> None:
    """The construction plans chosen in the form (plan_<application id>), each stored; all are
    checked before any is stored, so a refused file leaves the others as they were."""
    uploads = []
    for key in sorted(request.FILES):
        if not key.startswith("plan_"):
            continue
        pk = int_param({"plan": key.removeprefix("plan_")}, "plan", low=1)
        upload = request.FILES[key]
        uploads.append((pk, upload.name or "", evidence.read_upload(upload)))
    for pk, name, content in uploads:
        try:
            evidence.check_file(name, content)
        except evidence.EvidenceError as error:
            park = (
                Application.objects.filter(pk=pk, park__province_id=recommendation.province_id)
                .values_list("park__name", flat=True)
                .first()
            )
            raise recommendations.RecommendationError(
                _("%(park)s的建设方案：%(why)s") % {"park": park or "", "why": error},
                f"plan_{pk}",
            ) from None
    for pk, name, content in uploads:
        recommendations.attach_plan(request.user, recommendation, pk, name=name, content=content)


@login_required
def recommendation_plan(request: HttpRequest, plan_id: int) -> FileResponse:
    """A construction plan of a province's recommendation: the province and NDRC only; never
    rendered inline by the browser, under a name made of its id and checked type."""
    plan = get_object_or_404(
        RecommendationPlan.objects.select_related("recommendation"), pk=plan_id
    )
    if not recommendations.may_read_plan(request.user, plan):
        raise Http404
    try:
        handle = plan.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = evidence.EXTENSIONS.get(plan.content_type, "bin")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"construction-plan-{plan.pk}.{extension}",
        content_type=plan.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _submit(request: HttpRequest, recommendation) -> HttpResponse:
    try:
        events = workflow.submit_recommendation(request.user, recommendation)
    except workflow.NotAllowed:
        raise PermissionDenied from None
    except workflow.WorkflowError as error:
        messages.error(request, error.message)
        return redirect("province_recommendation", batch_id=recommendation.batch_id)
    names = "、".join(e.application.park.name for e in events)
    messages.success(
        request,
        _(
            "本省推荐已报送：%(parks)s已进入“省级已推荐”，推荐函已出具，园区和国家发展改革委评审人员"
            "已收到通知；下一步由国家发展改革委开展评审。未推荐的园区仍待本省决定。"
        )
        % {"parks": names},
    )
    if any(effects.will_follow(e) for e in events):
        messages.warning(
            request, _("推荐函和通知邮件暂未能排队发送，系统恢复后将自动补发，请勿重复操作。")
        )
    return redirect("province_recommendation", batch_id=recommendation.batch_id)


def _render(
    request, recommendation, error_field: str, confirming: bool, status: int = 200
) -> HttpResponse:
    batch = recommendation.batch
    candidates = recommendations.candidates(recommendation)
    quota = recommendations.quota(batch.pk, recommendation.province_id)
    dates = deadlines.shown([batch], recommendation.province_id)
    return render(
        request,
        "applications/recommendation.html",
        {
            "recommendation": recommendation,
            "batch": batch,
            "candidates": candidates,
            "plans": recommendations.plans([c.application.pk for c in candidates]),
            "attached": recommendations.attached_plans(recommendation),
            "quota": quota,
            "positions": range(1, max(quota.left, 1) + 1),
            "deadline": dates[0],
            "deadline_rows": dates,
            "with_province": True,
            "error_field": error_field,
            "confirming": confirming,
            "frozen": recommendation.is_submitted,
        },
        status=status,
    )
