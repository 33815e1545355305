"""The reviewers' workspace: the queues with export, and the review page with its actions.

Views parse, call a service (queues, reviews, workflow) and render; every page loads what it
shows in a fixed number of queries.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from zcparks.page_cache import cached_page
from zcparks.params import BadParameter, int_param

from .. import (
    access,
    deadlines,
    exports,
    permissions,
    queues,
    recommendations,
    reviews,
    score_table,
    workflow,
)
from ..models import (
    CONFLICT_DECLARATION,
    SCORE_LIMITS,
    Application,
    ApplicationEvent,
    Batch,
    CommentVisibility,
    ConflictOfInterest,
    ProvincialRecommendation,
    ReviewAssignment,
    ReviewComment,
    ReviewScore,
    ReviewWithdrawal,
    Submission,
    User,
)
from ..review_page import review_context
from ..sections import SECTIONS


def _check_queue(request: HttpRequest, queue: str) -> None:
    """404 for a queue this user does not have (an applicant has none)."""
    key = access.QUEUE_PERMISSIONS.get(queue)
    if key is None or not permissions.may(request.user, key):
        raise Http404


@login_required
@cached_page
def review_queue(request: HttpRequest, queue: str) -> HttpResponse:
    _check_queue(request, queue)
    filters = queues.QueueFilters.from_query(request.GET)
    rows = queues.queue_rows(request.user, queue, filters)
    counts = queues.status_counts(request.user, queue, filters)
    paginator = Paginator(rows, queues.PAGE_SIZE)
    # The per-status counts already hold the total: spare the paginator its COUNT query.
    paginator.count = sum(
        n for value, _label, n in counts if not filters.status or value == filters.status
    )
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    choices = queues.filter_choices(request.user, queue)
    # The current batches' dates and quotas, from the batches the filter already loaded.
    batches = [batch for batch in choices["batches"] if batch.is_active]
    return render(
        request,
        "applications/reviews/queue.html",
        {
            "queue": queue,
            "queue_title": queues.QUEUES[queue],
            "page": page,
            "filters": filters,
            "counts": counts,
            "choices": choices,
            "query": params.urlencode(),
            "tiers": dict(queues.TIERS),
            # NDRC's date on every queue; the province's own date on the provincial one.
            "deadline_rows": deadlines.shown(
                batches, request.user.province_id if queue == "provincial" else None
            ),
            "with_province": queue == "provincial" and request.user.province_id is not None,
            "deadlines_link": permissions.may(request.user, "set_submission_deadline"),
            "recommendation_rows": _recommendation_rows(request.user, batches)
            if queue == "provincial"
            else [],
        },
    )


def _recommendation_rows(user, batches) -> list[tuple]:
    """(batch, quota, recommendation or None) of the current batches, for the province's act
    (three queries, whatever the number of batches)."""
    if not recommendations.may_assemble(user) or not batches:
        return []
    made = {
        r.batch_id: r
        for r in ProvincialRecommendation.objects.filter(
            province_id=user.province_id, batch__in=batches
        )
    }
    quotas = recommendations.quotas([b.pk for b in batches], user.province_id)
    return [(batch, quotas[batch.pk], made.get(batch.pk)) for batch in batches]


@login_required
@cache_control(private=True, no_store=True)  # a ministry's list of applications: keep no copy
def review_queue_export(request: HttpRequest, queue: str, fmt: str) -> HttpResponse:
    _check_queue(request, queue)
    if not permissions.may(request.user, "export_queue"):
        raise Http404
    # Who NDRC assigned is NDRC's internal material.
    assignees = permissions.may(request.user, "read_ndrc_material")
    filters = queues.QueueFilters.from_query(request.GET)
    # In chunks: the prefetch of assignees runs per 1,000 rows instead of one huge IN list.
    rows = queues.queue_rows(request.user, queue, filters)[: exports.MAX_ROWS].iterator(
        chunk_size=1000
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = HttpResponse(
            exports.to_csv(rows, assignees=assignees), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            exports.to_xlsx(rows, assignees=assignees),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="queue-{queue}-{stamp}.{fmt}"'
    return response


def _score_table(request: HttpRequest) -> score_table.ScoreTable:
    """404 unless the reader holds `score_table`; `?batch=` picks the batch (default: the latest
    active one)."""
    if not permissions.may(request.user, "score_table"):
        raise Http404
    batch_id = int_param(request.GET, "batch")
    batch = Batch.objects.filter(pk=batch_id).first() if batch_id else score_table.default_batch()
    if batch is None:
        raise Http404
    return score_table.build(request.user, batch)


@login_required
@cache_control(private=True, no_store=True)  # NDRC's internal material
def score_table_view(request: HttpRequest) -> HttpResponse:
    if not request.GET.get("batch") and score_table.default_batch() is None:
        # Reached from the menu before any batch exists: the page says so rather than a 404.
        if not permissions.may(request.user, "score_table"):
            raise Http404
        return render(request, "applications/reviews/score_table.html", {"table": None})
    table = _score_table(request)
    return render(
        request,
        "applications/reviews/score_table.html",
        {
            "table": table,
            "batches": Batch.objects.order_by("-year", "-pk"),
            "may_edit_rubric": permissions.may(request.user, "edit_rubric"),
        },
    )


@login_required
@cache_control(private=True, no_store=True)  # NDRC's internal material: keep no copy
def score_table_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    table = _score_table(request)
    rows = exports.score_table_rows(table)
    if fmt == "csv":
        response = HttpResponse(exports.rows_to_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exports.rows_to_xlsx(rows, _("专家评分汇总")),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="scores-batch{table.batch.pk}-{stamp}.{fmt}"'
    )
    return response


def _load(request: HttpRequest, pk: int) -> Application:
    """The application in this reviewer's scope (else 404) with what the page shows, in one
    query plus the prefetches."""
    scoped = access.reviewable_applications(request.user).select_related("park__province", "batch")
    try:
        return scoped.prefetch_related(
            "incidents",
            "attachments",
            "letters",
            "batch__criteria",
            Prefetch("events", queryset=ApplicationEvent.objects.select_related("actor")),
            Prefetch("submissions", queryset=Submission.objects.order_by("number")),
            Prefetch("scores", queryset=ReviewScore.objects.select_related("reviewer")),
            Prefetch("review_comments", queryset=ReviewComment.objects.select_related("author")),
            Prefetch("assignments", queryset=ReviewAssignment.objects.select_related("assignee")),
            Prefetch("conflicts", queryset=ConflictOfInterest.objects.select_related("expert")),
            Prefetch(
                "withdrawals",
                queryset=ReviewWithdrawal.objects.select_related("assignee", "withdrawn_by"),
            ),
        ).get(pk=pk)
    except Application.DoesNotExist:
        raise Http404 from None


def _declaration_page(
    request: HttpRequest, application: Application, reason: str = "", confirming: bool = False
) -> HttpResponse:
    """All an expert sees before declaring: the park, its province, and the declaration."""
    return render(
        request,
        "applications/reviews/declare.html",
        {
            "application": application,
            "declaration": CONFLICT_DECLARATION,
            "reason": reason,
            "confirming": confirming,
        },
    )


@login_required
@cached_page
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _load(request, pk)
    if permissions.may(request.user, "declare_conflict", application):
        return _declaration_page(request, application)
    context = review_context(request.user, application)
    context.update(
        {
            "score_limits": SCORE_LIMITS,
            "sections": SECTIONS,
            "actions": [
                t for t in workflow.page_actions(request.user, application) if t.action != "submit"
            ],
            # A first recommendation is made in the province's recommendation of the batch.
            "recommend_via_act": (
                recommendations.may_assemble(request.user)
                and not application.ever_recommended
                and permissions.may(request.user, "recommend", application)
            ),
        }
    )
    return render(request, "applications/reviews/review.html", context)


@login_required
@require_POST
def review_score(request: HttpRequest, pk: int) -> HttpResponse:
    application = access.get_reviewable_application(request.user, pk)
    try:
        # Every criterion of the batch's rubric is a field of the same name.
        reviews.save_score(request.user, application, request.POST)
    except reviews.ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("评分已保存。"))
    return redirect("review_detail", pk=pk)


@login_required
@require_POST
def review_comment(request: HttpRequest, pk: int) -> HttpResponse:
    application = access.get_reviewable_application(request.user, pk)
    try:
        reviews.add_comment(
            request.user,
            application,
            request.POST.get("text", ""),
            request.POST.get("visibility", CommentVisibility.INTERNAL),
        )
    except reviews.ReviewError as error:
        messages.error(request, str(error))
    return redirect("review_detail", pk=pk)


@login_required
@require_POST
def review_assign(request: HttpRequest, pk: int) -> HttpResponse:
    application = access.get_reviewable_application(request.user, pk)
    try:
        assignee_id = int_param(request.POST, "assignee")
    except BadParameter:
        assignee_id = None  # said on the review page, beside the form, like an unknown person
    assignee = User.objects.filter(pk=assignee_id).first() if assignee_id else None
    try:
        if assignee is None:
            raise reviews.ReviewError(str(_("被指派人：请选择。")))
        reviews.assign(request.user, application, assignee, request.POST.get("kind") or None)
    except reviews.ReviewError as error:
        messages.error(request, str(error))
    return redirect("review_detail", pk=pk)


@login_required
@require_POST
def review_unassign(request: HttpRequest, pk: int, assignment_id: int) -> HttpResponse:
    """Withdraw a reviewer's or expert's assignment before they scored: a reason and a
    confirmation first (the confirmation page), then the service (D44)."""
    application = access.get_reviewable_application(request.user, pk)
    assignment = get_object_or_404(
        ReviewAssignment.objects.select_related("assignee"),
        pk=assignment_id,
        application=application,
    )
    reason = request.POST.get("reason", "")
    if permissions.may(request.user, "assign", application) and (
        request.POST.get("confirmed_act") != "1"
    ):
        return _withdraw_page(request, application, assignment, reason)
    try:
        reviews.unassign(request.user, assignment, reason)
    except reviews.ReviewError as error:
        messages.error(request, str(error))
        if permissions.may(request.user, "assign", application) and not reason.strip():
            return _withdraw_page(request, application, assignment, reason)
        return redirect("review_detail", pk=pk)
    messages.success(
        request,
        _("已撤回 %(name)s 的指派：%(name)s 已收到通知，不能再查看该申报书；如需要，请另行指派。")
        % {"name": assignment.assignee},
    )
    return redirect("review_detail", pk=pk)


def _withdraw_page(
    request: HttpRequest, application: Application, assignment: ReviewAssignment, reason: str
) -> HttpResponse:
    return render(
        request,
        "applications/_withdraw_confirm.html",
        {
            "park": application.park,
            "person": assignment.assignee,
            "what": _("申报书评审（%(batch)s）") % {"batch": application.batch},
            "action_url": reverse("review_unassign", args=[application.pk, assignment.pk]),
            "back_url": reverse("review_detail", args=[application.pk]),
            "reason": reason,
        },
    )


@login_required
@require_POST
def review_declare(request: HttpRequest, pk: int) -> HttpResponse:
    """The assigned expert's declaration: no conflict, or a conflict with its reason. A conflict
    removes the assignment for good, so it is confirmed first (static/js/confirm.js sends
    confirmed_act=1; without JavaScript this answers with a confirmation page)."""
    application = access.get_reviewable_application(request.user, pk)
    if not permissions.may(request.user, "declare_conflict", application):
        raise PermissionDenied
    conflict = request.POST.get("conflict") == "1"
    reason = request.POST.get("reason", "")
    try:
        if not conflict:
            reviews.declare_no_conflict(request.user, application)
            messages.success(request, _("已声明无利益冲突，现在可以查看申报材料并评审。"))
            return redirect("review_detail", pk=pk)
        if request.POST.get("confirmed_act") != "1":
            return _declaration_page(request, application, reason, confirming=True)
        reviews.declare_conflict(request.user, application, reason)
    except reviews.ReviewError as error:
        messages.error(request, str(error))
        return _declaration_page(request, application, reason)
    messages.success(request, _("已声明利益冲突，您已退出对该申报书的评审。"))
    return redirect("review_queue_mine")
