"""The application book as a printable 申报书 PDF (WeasyPrint): a cover, a table of contents
with page numbers, every section of the outline as the book displays it, the basic conditions
and the indicators.

What is printed is a submission's frozen snapshot (the latest, or the one asked for); an
application never submitted prints its current draft, marked as such. Everything on it comes
from book.py (labels, 是/否, tables) and the one number format.

A submission does not change, so neither does its book: it is rendered once and kept under
`books/` of the private storage (zcparks/storage.py), named by the snapshot's SHA-256 (the
dossier and every later download read that file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from zcparks.storage import private_storage

from . import letter_content, sections, services, three_years
from .models import Application, Submission


def filename(application: Application, submission: Submission | None) -> str:
    suffix = f"-{submission.number}" if submission else "-draft"
    return f"application-book-{application.pk}{suffix}.pdf"


def context(application: Application, submission: Submission | None) -> dict[str, Any]:
    snapshot = (
        submission.snapshot
        if submission is not None
        else services.build_snapshot(application, timezone.now())
    )
    book_sections = sections.displayed(snapshot.get("sections") or {})
    calculations = sorted(
        (c for c in snapshot.get("calculations") or [] if c.get("result")),
        key=lambda c: c["year"],
        reverse=True,
    )
    return {
        "application": application,
        "park": application.park,
        "submission": submission,
        # The city or county as the snapshot froze it (a draft's snapshot is built now).
        "place": services.snapshot_place(snapshot),
        "sections": book_sections,
        "eligibility": letter_content.eligibility_rows(snapshot),
        "three_years": three_years.shown(snapshot.get("three_years")),
        "calculations": [
            {"calc": c, "indicators": letter_content.indicator_rows(c)} for c in calculations
        ],
        "css": (Path(settings.BASE_DIR) / "templates" / "book" / "book.css").read_text(
            encoding="utf-8"
        ),
    }


def render(application: Application, submission: Submission | None) -> bytes:
    from weasyprint import HTML  # heavy; only when a PDF is asked for

    # The book is a record: in the system's language whatever the reader's interface.
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string("book/book.html", context(application, submission))
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def _kept(submission: Submission) -> str:
    """The kept PDF's name in the private storage (zcparks/storage.py)."""
    return f"books/{submission.snapshot_sha256}.pdf"


def pdf(application: Application, submission: Submission | None) -> bytes:
    """The book's PDF: a submission's from the kept file (rendered the first time), a draft's
    rendered each time."""
    if submission is None:
        return render(application, None)
    name = _kept(submission)
    if private_storage.exists(name):
        return private_storage.read(name)
    content = render(application, submission)
    private_storage.save_once(name, content)  # whole or not at all; two writers write the same
    return content
