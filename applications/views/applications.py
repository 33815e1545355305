"""Application list, overview (status, completeness, eligibility, history), transitions and
submitted versions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zcparks.params import int_param

from .. import (
    access,
    book_pdf,
    deadlines,
    letter_content,
    permissions,
    queues,
    revisions,
    sections,
    services,
    three_years,
    workflow,
)
from ..models import ApplicationEvent, Batch, Province, Role, Status, Submission
from ..sections import SECTIONS
from .transitions import REFUSED_TAG


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    visible = access.visible_applications(request.user)
    # The queues' filters (the workbench's counts link here with them): state, province, batch,
    # tier, core indicator, park name.
    filters = queues.QueueFilters.from_query(request.GET)
    applications = (
        queues.narrowed(request.user, visible, filters)
        .defer("data", "boundary_geojson")
        .order_by("-batch__year", "park__province__code", "park__name", "pk")
    )
    page = Paginator(applications, 25).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    open_batches = []
    if permissions.may(request.user, "start_application"):
        now = timezone.now()
        taken = set(visible.values_list("batch_id", flat=True))
        open_batches = [
            b
            for b in Batch.objects.filter(is_active=True, opens_at__lte=now, deadline__gte=now)
            if b.pk not in taken
        ]
    return render(
        request,
        "applications/application_list.html",
        {
            "page": page,
            "status": filters.status,
            "statuses": Status.choices,
            "filters": filters,
            "filter_labels": _filter_labels(filters),
            "page_query": params.urlencode(),
            "open_batches": open_batches,
            "is_applicant": request.user.role == Role.APPLICANT,
        },
    )


def _filter_labels(filters: queues.QueueFilters) -> list[str]:
    """What the list is narrowed to, in words (the workbench's links arrive with these)."""
    shown = []
    if filters.province:
        province = Province.objects.filter(code=filters.province).first()
        shown.append(str(province) if province else filters.province)
    if filters.batch:
        batch = Batch.objects.filter(pk=filters.batch).first()
        shown.append(str(batch) if batch else str(filters.batch))
    if filters.stage:
        shown.append(str(queues.STAGES[filters.stage]))
    if filters.tier:
        shown.append(str(queues.TIERS.get(filters.tier, _("无核算结果"))))
    if filters.core:
        shown.append(str(queues.CORE_LABELS[filters.core]))
    if filters.q:
        shown.append(filters.q)
    return shown


@login_required
@require_POST
def application_start(request: HttpRequest) -> HttpResponse:
    batch = get_object_or_404(Batch, pk=int_param(request.POST, "batch", required=True))
    try:
        application = services.start_application(request.user, batch)
    except services.ServiceError as error:
        messages.error(request, str(error))
        return redirect("application_list")
    return redirect("application_detail", pk=application.pk)


def _load(request: HttpRequest, pk: int):
    """The application with what its overview needs, in a fixed number of queries."""
    application = access.get_application_for_user(request.user, pk)
    application = (
        type(application)
        .objects.select_related("park__province", "batch")
        .prefetch_related(
            "incidents",
            "attachments",
            Prefetch("events", queryset=ApplicationEvent.objects.select_related("actor")),
            Prefetch(
                "submissions",
                queryset=Submission.objects.only("id", "application_id", "number", "submitted_at"),
            ),
        )
        .get(pk=application.pk)
    )
    return application


def _submission_refused(request: HttpRequest) -> bool:
    """A refused submission's message lists the problems already: the page says them once."""
    return any(REFUSED_TAG in message.tags for message in messages.get_messages(request))


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _load(request, pk)
    is_applicant = request.user.role == Role.APPLICANT
    events = list(application.events.all())
    last_return = next((e for e in reversed(events) if e.action == "return_for_revision"), None)
    return render(
        request,
        "applications/application_detail.html",
        {
            "application": application,
            "is_applicant": is_applicant,
            "status_label": (
                application.applicant_status_label
                if is_applicant
                else application.get_status_display()
            ),
            "can_edit": access.can_edit_application(request.user, application),
            "section_statuses": services.section_statuses(application),
            "may_download_book": permissions.may(request.user, "download_book", application),
            "eligibility": services.eligibility_results(application),
            "actions": workflow.page_actions(request.user, application),
            "events": events,
            "last_return": last_return,
            # What the park answers before resubmitting (整改说明), with its drafted answers.
            "revision_comments": revisions.comments_of(
                last_return, revisions.drafted_answers(application, last_return)
            )
            if last_return
            and application.status == Status.RETURNED
            and access.can_edit_application(request.user, application)
            else [],
            "submissions": list(application.submissions.all()),
            "data_changes": three_years.data_changes_since_submission(application),
            "sections": SECTIONS,
            "deadline_rows": deadlines.shown([application.batch], application.park.province_id),
            "with_province": True,
            # The park's date binds its first submission only (applications/deadlines.py).
            "resubmission": application.submission_count > 0 and application.is_editable,
            "problems": (
                services.submission_problems(application)
                if application.is_editable and is_applicant and not _submission_refused(request)
                else []
            ),
        },
    )


@login_required
def submission_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Exactly what was submitted, and what changed since the previous submission."""
    application = access.get_application_for_user(request.user, pk)
    submission = get_object_or_404(Submission, application=application, number=number)
    previous = Submission.objects.filter(application=application, number=number - 1).first()
    changes = services.diff_submissions(previous, submission) if previous else []
    return render(
        request,
        "applications/submission_detail.html",
        {
            "application": application,
            "submission": submission,
            "snapshot": submission.snapshot,
            "previous": previous,
            "changes": changes,
            # The return's comments and the park's answers beside what changed.
            "answered": revisions.answered_changes(changes, submission.revision_answers),
            "section_rows": sections.displayed(
                submission.snapshot.get("sections") or {}, skip=("attachments",)
            ),
            "eligibility": letter_content.eligibility_rows(submission.snapshot),
            "three_years": three_years.shown(submission.snapshot.get("three_years")),
            "may_download_book": permissions.may(request.user, "download_book", application),
        },
    )


@login_required
def book_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable 申报书: the latest submission (or `?submission=<n>`), the draft if the
    application was never submitted."""
    application = access.get_application_for_user(request.user, pk)
    if not permissions.may(request.user, "download_book", application):
        raise PermissionDenied
    submissions = application.submissions.order_by("-number")
    number = int_param(request.GET, "submission")
    submission = get_object_or_404(submissions, number=number) if number else submissions.first()
    response = HttpResponse(book_pdf.pdf(application, submission), content_type="application/pdf")
    name = book_pdf.filename(application, submission)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
