"""Evidence files: checked by content, size-limited, private, served only within scope."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import evidence, services
from applications.models import Attachment

from .builders import PDF_BYTES, open_batch, png_bytes

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


@pytest.fixture
def draft(cast):
    return services.start_application(cast.applicant_a, open_batch())


def _upload(client, app, name, content, section="other"):
    return client.post(
        reverse("application_attachments", args=[app.pk]),
        {
            "title": "证明",
            "section": section,
            "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
        },
    )


def test_an_executable_renamed_to_pdf_is_refused(client, cast, draft):
    client.force_login(cast.applicant_a)
    response = _upload(client, draft, "report.pdf", EXE)
    assert response.status_code == 200
    assert "可执行程序" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_text_file_renamed_to_pdf_is_refused(cast, draft):
    with pytest.raises(evidence.EvidenceError, match="不是 PDF、PNG 或 JPEG"):
        services.add_attachment(
            draft, cast.applicant_a, name="a.pdf", content=b"hello %PDF-", title="x"
        )


def test_a_broken_png_is_refused_by_pillow(cast, draft):
    broken = png_bytes()[:30]
    with pytest.raises(evidence.EvidenceError, match="不是有效的图片"):
        services.add_attachment(draft, cast.applicant_a, name="a.png", content=broken, title="x")


def test_an_oversize_file_is_refused_and_nothing_is_stored(client, cast, draft, settings):
    settings.ZCP_MAX_ATTACHMENT_BYTES = 1024
    client.force_login(cast.applicant_a)
    response = _upload(client, draft, "big.pdf", PDF_BYTES + b"0" * 2000)
    assert "过大" in response.content.decode()
    assert not Attachment.objects.exists()
    assert not any(Path(settings.PRIVATE_STORAGE_ROOT).rglob("*.pdf"))


def test_a_pdf_and_a_png_are_stored_privately_with_their_hash(client, cast, draft, settings):
    client.force_login(cast.applicant_a)
    assert _upload(client, draft, "a.pdf", PDF_BYTES).status_code == 302
    assert _upload(client, draft, "photo.png", png_bytes()).status_code == 302
    pdf, png = Attachment.objects.order_by("pk")
    assert (pdf.content_type, png.content_type) == ("application/pdf", "image/png")
    import hashlib

    assert pdf.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    stored = Path(pdf.file.path)
    assert stored.is_relative_to(Path(settings.PRIVATE_STORAGE_ROOT))
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT))
    assert "a.pdf" not in stored.name


def test_the_file_is_served_as_a_download_with_nosniff(client, cast, draft):
    attachment = services.add_attachment(
        draft, cast.applicant_a, name="a.pdf", content=PDF_BYTES, title="x"
    )
    client.force_login(cast.applicant_a)
    response = client.get(reverse("application_attachment", args=[draft.pk, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF_BYTES


@pytest.mark.parametrize("who", ["applicant_b", "applicant_c", "provincial_other", "national"])
def test_users_outside_the_applications_scope_get_404_for_the_file(client, cast, draft, who):
    attachment = services.add_attachment(
        draft, cast.applicant_a, name="a.pdf", content=PDF_BYTES, title="x"
    )
    client.force_login(getattr(cast, who))
    response = client.get(reverse("application_attachment", args=[draft.pk, attachment.pk]))
    assert response.status_code == 404


def test_anonymous_users_are_sent_to_login_for_the_file(client, cast, draft):
    attachment = services.add_attachment(
        draft, cast.applicant_a, name="a.pdf", content=PDF_BYTES, title="x"
    )
    response = client.get(reverse("application_attachment", args=[draft.pk, attachment.pk]))
    assert response.status_code == 302 and "login" in response.url
