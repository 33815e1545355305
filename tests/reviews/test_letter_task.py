"""The rendering task: retried on failure, never leaving a partial or broken PDF behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from applications import letters, workflow
from applications.models import Letter, LetterStatus

pytestmark = pytest.mark.django_db


def _files() -> list[Path]:
    root = Path(settings.PRIVATE_STORAGE_ROOT) / letters.LETTER_DIR
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _approve(cast, application, capture) -> Letter:
    with capture(execute=True):
        workflow.approve(cast.national, application, "同意")
    return Letter.objects.get(application=application, kind="assessment")


def test_a_broken_render_is_retried_and_leaves_no_partial_file(
    cast, submitted_with_energy, django_capture_on_commit_callbacks, monkeypatch
):
    application = submitted_with_energy()
    real = letters.render_pdf
    calls = []

    def flaky(letter):
        calls.append(letter.pk)
        if len(calls) == 1:
            return b"%PDF-1.7\ntruncated"  # starts like a PDF but does not parse
        return real(letter)

    monkeypatch.setattr(letters, "render_pdf", flaky)
    letter = _approve(cast, application, django_capture_on_commit_callbacks)
    assert len(calls) == 2
    assert letter.status == LetterStatus.READY and letter.attempts == 1
    assert [p.name for p in _files()] == [Path(letter.file).name]  # no temp file left
    assert (Path(settings.PRIVATE_STORAGE_ROOT) / letter.file).read_bytes().startswith(b"%PDF-")


def test_a_letter_that_keeps_failing_is_marked_failed_with_no_file_and_can_be_retried(
    client, cast, submitted_with_energy, django_capture_on_commit_callbacks, monkeypatch
):
    application = submitted_with_energy()
    real = letters.render_pdf

    def broken(letter):
        raise RuntimeError("font service down")

    monkeypatch.setattr(letters, "render_pdf", broken)
    letter = _approve(cast, application, django_capture_on_commit_callbacks)
    application.refresh_from_db()
    assert application.status == "approved"  # the decision stands; only the letter failed
    assert letter.attempts == 4  # the first try and three retries
    assert letter.status == LetterStatus.FAILED
    assert "font service down" in letter.error
    assert letter.sha256 == "" and letter.file == ""
    assert _files() == []
    client.force_login(cast.applicant_a)
    download = reverse("letter_download", args=[application.pk, letter.pk])
    assert client.get(download).status_code == 404
    page = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert 'data-letter-status="failed"' in page

    monkeypatch.setattr(letters, "render_pdf", real)
    client.force_login(cast.national)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("letter_retry", args=[application.pk, letter.pk]))
    letter.refresh_from_db()
    assert letter.status == LetterStatus.READY and len(_files()) == 1
