"""The park's editing pages: sections, boundary, incidents, evidence; and evidence download."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import access, admin_areas, evidence, geo, revisions, services, three_years
from ..forms import (
    AttachmentForm,
    BoundaryForm,
    IncidentForm,
    IncidentRegisterForm,
    form_for_section,
)
from ..forms.sections import SECTION_FORMS
from ..kernel import scope
from ..models import Application, ApplicationFrozen, Attachment, Incident
from ..sections import SECTIONS_BY_KEY


def _editable(request: HttpRequest, pk: int) -> Application:
    application = access.get_application_for_user(request.user, pk)
    if not access.can_edit_application(request.user, application):
        raise (
            ApplicationFrozen
            if scope.can_edit_park_data(request.user, application.park)
            else PermissionDenied
        )
    return application


def _context(application: Application, key: str, **extra) -> dict:
    application = (
        Application.objects.prefetch_related("incidents", "attachments")
        .select_related("park__province", "batch")
        .get(pk=application.pk)
    )
    comments = revisions.open_comments(application)
    return {
        "application": application,
        "section": SECTIONS_BY_KEY[key],
        # The return's comment on this section, shown on its page with the park's answer.
        "revision_comment": next((c for c in comments if c.key == key), None),
        "revision_comments": comments,
        "section_statuses": services.section_statuses(application),
        "eligibility": services.eligibility_results(application),
        **extra,
    }


@login_required
def section_edit(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    if key not in SECTION_FORMS:
        raise Http404
    application = _editable(request, pk)
    content = application.data.get(key) or {}
    # The energy section shows the batch's three years and asks a reason for each one that has
    # no calculation (three_years.py, D43).
    years = three_years.years_of(application) if key == "energy" else []
    form = form_for_section(
        key,
        content,
        request.POST if request.method == "POST" else None,
        reason_years=[y.year for y in years if y.needs_reason],
    )
    if request.method == "POST" and form.is_valid():
        services.save_section(application, key, form.to_content())
        messages.success(request, "✓ " + str(SECTIONS_BY_KEY[key].title))
        return redirect("application_section", pk=pk, key=key)
    return render(
        request,
        "applications/section_form.html",
        _context(
            application,
            key,
            form=form,
            three_years=years,
            new_park=services.is_new_park(application),
        ),
    )


@login_required
def revision_answers(request: HttpRequest, pk: int) -> HttpResponse:
    """整改说明: the park answers each comment of the return, one answer per comment; saved as
    a draft (services.save_revision_answers), required whole before resubmitting."""
    application = _editable(request, pk)
    comments = revisions.open_comments(application)
    if not comments:
        raise Http404  # nothing to answer: never returned, or answered by a submission
    error = ""
    if request.method == "POST":
        answers = {c.key: request.POST.get(c.field, "") for c in comments}
        try:
            services.save_revision_answers(application, answers)
        except services.ServiceError as refused:
            error = str(refused)
            comments = [
                revisions.RevisionComment(c.key, c.title, c.comment, answers[c.key])
                for c in comments
            ]
        else:
            missing = sum(1 for text in answers.values() if not text.strip())
            messages.success(
                request,
                _("整改说明已保存。")
                if not missing
                else _("整改说明已保存；还有 %(n)s 条意见未回复，重新提交前须全部回复。")
                % {"n": missing},
            )
            return redirect("application_answers", pk=pk)
    application = (
        Application.objects.prefetch_related("incidents", "attachments")
        .select_related("park__province", "batch")
        .get(pk=application.pk)
    )
    return render(
        request,
        "applications/answers_form.html",
        {
            "application": application,
            "comments": comments,
            "error": error,
            "answer_max": revisions.ANSWER_MAX,
            "answers_page": True,
            "section_statuses": services.section_statuses(application),
            "eligibility": services.eligibility_results(application),
        },
    )


@login_required
def boundary_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _editable(request, pk)
    if request.method == "POST":
        form = BoundaryForm(request.POST, request.FILES, province=application.park.province)
        if form.is_valid():
            try:
                services.save_boundary(application, form.to_fields())
            except geo.AreaQuestion as question:
                form.add_error("declared_area_km2", str(question))
            except geo.DivisionError as error:
                form.add_error("division_code", str(error))
            except geo.BoundaryError as error:
                field = "geojson_file" if form.cleaned_data.get("geojson_file") else None
                form.add_error(field or "boundary_geojson", str(error))
            else:
                messages.success(request, "✓ " + str(SECTIONS_BY_KEY["boundary"].title))
                return redirect("application_boundary", pk=pk)
    else:
        form = BoundaryForm(
            initial=BoundaryForm.initial_for(application), province=application.park.province
        )
    return render(
        request,
        "applications/boundary_form.html",
        _context(
            application,
            "boundary",
            form=form,
            tile_url=getattr(settings, "ZCP_MAP_TILE_URL", ""),
            # The base layer: every province, and the cities and counties of the park's own.
            admin_cities=f"cities/{application.park.province.code}.geojson",
            admin_counties=f"counties/{application.park.province.code}.geojson",
            # The place the park has chosen (D47), shown above the map.
            division_label=(
                admin_areas.place_label(application.park.division_code)
                if application.park.division_code
                else ""
            ),
        ),
    )


@login_required
def incidents_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _editable(request, pk)
    form = IncidentForm()
    register_form = IncidentRegisterForm(
        initial={"confirmed": application.incident_register_confirmed}
    )
    if request.method == "POST":
        if "confirm" in request.POST:
            register_form = IncidentRegisterForm(request.POST)
            if register_form.is_valid():
                services.set_incident_register_confirmed(
                    application, register_form.cleaned_data["confirmed"]
                )
                return redirect("application_incidents", pk=pk)
        else:
            form = IncidentForm(request.POST)
            if form.is_valid():
                services.add_incident(application, form.cleaned_data)
                return redirect("application_incidents", pk=pk)
    return render(
        request,
        "applications/incidents_form.html",
        _context(
            application,
            "incidents",
            form=form,
            register_form=register_form,
        ),
    )


@login_required
@require_POST
def incident_delete(request: HttpRequest, pk: int, incident_id: int) -> HttpResponse:
    application = _editable(request, pk)
    services.delete_incident(get_object_or_404(Incident, pk=incident_id, application=application))
    return redirect("application_incidents", pk=pk)


@login_required
def attachments_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _editable(request, pk)
    form = AttachmentForm()
    if request.method == "POST":
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                services.add_attachment(
                    application,
                    request.user,
                    name=upload.name,
                    content=evidence.read_upload(upload),
                    title=form.cleaned_data["title"],
                    section=form.cleaned_data["section"],
                )
            except evidence.EvidenceError as error:
                form.add_error("file", str(error))
            else:
                messages.success(request, "✓ " + form.cleaned_data["title"])
                return redirect("application_attachments", pk=pk)
    return render(
        request,
        "applications/attachments_form.html",
        _context(application, "attachments", form=form),
    )


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    application = _editable(request, pk)
    services.delete_attachment(
        get_object_or_404(Attachment, pk=attachment_id, application=application)
    )
    return redirect("application_attachments", pk=pk)


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """Only for users who may see the application; never rendered inline by the browser."""
    application = access.get_application_for_user(request.user, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_id, application=application)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.safe_name(attachment.pk, attachment.content_type),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


PREVIEW_SECTIONS = ("basic", "data_foundation", "boundary")


@login_required
@require_POST
def eligibility_preview(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """The eligibility panel recomputed from the form as typed; nothing is saved."""
    if key not in PREVIEW_SECTIONS:
        raise Http404
    application = _editable(request, pk)
    if key == "boundary":
        form = BoundaryForm(request.POST, province=application.park.province)
        form.is_valid()
        content = {
            k: v for k, v in form.cleaned_data.items() if k not in ("boundary", "division_code")
        }
        # Parsed once, by the form (at most MAX_BOUNDARY_VERTICES, about 0.2 s at the limit):
        # this runs on each pause in typing.
        boundary = form.cleaned_data.get("boundary")
        content["boundary_geojson"] = boundary.geojson if boundary else None
    else:
        form = form_for_section(key, application.data.get(key) or {}, request.POST)
        form.is_valid()
        content = {k: v for k, v in form.cleaned_data.items() if v is not None}
    results = services.eligibility_preview(application, key, content)
    return render(request, "applications/_eligibility.html", {"eligibility": results})
