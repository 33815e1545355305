"""Pages of a park's energy data: overview, forms, import/export and the calculation result.

Scope comes from applications.access: viewing needs the park to be visible to the user (else
404); changing needs ``can_edit_park_data`` (the park's own applicant; else 403).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from accounting import (
    data_entry,
    entry,
    exporters,
    import_errors,
    importers,
    labels,
    presentation,
    services,
    tasks,
)
from accounting.data_entry import save_guiding, save_record_formset
from accounting.forms import (
    KINDS,
    MAX_FORM_ROWS,
    PAGE_ROWS,
    GuidingForm,
    UploadForm,
    record_formset,
)
from accounting.models import CalculationRun, GuidingInputs, ParkYear
from applications.kernel import scope
from applications.models import Batch, Role
from zcparks.page_cache import cached_page
from zcparks.params import int_param


def _park_year(request: HttpRequest, park_id: int, year: int):
    if not 2000 <= year <= 2100:
        raise Http404
    park = scope.get_park_for_user(request.user, park_id)
    park_year = ParkYear.objects.filter(park=park, year=year).first()
    return park, park_year, scope.can_edit_park_data(request.user, park)


@login_required
def my_energy(request: HttpRequest) -> HttpResponse:
    if request.user.role != Role.APPLICANT:
        return redirect("park_list")
    return redirect("accounting:overview", park_id=request.user.park_id)


@login_required
def overview(request: HttpRequest, park_id: int) -> HttpResponse:
    park = scope.get_park_for_user(request.user, park_id)
    this_year = date.today().year
    # The three years (近三年) of every batch the park applies in or could apply in (D43): the
    # park enters or imports each of them for its application.
    batches = Batch.objects.filter(Q(applications__park=park) | Q(is_active=True)).distinct()
    asked = {
        year for batch in batches.only("year", "history_start") for year in batch.history_years
    }
    years = sorted(
        {
            this_year - 1,
            this_year,
            2024,
            2025,
            *asked,
            *ParkYear.objects.filter(park=park).values_list("year", flat=True),
        },
        reverse=True,
    )
    return render(
        request,
        "accounting/overview.html",
        {
            "park": park,
            "years": years,
            "asked": asked,
            "can_edit": scope.can_edit_park_data(request.user, park),
        },
    )


@login_required
def park_year(request: HttpRequest, park_id: int, year: int) -> HttpResponse:
    park, py, can_edit = _park_year(request, park_id, year)
    return render(
        request,
        "accounting/park_year.html",
        {
            "park": park,
            "year": year,
            "park_year": py,
            "can_edit": can_edit,
            "counts": presentation.counts(py),
            "latest": services.latest_result(park, year, park_year=py),
            "kinds": [(k, label) for k, (_f, label) in KINDS.items()],
            "imports": py.imports.select_related("uploaded_by")[:10] if py else [],
        },
    )


@login_required
def records(request: HttpRequest, park_id: int, year: int, kind: str) -> HttpResponse:
    """One kind of rows: an enterprise's rows a page at a time (accounting/entry.py); the park's
    applicant edits them, everyone else who sees the park reads them."""
    if kind not in KINDS:
        raise Http404
    park, py, can_edit = _park_year(request, park_id, year)
    if request.method == "POST" and not can_edit:
        scope.require_park_editor(request.user, park)
    page = entry.entry_page(py, kind, request.GET)
    latest = services.latest_result(park, year, park_year=py)
    context = {
        "park": park,
        "year": year,
        "kind": kind,
        "label": KINDS[kind][1],
        "can_edit": can_edit,
        "entry": page,
        "columns": entry.columns(kind),
        "max_rows": MAX_FORM_ROWS,
        "page_rows": PAGE_ROWS,
        "latest": latest,
        "summary": presentation.result_summary(latest.last_success),
        "query": entry.page_query(page),
    }
    if not can_edit or (page.needs_enterprises and request.method != "POST"):
        context["table"] = presentation.kind_table(py, kind, rows=page.page.object_list)
        return render(request, "accounting/records.html", context)
    _code, fuels = services.fuels_for(py, year)
    formset = record_formset(
        kind,
        py or ParkYear(park=park, year=year),
        fuels,
        request.POST if request.method == "POST" else None,
        rows=page.page.object_list,
        enterprises=page.enterprises,
    )
    if request.method == "POST":
        if formset.is_valid():
            changes = presentation.formset_changes(formset, fuels)
            save_record_formset(park, year, formset)
            messages.success(request, changes)
            url = reverse("accounting:records", args=[park.pk, year, kind])
            return redirect(f"{url}?{context['query']}" if context["query"] else url)
        context["error_list"] = presentation.formset_errors(formset)
    context["formset"] = formset
    context["rows"] = entry.rows(formset, kind, page)
    return render(
        request, "accounting/records.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
def guiding(request: HttpRequest, park_id: int, year: int) -> HttpResponse:
    park, py, can_edit = _park_year(request, park_id, year)
    instance = GuidingInputs.objects.filter(park_year=py).first() if py else None
    if request.method == "POST":
        scope.require_park_editor(request.user, park)
        form = GuidingForm(request.POST, instance=instance)
        if form.is_valid():
            save_guiding(park, year, form)
            messages.success(request, _("已保存，核算结果将自动更新。"))
            return redirect("accounting:park_year", park_id=park.pk, year=year)
    else:
        form = GuidingForm(instance=instance)
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "accounting/guiding.html",
        {"park": park, "year": year, "form": form, "can_edit": can_edit},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def upload(request: HttpRequest, park_id: int, year: int) -> HttpResponse:
    park, py, can_edit = _park_year(request, park_id, year)
    scope.require_park_editor(request.user, park)
    errors: list = []
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        if upload_file.size > settings.ZCP_MAX_IMPORT_BYTES:
            errors = [_("文件过大")]
        else:
            code, fuels = services.fuels_for(py, year)
            try:
                parsed = importers.parse_upload(
                    py,
                    park_id=park.pk,
                    year=year,
                    park_name=park.name,
                    filename=upload_file.name,
                    content=upload_file.read(),
                    factor_set_code=code,
                    fuels=fuels,
                )
            except import_errors.ImportInvalid as exc:
                errors = exc.errors
            else:
                return redirect("accounting:preview", park_id=park.pk, year=year, sha=parsed.sha256)
    return render(
        request,
        "accounting/upload.html",
        {
            "park": park,
            "year": year,
            "form": form,
            "errors": errors,
            "help_lines": exporters.help_lines(services.fuels_for(py, year)[1]),
        },
        status=400 if errors else 200,
    )


@login_required
def preview(request: HttpRequest, park_id: int, year: int, sha: str) -> HttpResponse:
    park, py, can_edit = _park_year(request, park_id, year)
    scope.require_park_editor(request.user, park)
    try:
        parsed = importers.load_parsed(park.pk, year, sha)
    except importers.PreviewExpired:
        messages.warning(
            request,
            _("导入预览已超过 %(hours)s 小时未确认，已删除；请重新上传文件。")
            % {"hours": settings.ZCP_IMPORT_PREVIEW_HOURS},
        )
        return redirect("accounting:upload", park_id=park.pk, year=year)
    if parsed is None:
        raise Http404
    if request.method == "POST":
        if "cancel" in request.POST:
            importers.discard_parsed(park.pk, year, sha)
            return redirect("accounting:upload", park_id=park.pk, year=year)
        mismatches = presentation.source_mismatches(parsed, park=park, year=year)
        if mismatches and not request.POST.get("acknowledge"):
            # Another park's or year's file: imported only when the user says it is meant.
            return render(
                request,
                "accounting/preview.html",
                {
                    "park": park,
                    "year": year,
                    "parsed": parsed,
                    "acknowledge_missing": True,
                    **presentation.preview(parsed, park=park, year=year, park_year=py),
                },
                status=400,
            )
        try:
            batch = data_entry.apply_upload(park, year, parsed, request.user)
        except import_errors.ImportInvalid as exc:
            messages.error(request, str(exc))
            return redirect("accounting:upload", park_id=park.pk, year=year)
        messages.success(
            request, _("已导入 %(name)s，核算结果将自动更新。") % {"name": batch.filename}
        )
        return redirect("accounting:park_year", park_id=park.pk, year=year)
    return render(
        request,
        "accounting/preview.html",
        {
            "park": park,
            "year": year,
            "parsed": parsed,
            **presentation.preview(parsed, park=park, year=year, park_year=py),
        },
    )


@login_required
@cache_control(private=True, no_store=True)  # a park's energy data: keep no copy
def download(request: HttpRequest, park_id: int, year: int, what: str) -> HttpResponse:
    park, py, can_edit = _park_year(request, park_id, year)
    fuels = services.fuels_for(py, year)[1]
    if what == "template.xlsx":
        body, ctype = exporters.export_xlsx(None, fuels), exporters.XLSX_TYPE
    elif what == "template.zip":
        body, ctype = exporters.export_csv_zip(None), "application/zip"
    elif what == "data.xlsx":
        body, ctype = exporters.export_xlsx(py, fuels), exporters.XLSX_TYPE
    else:
        raise Http404
    response = HttpResponse(body, content_type=ctype)
    filename = f"energy-{park.pk}-{year}-{what}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@cached_page
def result(request: HttpRequest, park_id: int, year: int) -> HttpResponse:
    park, py, can_edit = _park_year(request, park_id, year)
    latest = services.latest_result(park, year, park_year=py)
    run = latest.last_success
    runs = []
    if py is not None:
        runs = list(
            CalculationRun.objects.filter(park_year=py)
            .defer("result", "trace_factors")
            .select_related("factor_set")
            .order_by("-started_at", "-id")[:20]
        )
        wanted = int_param(request.GET, "run")
        if wanted:
            run = CalculationRun.objects.filter(park_year=py, pk=wanted).first()
            if run is None:
                raise Http404
    # The fuels named as the run's factor set names them (one query).
    fuels = labels.fuel_names(run.factor_set_id) if run is not None else {}
    trace = presentation.trace_page(run, request.GET.get("page"), fuels)
    return render(
        request,
        "accounting/result.html",
        {
            "park": park,
            "year": year,
            "latest": latest,
            "run": run,
            "runs": runs,
            "trace": trace,
            # the run and trace page shown, kept by the links of the table by enterprise
            "enterprise_query": "&".join(
                (
                    [f"run={run.pk}"]
                    if run is not None and py is not None and int_param(request.GET, "run")
                    else []
                )
                + ([f"page={trace.number}"] if trace is not None and trace.number > 1 else [])
            ),
            **presentation.result_context(
                run, fuels, int_param(request.GET, "enterprise_page", default=1)
            ),
        },
    )


@login_required
@require_POST
def recalculate_now(request: HttpRequest, park_id: int, year: int) -> HttpResponse:
    park, py, can_edit = _park_year(request, park_id, year)
    scope.require_park_editor(request.user, park)
    if py is None:
        raise Http404
    with transaction.atomic():
        tasks.request_recalculation(py)
    messages.info(request, _("已提交重新核算。"))
    return redirect("accounting:result", park_id=park.pk, year=year)
