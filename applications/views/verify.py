"""The public verification page of a letter: anyone with the code, no login."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..models import Letter


@require_GET
def letter_verify(request: HttpRequest, code: str) -> HttpResponse:
    letter = (Letter.objects.select_related("application__park", "replaced_by")
              .filter(verification_code=code).first())
    if letter is None:
        return render(request, "applications/reviews/verify_unknown.html", {"code": code},
                      status=404)
    # Only what identifies the letter: no comments, scores or indicators.
    return render(request, "applications/reviews/verify.html", {"letter": letter})
