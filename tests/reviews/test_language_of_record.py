"""What the system records and sends is in its own language (Chinese) whatever the language of
the interface the person acting uses: the submission snapshot, the letters and the mail."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core import mail
from django.utils import translation
from pypdf import PdfReader

from applications import workflow

pytestmark = pytest.mark.django_db


def test_acting_from_the_english_interface_records_and_sends_chinese(
    cast, submitted_with_energy, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with translation.override("en"):
        application = submitted_with_energy()
        with django_capture_on_commit_callbacks(execute=True):
            workflow.approve(cast.national, application, "同意纳入建设名单。")
    snapshot = application.submissions.last().snapshot
    assert {row["title"] for row in snapshot["eligibility"]} >= {"建设主体", "安全环境记录"}
    letter = application.letters.get(kind="assessment")
    assert letter.decision == "同意纳入国家级零碳园区建设名单"
    path = Path(settings.PRIVATE_STORAGE_ROOT) / letter.file
    text = "".join(page.extract_text() for page in PdfReader(str(path)).pages)
    assert "评审意见书" in text and "Assessment letter" not in text
    assert mail.outbox and all(m.subject.startswith("【零碳园区申报】") for m in mail.outbox)
