"""The inbox: a person's own notices, newest first, read and marked read (applications/inbox.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zcparks.params import flag_param

from .. import inbox, permissions


def _reader(request: HttpRequest):
    if not permissions.may(request.user, "read_inbox"):
        raise Http404
    return request.user


def _back(request: HttpRequest) -> str:
    """Back to the inbox page the person came from (its filter and page), else the first."""
    wanted = request.POST.get("next", "")
    if wanted.startswith(reverse("inbox")) and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}
    ):
        return wanted
    return reverse("inbox")


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    unread_only = flag_param(request.GET, "unread")
    page = Paginator(inbox.items(user, unread_only=unread_only), inbox.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "applications/inbox.html",
        {"page": page, "unread_only": unread_only, "here": request.get_full_path()},
    )


@login_required
def inbox_open(request: HttpRequest, item_id: int) -> HttpResponse:
    """Opening an item marks it read and leads to what it concerns."""
    item = inbox.open_item(_reader(request), item_id)
    if item is None:
        raise Http404
    if item.link and url_has_allowed_host_and_scheme(item.link, allowed_hosts=None):
        return redirect(item.link)
    return redirect("inbox")


@login_required
@require_POST
def inbox_mark_read(request: HttpRequest, item_id: int) -> HttpResponse:
    if not inbox.mark_read(_reader(request), item_id):
        raise Http404
    messages.success(request, _("已将该消息标记为已读。"))
    return redirect(_back(request))


@login_required
@require_POST
def inbox_mark_all_read(request: HttpRequest) -> HttpResponse:
    count = inbox.mark_all_read(_reader(request))
    if count:
        messages.success(
            request,
            _("已将 %(count)s 条未读消息标记为已读。新的通知到达时会再次显示在这里。")
            % {"count": count},
        )
    else:
        messages.info(request, _("没有未读消息。"))
    return redirect(_back(request))
