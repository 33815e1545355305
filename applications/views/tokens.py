"""The park's API tokens page: an applicant creates tokens for the park's energy-carbon
management platform (shown once, stored hashed) and revokes them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .. import permissions
from ..kernel import scope, tokens
from ..models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("名称"),
        max_length=100,
        help_text=gettext_lazy("用途或平台名称，便于日后识别，如“园区能碳管理平台（正式）”"),
    )


def _editable_park(request: HttpRequest, park_id: int):
    park = scope.get_park_for_user(request.user, park_id)
    scope.require_park_editor(request.user, park)
    return park


@login_required
def my_tokens(request: HttpRequest) -> HttpResponse:
    if not permissions.may(request.user, "manage_api_tokens"):
        raise Http404
    return redirect("api_tokens", park_id=request.user.park_id)


@never_cache
@login_required
def token_list(request: HttpRequest, park_id: int) -> HttpResponse:
    park = _editable_park(request, park_id)
    issued = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Rendered here rather than after a redirect: the secret must not pass through the
        # session store (the database) on its way to the page.
        try:
            issued = tokens.issue_token(request.user, park, form.cleaned_data["name"])
        except tokens.TokenLimitReached as limit:
            form.add_error(None, str(limit))
        else:
            form = TokenForm()
    return render(
        request,
        "applications/api_tokens.html",
        {
            "park": park,
            "form": form,
            "issued": issued,
            "tokens": tokens.tokens_of(park),
        },
        status=400 if request.method == "POST" and issued is None else 200,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, park_id: int, token_id: int) -> HttpResponse:
    park = _editable_park(request, park_id)
    token = ApiToken.objects.filter(park=park, pk=token_id).select_related("park").first()
    if token is None:
        raise Http404
    tokens.revoke_token(request.user, token)
    messages.success(
        request, _("令牌“%(name)s”已撤销，使用它的调用将被拒绝。") % {"name": token.name}
    )
    return redirect("api_tokens", park_id=park.pk)
