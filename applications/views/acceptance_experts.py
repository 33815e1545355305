"""The experts of a park's evaluation and acceptance: the expert's list and page (declaration,
then the material and the score sheet), and NDRC's assignment. Views parse, ask the permission
table and call the doors of applications/acceptance_experts.py; NDRC reads the sheets on the
acceptance page (views/acceptance.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zcparks.params import BadParameter, int_param

from .. import acceptance, acceptance_experts, permissions
from ..models import (
    ACCEPTANCE_CONFLICT_DECLARATION,
    SCORE_LIMITS,
    AcceptanceAssignment,
    AcceptanceScore,
    ConstructionProgramme,
    Role,
    User,
)
from .programme import load_programme


@login_required
def acceptance_queue_mine(request: HttpRequest) -> HttpResponse:
    """The acceptances the expert is assigned to, undeclared ones first."""
    if not permissions.may(request.user, "queue_acceptance_mine"):
        raise Http404
    assignments = list(
        AcceptanceAssignment.objects.filter(expert=request.user)
        .select_related("programme__park__province")
        .order_by("-declared_at", "assigned_at")
    )
    assignments.sort(key=lambda a: a.declared_at is not None)
    scored = set(
        AcceptanceScore.objects.filter(expert=request.user).values_list("programme_id", flat=True)
    )
    return render(
        request,
        "applications/programme/acceptance_mine.html",
        {"assignments": assignments, "scored": scored},
    )


def _expert_programme(request: HttpRequest, pk: int) -> ConstructionProgramme:
    """The programme if the expert is assigned to its acceptance; 404 otherwise (nobody else
    learns from this page that it exists)."""
    programme = (
        ConstructionProgramme.objects.select_related("park__province", "application")
        .prefetch_related(
            Prefetch(
                "expert_assignments",
                queryset=AcceptanceAssignment.objects.filter(expert_id=request.user.pk),
            )
        )
        .filter(pk=pk)
        .first()
    )
    if programme is None or not permissions.may(request.user, "open_acceptance_review", programme):
        raise Http404
    return programme


def _declaration_page(
    request: HttpRequest, programme: ConstructionProgramme, reason: str = "", confirming=False
) -> HttpResponse:
    """All an expert sees before declaring: the park, its province and the declaration."""
    return render(
        request,
        "applications/programme/acceptance_declare.html",
        {
            "programme": programme,
            "park": programme.park,
            "declaration": ACCEPTANCE_CONFLICT_DECLARATION,
            "reason": reason,
            "confirming": confirming,
        },
    )


@login_required
def acceptance_review(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _expert_programme(request, pk)
    if permissions.may(request.user, "declare_acceptance_conflict", programme):
        return _declaration_page(request, programme)
    if not permissions.may(request.user, "read_acceptance_material", programme):
        raise Http404  # pragma: no cover - an assigned expert has declared or may declare
    mine = AcceptanceScore.objects.filter(programme=programme, expert=request.user).first()
    return render(
        request,
        "applications/programme/acceptance_expert.html",
        {
            "programme": programme,
            "park": programme.park,
            "assessment": acceptance.put_forward_assessment(programme),
            "criteria": acceptance_experts.criteria(),
            "score_limits": SCORE_LIMITS,
            "mine": mine,
            "my_values": mine.values if mine else {},
            "may_score": permissions.may(request.user, "score_acceptance", programme),
        },
    )


@login_required
@require_POST
def acceptance_declare(request: HttpRequest, pk: int) -> HttpResponse:
    """The assigned expert's declaration. A conflict removes the assignment for good, so it is
    confirmed first (confirm.js sends confirmed_act=1; without it a confirmation page)."""
    programme = _expert_programme(request, pk)
    if not permissions.may(request.user, "declare_acceptance_conflict", programme):
        raise PermissionDenied
    conflict = request.POST.get("conflict") == "1"
    reason = request.POST.get("reason", "")
    try:
        if not conflict:
            acceptance_experts.declare_no_conflict(request.user, programme)
            messages.success(
                request,
                _("已声明无利益冲突。请查阅验收材料，按验收评分标准逐项评分并填写意见后保存。"),
            )
            return redirect("acceptance_review", pk=pk)
        if request.POST.get("confirmed_act") != "1":
            return _declaration_page(request, programme, reason, confirming=True)
        acceptance_experts.declare_conflict(request.user, programme, reason)
    except acceptance_experts.NotAllowed:
        raise
    except acceptance_experts.ExpertError as error:
        messages.error(request, error.message)
        return _declaration_page(request, programme, reason)
    messages.success(
        request,
        _("已声明利益冲突，您已退出该园区的评估验收；指派您的国家级评审人员已收到通知。"),
    )
    return redirect("acceptance_queue_mine")


@login_required
@require_POST
def acceptance_score(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _expert_programme(request, pk)
    try:
        # Every criterion of the acceptance rubric is a field of the same name.
        acceptance_experts.save_score(
            request.user, programme, request.POST, request.POST.get("comment", "")
        )
    except acceptance_experts.NotAllowed:
        raise
    except acceptance_experts.ExpertError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("评分和意见已保存，国家发展改革委可以看到；作出验收决定前您仍可修改。"),
        )
    return redirect("acceptance_review", pk=pk)


@login_required
@require_POST
def acceptance_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """NDRC assigns an expert; confirmed first, as the expert is mailed at once."""
    programme = load_programme(request, pk, "view_acceptance")
    back = redirect("acceptance_detail", pk=pk)
    verdict = permissions.verdict(request.user, "assign_acceptance_experts", programme)
    if verdict is permissions.Verdict.NOT_ALLOWED:
        raise PermissionDenied
    try:
        expert_id = int_param(request.POST, "expert")
    except BadParameter:
        expert_id = None
    expert = (
        User.objects.filter(pk=expert_id, role=Role.EXPERT, is_active=True).first()
        if expert_id
        else None
    )
    if expert is None:
        messages.error(request, _("验收专家：请选择一位评审专家。"))
        return back
    if request.POST.get("confirmed_act") != "1":
        return render(
            request,
            "applications/programme/acceptance_assign_confirm.html",
            {"programme": programme, "park": programme.park, "expert": expert},
        )
    try:
        acceptance_experts.assign(request.user, programme, expert)
    except acceptance_experts.NotAllowed:
        raise
    except acceptance_experts.ExpertError as error:
        messages.error(request, error.message)
        return back
    messages.success(
        request,
        _("已指派 %(name)s 为验收专家，专家已收到邮件；专家声明无利益冲突后即可评分。")
        % {"name": expert},
    )
    return back


@login_required
@require_POST
def acceptance_unassign(request: HttpRequest, pk: int, assignment_id: int) -> HttpResponse:
    """NDRC withdraws an expert before the expert scored: a reason and a confirmation first
    (the confirmation page), then the door (D44)."""
    programme = load_programme(request, pk, "view_acceptance")
    if permissions.verdict(request.user, "assign_acceptance_experts", programme) is (
        permissions.Verdict.NOT_ALLOWED
    ):
        raise PermissionDenied
    back = redirect("acceptance_detail", pk=pk)
    assignment = (
        AcceptanceAssignment.objects.select_related("expert")
        .filter(programme=programme, pk=assignment_id)
        .first()
    )
    if assignment is None:
        messages.error(request, _("该指派已不存在（已被撤回或专家已声明利益冲突）。"))
        return back
    reason = request.POST.get("reason", "")

    def page() -> HttpResponse:
        return render(
            request,
            "applications/_withdraw_confirm.html",
            {
                "park": programme.park,
                "person": assignment.expert,
                "what": _("国家级零碳园区评估验收"),
                "action_url": reverse("acceptance_unassign", args=[pk, assignment.pk]),
                "back_url": reverse("acceptance_detail", args=[pk]),
                "reason": reason,
            },
        )

    if request.POST.get("confirmed_act") != "1":
        return page()
    try:
        acceptance_experts.unassign(request.user, programme, assignment.pk, reason)
    except acceptance_experts.NotAllowed:
        raise
    except acceptance_experts.ExpertError as error:
        messages.error(request, error.message)
        return page() if not reason.strip() else back
    messages.success(
        request,
        _(
            "已撤回 %(name)s 的验收专家指派：专家已收到通知，不能再查看该园区的验收材料；"
            "如需要，请另行指派。"
        )
        % {"name": assignment.expert},
    )
    return back
