"""Letter download, retry and reissue; the dossier download. Access: whoever may see the
application (access.get_application_for_user), otherwise 404; retry and reissue as the permission
table says."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
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
    return FileResponse(handle, as_attachment=True, filename=f"{letter.reference}.pdf",
                        content_type="application/pdf")


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


@login_required
@require_POST
def letter_reissue(request: HttpRequest, pk: int, letter_id: int) -> HttpResponse:
    letter = _letter(request, pk, letter_id)
    try:
        effects.reissue_letter(request.user, letter)
    except letters.LetterError as error:
        messages.error(request, str(error))
    return _back(request, letter)


@login_required
@cache_control(private=True, no_store=True)
def dossier_download(request: HttpRequest, pk: int) -> FileResponse:
    application = access.get_application_for_user(request.user, pk)
    handle = dossier.build(request.user, application)
    return FileResponse(handle, as_attachment=True, content_type="application/zip",
                        filename=dossier.filename(application))
