"""The public verification page of a letter: anyone with the code, no login."""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import letters, seals
from ..models import Letter


@require_GET
def letter_verify(request: HttpRequest, code: str) -> HttpResponse:
    letter = (
        Letter.objects.select_related(
            "application__park__province",
            "application__batch",
            "event__submission",
            "replaced_by",
            "replaces",
        )
        .filter(verification_code=code)
        .first()
    )
    if letter is None:
        return render(
            request, "applications/reviews/verify_unknown.html", {"code": code}, status=404
        )
    seal, file_matches = None, None
    if letter.is_ready:
        # The stored file itself is checked on every visit: a file changed on disk after issue
        # shows here as an invalid seal and a digest that no longer matches.
        try:
            with letters.open_pdf(letter) as handle:
                content = handle.read()
        except OSError:
            seal = seals.SealCheck(False, problem="file missing")
        else:
            seal = seals.check(content, letter.issuer)
            file_matches = hashlib.sha256(content).hexdigest() == letter.sha256
    # Only what identifies the letter, as its frozen record states it (never the park's name
    # or decision as they are now): no comments, scores or indicators.
    return render(
        request,
        "applications/reviews/verify.html",
        {
            "letter": letter,
            "record": letters.record(letter),
            "seal": seal,
            "file_matches": file_matches,
        },
    )
