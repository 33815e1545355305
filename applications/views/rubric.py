"""The batch's rubric page: NDRC's reviewers edit the criteria, weights and guidance experts score
on (applications/rubric_editing.py); once anyone has scored, only the guidance."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from .. import permissions, rubric, rubric_editing
from ..forms.rubric import RubricFormSet
from ..models import Batch


@login_required
def rubric_page(request: HttpRequest, batch_id: int) -> HttpResponse:
    if not permissions.may(request.user, "edit_rubric"):
        raise Http404
    batch = get_object_or_404(Batch, pk=batch_id)
    criteria = rubric_editing.current(batch)
    locked = rubric_editing.is_locked(batch)
    status = 200
    error = ""
    if request.method == "POST":
        formset = RubricFormSet(request.POST, prefix="c")
        if formset.is_valid():
            rows = [
                rubric.Criterion(
                    f.cleaned_data["key"],
                    f.cleaned_data["name"],
                    f.cleaned_data["weight"],
                    f.cleaned_data.get("guidance", ""),
                )
                for f in formset.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
            try:
                rubric_editing.save_criteria(request.user, batch, rows)
            except PermissionDenied:
                raise
            except rubric.RubricError as failure:
                error = str(failure)
            else:
                messages.success(
                    request,
                    _(
                        "已保存%(batch)s的评分标准（%(n)s 个评分项，权重合计 100%%）。专家此后打开"
                        "评分表即按新标准评分；有人评分后，评分项和权重将不能再修改。"
                    )
                    % {"batch": batch.name, "n": len(rows)},
                )
                return redirect("batch_rubric", batch_id=batch.pk)
        status = 400
    else:
        formset = RubricFormSet(
            prefix="c",
            initial=[
                {"key": c.key, "name": c.name, "weight": c.weight, "guidance": c.guidance}
                for c in criteria
            ],
        )
    return render(
        request,
        "applications/reviews/rubric.html",
        {
            "batch": batch,
            "formset": formset,
            "locked": locked,
            "locked_message": rubric.locked_message(batch) if locked else "",
            "error": error,
            "own": batch.criteria.exists(),
            "batches": Batch.objects.order_by("-year", "-pk"),
        },
        status=status,
    )
