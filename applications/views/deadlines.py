"""The deadlines page: NDRC's date and the provinces' dates of the current batches, set by the
provincial reviewer (its own province) and extended by an administrator, with every change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from zcparks.params import int_param

from .. import deadlines, permissions
from ..forms.deadlines import DeadlineForm
from ..models import Batch, DeadlineKind, Province


def _allowed(user) -> bool:
    return permissions.may(user, "set_submission_deadline") or permissions.may(
        user, "extend_deadline"
    )


@login_required
def deadlines_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _allowed(user):
        raise Http404
    is_admin = permissions.may(user, "extend_deadline")
    form = DeadlineForm()
    status = 200
    posted = None
    if request.method == "POST":
        batch = get_object_or_404(Batch, pk=int_param(request.POST, "batch", required=True))
        posted = batch.pk
        form = DeadlineForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["kind"] == DeadlineKind.RECOMMENDATION:
                    change = deadlines.extend_recommendation_deadline(
                        user, batch, data["value"], data["reason"]
                    )
                else:
                    code = data["province"] if is_admin else user.province.code
                    province = Province.objects.filter(code=code).first()
                    if province is None:
                        raise deadlines.DeadlineError(_("请选择省份。"), "province")
                    change = deadlines.set_submission_deadline(
                        user, batch, province, data["value"], data["reason"]
                    )
            except deadlines.DeadlineError as error:
                form.add_error(error.field or None, error.message)
            except PermissionDenied:
                raise
            else:
                messages.success(
                    request,
                    _(
                        "%(batch)s的%(kind)s已改为%(date)s，变更已记录；相关园区和省份将在截止前一周收到提醒。"
                    )
                    % {
                        "batch": batch,
                        "kind": change.get_kind_display(),
                        "date": deadlines.label(change.new_value),
                    },
                )
                return redirect("deadlines")
        status = 400
    province_id = None if is_admin else user.province_id
    batches = deadlines.current_batches()
    rows = deadlines.shown(batches, province_id)
    provinces = list(Province.objects.order_by("code")) if is_admin else []
    by_province = {}
    if is_admin:
        own = deadlines.province_dates(batches)
        names = {p.pk: p for p in provinces}
        for (batch_id, p_id), date in sorted(own.items(), key=lambda i: names[i[0][1]].code):
            by_province.setdefault(batch_id, []).append((names[p_id], deadlines.label(date)))
    return render(
        request,
        "applications/deadlines.html",
        {
            "rows": [
                (row, by_province.get(row.batch.pk, []), deadlines.history(row.batch, province_id))
                for row in rows
            ],
            "form": form,
            "posted": posted,
            "is_admin": is_admin,
            "province": None if is_admin else user.province,
            "provinces": provinces,
            "remind_days": deadlines.REMIND_BEFORE.days,
        },
        status=status,
    )
