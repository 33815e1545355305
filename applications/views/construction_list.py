"""The published construction list (建设名单): public, no sign-in, like the register; NDRC
closes a batch from the same page (batch_closing.close_batch, asked first)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zcparks.params import int_param, text_param

from .. import batch_closing, construction_list, exports, permissions
from ..models import Batch

MAX_COMMENT = 2_000


def _batch(request: HttpRequest, published) -> Batch | None:
    """The batch asked for (?batch=), else the latest published one."""
    wanted = int_param(request.GET, "batch", low=1)
    if wanted:
        found = next((b for b in published if b.pk == wanted), None)
        if found is None:
            raise Http404
        return found
    return published[0] if published else None


def _table(batch: Batch | None) -> str:
    """The published list of this batch as the page shows it (rendered once per closing)."""
    lists = construction_list.grouped(construction_list.listed(batch)) if batch else []
    for group in lists[0].provinces if lists else []:
        for application in group.applications:
            application.tier_text = construction_list.tier_label(application.tier)
    return render_to_string(
        "applications/_construction_list_table.html", {"list": lists[0] if lists else None}
    )


@require_GET
def construction_list_page(request: HttpRequest) -> HttpResponse:
    published = list(construction_list.published_batches())
    batch = _batch(request, published)
    if batch is None:
        table = _table(None)
    else:
        table = construction_list.cached("page", [batch], lambda: _table(batch))
    may_close = permissions.may(request.user, "close_batch")
    closable = []
    if may_close:
        for open_batch in construction_list.open_batches():
            text = str(batch_closing.BATCH_CLOSE_CONFIRMATION) % {
                "batch": open_batch.name,
                "n": open_batch.approved,
            }
            closable.append((open_batch, text))
    return render(
        request,
        "applications/construction_list.html",
        {
            "published": published,
            "batch": batch,
            "table": mark_safe(table),  # noqa: S308 - our own template's output, escaped there
            "closable": closable,
            "now": timezone.now(),
        },
    )


@require_GET
def construction_list_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    published = list(construction_list.published_batches())
    batch = _batch(request, published) if "batch" in request.GET else None

    def build():
        rows = construction_list.export_rows(construction_list.listed(batch))
        if fmt == "csv":
            return exports.rows_to_csv(rows)
        return exports.rows_to_xlsx(rows, _("建设名单"))

    content = construction_list.cached(fmt, [batch] if batch else published, build)
    if fmt == "csv":
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    which = f"batch{batch.pk}" if batch else "all"
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="construction-list-{which}-{stamp}.{fmt}"'
    )
    return response


@login_required
@require_POST
def batch_close(request: HttpRequest, batch_id: int) -> HttpResponse:
    if not permissions.may(request.user, "close_batch"):
        raise PermissionDenied
    batch = get_object_or_404(Batch, pk=batch_id)
    comment = text_param(request.POST, "comment", max_length=MAX_COMMENT)
    approved = batch.applications.filter(status="approved").count()
    if request.POST.get("confirmed_act") != "1":
        return render(
            request,
            "applications/batch_close_confirm.html",
            {
                "batch": batch,
                "comment": comment,
                "confirmation": str(batch_closing.BATCH_CLOSE_CONFIRMATION)
                % {"batch": batch.name, "n": approved},
            },
        )
    try:
        batch_closing.close_batch(request.user, batch, comment)
    except batch_closing.NotAllowed:
        raise
    except batch_closing.WorkflowError as error:
        messages.error(request, error.message)
        return redirect("construction_list")
    messages.success(
        request, str(batch_closing.BATCH_CLOSE_SUCCESS) % {"batch": batch.name, "n": approved}
    )
    return redirect(f"{reverse('construction_list')}?batch={batch.pk}")
