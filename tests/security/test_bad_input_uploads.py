"""Hostile evidence uploads and boundary files: a message on the field, no row, no file on disk,
never a 500."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from applications import evidence, services
from applications.models import Application, Attachment, Batch

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXECUTABLES = {
    "windows.pdf": b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"PE\x00\x00",
    "linux.pdf": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56,
    "macos.png": b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 24,
    "script.jpg": b"#!/bin/sh\nrm -rf /\n",
}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 4, height: int = 4) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (0, 128, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def png_bomb() -> bytes:
    """A few hundred bytes that claim a 100,000 × 100,000 image (10^10 pixels)."""
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b""))
        + _chunk(b"IEND", b"")
    )


@pytest.fixture
def application(cast) -> Application:
    now = timezone.now()
    batch = Batch.objects.create(
        name="2025年第一批",
        year=2025,
        opens_at=now - timedelta(days=1),
        deadline=now + timedelta(days=30),
    )
    return services.start_application(cast.applicant_a, batch)


@pytest.fixture
def applicant(client, cast):
    client.force_login(cast.applicant_a)
    return client


def _stored_files(settings) -> list[Path]:
    root = Path(settings.PRIVATE_STORAGE_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _upload(client, application, name: str, content: bytes, title: str = "证明材料"):
    url = reverse("application_attachments", args=[application.pk])
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(url, {"title": title, "section": "other", "file": upload})


def _field_errors(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


@pytest.mark.parametrize("name", EXECUTABLES)
def test_an_executable_named_like_a_document_is_refused_on_the_file_field(
    applicant, application, settings, name
) -> None:
    response = _upload(applicant, application, name, EXECUTABLES[name])

    assert response.status_code == 200
    assert any("可执行程序" in e and name in e for e in _field_errors(response, "file"))
    assert Attachment.objects.count() == 0
    assert _stored_files(settings) == []


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("fake.pdf", b"just some text, not a PDF", "不是 PDF、PNG 或 JPEG"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "不是 PDF、PNG 或 JPEG"),
        ("sheet.pdf", b"PK\x03\x04" + b"\x00" * 40, "不是 PDF、PNG 或 JPEG"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "不是有效的图片"),
        ("broken.jpg", b"\xff\xd8\xff" + b"\x00" * 30, "不是有效的图片"),
        ("truncated.png", png()[:40], "不是有效的图片"),
        ("bomb.png", png_bomb(), "图片"),
        # IHDR declaring length 0: Pillow raises ValueError("Truncated IHDR chunk").
        ("zero-header.png", png()[:8] + b"\x00\x00\x00\x00" + png()[12:], "不是有效的图片"),
    ],
)
def test_a_file_whose_content_is_not_what_it_claims_is_refused(
    applicant, application, settings, name, content, words
) -> None:
    response = _upload(applicant, application, name, content)

    assert response.status_code == 200
    assert any(words in e for e in _field_errors(response, "file")), _field_errors(response, "file")
    assert Attachment.objects.count() == 0
    assert _stored_files(settings) == []


def test_an_empty_file_is_refused_on_the_file_field(applicant, application, settings) -> None:
    response = _upload(applicant, application, "empty.pdf", b"")

    assert response.status_code == 200
    assert _field_errors(response, "file")
    assert Attachment.objects.count() == 0


def test_an_oversized_file_is_refused_with_the_limit(applicant, application, settings) -> None:
    settings.ZCP_MAX_ATTACHMENT_BYTES = 1024
    response = _upload(applicant, application, "big.pdf", PDF + b"0" * 2048)

    assert response.status_code == 200
    assert any("过大" in e and "1024" in e for e in _field_errors(response, "file"))
    assert Attachment.objects.count() == 0
    assert _stored_files(settings) == []


def test_a_missing_or_overlong_title_is_refused_on_the_title_field(applicant, application):
    for title in ("", "   ", "长" * 201):
        response = _upload(applicant, application, "ok.pdf", PDF, title=title)
        assert response.status_code == 200
        assert _field_errors(response, "title")
    assert Attachment.objects.count() == 0


def test_an_unknown_section_is_refused_on_the_section_field(applicant, application) -> None:
    url = reverse("application_attachments", args=[application.pk])
    upload = SimpleUploadedFile("ok.pdf", PDF)

    response = applicant.post(url, {"title": "材料", "section": "../../etc", "file": upload})

    assert response.status_code == 200
    assert _field_errors(response, "section")
    assert Attachment.objects.count() == 0


def test_a_real_pdf_and_png_are_accepted(applicant, application, settings) -> None:
    assert _upload(applicant, application, "a.pdf", PDF).status_code == 302
    assert _upload(applicant, application, "b.png", png()).status_code == 302

    assert Attachment.objects.count() == 2
    assert len(_stored_files(settings)) == 2


magic = st.sampled_from([b"", b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"MZ", b"GIF89a"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=magic, body=st.binary(max_size=300), cut=st.integers(0, 400))
def test_any_bytes_are_accepted_or_refused_with_a_message(prefix, body, cut) -> None:
    # Mutated real images too: a valid PNG cut short or with bytes flipped in the middle.
    for content in (prefix + body, png()[:cut] + body[:8], png()[:cut] + png()[cut + 8 :]):
        try:
            checked = evidence.check_file("x", content)
        except evidence.EvidenceError as error:
            assert str(error)
        else:
            assert checked.content_type in {evidence.PDF, evidence.PNG, evidence.JPEG}
            assert not content.startswith((b"MZ", b"\x7fELF", b"#!"))


@pytest.mark.parametrize(
    "geojson",
    [
        "{not json",
        '{"type":"Polygon","coordinates":[[[120,31],[120.1,31.1],[120.1,31],[120,31.1],[120,31]]]}',
        '{"type":"Polygon","coordinates":[[[120,31],[NaN,31],[120.1,31.1],[120,31]]]}',
        "[" * 50_000 + "]" * 50_000,
    ],
)
def test_a_broken_boundary_file_is_refused_on_its_field_and_nothing_is_saved(
    applicant, application, geojson
) -> None:
    url = reverse("application_boundary", args=[application.pk])
    upload = SimpleUploadedFile("boundary.geojson", geojson.encode())

    response = applicant.post(
        url, {"scope": "whole", "boundary_east": "东环路", "geojson_file": upload}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["geojson_file"]
    application.refresh_from_db()
    assert application.boundary_geojson is None
    assert application.boundary_east == ""  # nothing half-written: the sides are not saved either


def test_a_boundary_file_that_is_not_utf8_is_refused(applicant, application) -> None:
    url = reverse("application_boundary", args=[application.pk])
    upload = SimpleUploadedFile("boundary.geojson", "{'边界'}".encode("gb18030") + b"\xff\xfe")

    response = applicant.post(url, {"scope": "whole", "geojson_file": upload})

    assert response.status_code == 200
    assert any("UTF-8" in e for e in response.context["form"].errors["geojson_file"])
