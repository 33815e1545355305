"""Letter download, retry and reissue; the dossier download. Access: whoever may see the
application (access.get_application_for_user), otherwise 404; retry and reissue as the permission
table says."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from .. import access, dossier, effects, letters, permissions
from ..models import Letter


def _letter(request: HttpRequest, pk: int, letter_id: int) -> Letter:
    application = access.get_application_for_user(request.user, pk)
    letter = get_object_or_404(Letter, pk=letter_id, application=application)
    letter.application = application  # already read, within the user's scope
    return letter


# Letters and dossiers name a park's decision: no shared cache or browser cache keeps a copy.
@login_required
@cache_control(private=True, no_store=True)
def letter_download(request: HttpRequest, pk: int, letter_id: int) -> FileResponse:
    letter = _letter(request, pk, letter_id)
    try:
        handle = letters.open_pdf(letter)
    except (letters.LetterError, FileNotFoundError):
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{letter.reference}.pdf",
        content_type="application/pdf",
    )


def _back(request: HttpRequest, letter: Letter) -> HttpResponse:
    if permissions.may(request.user, "open_review", letter.application):
        return redirect("review_detail", pk=letter.application_id)
    return redirect("application_detail", pk=letter.application_id)


@login_required
@require_POST
def letter_retry(request: HttpRequest, pk: int, letter_id: int) -> HttpResponse:
    letter = _letter(request, pk, letter_id)
    if not permissions.may(request.user, "retry_letter", letter.application):
        raise Http404
    try:
        effects.retry_letter(letter)
    except letters.LetterError as error:
        messages.error(request, str(error))
    return _back(request, letter)


REISSUE_LABEL = gettext_lazy("重新出具文书")


@login_required
@require_POST
def letter_reissue(request: HttpRequest, pk: int, letter_id: int) -> HttpResponse:
    """Irreversible like a transition: without confirmed_act=1 (the dialog's button) it only
    asks, on a page that repeats the act and asks for the reason; only the issuing side may."""
    letter = _letter(request, pk, letter_id)
    names = {"kind": letter.get_kind_display(), "reference": letter.reference}
    if not letters.may_reissue(request.user, letter):
        messages.error(
            request,
            _("只有出具单位（%(issuer)s）的评审人员可以重新出具该文书。")
            % {"issuer": letter.issuer},
        )
        return _back(request, letter)
    reason = request.POST.get("reason", "").strip()
    if request.POST.get("confirmed_act") != "1" or not reason:
        return render(
            request,
            "applications/confirm.html",
            {
                "application": letter.application,
                "act_key": "reissue_letter",
                "act_label": REISSUE_LABEL,
                "confirmation": letters.reissue_confirmation(letter),
                "post_url": request.path,
                "back_url": _back(request, letter).url,
                "reason_field": True,
                "reason": reason,
                "reason_missing": request.POST.get("confirmed_act") == "1",
                "reason_max": letters.REASON_MAX_LENGTH,
            },
        )
    try:
        new = effects.reissue_letter(request.user, letter, reason)
    except letters.LetterError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "已重新出具%(kind)s，新文号为%(reference)s，PDF 正在生成，稍后刷新即可下载；"
                "原文书已标记为“已被替代”。"
            )
            % {**names, "reference": new.reference},
        )
    return _back(request, letter)


@login_required
@cache_control(private=True, no_store=True)
def dossier_download(request: HttpRequest, pk: int) -> FileResponse:
    application = access.get_application_for_user(request.user, pk)
    handle = dossier.build(request.user, application)
    return FileResponse(
        handle,
        as_attachment=True,
        content_type="application/zip",
        filename=dossier.filename(application),
    )
