"""Files leave the system under names made from their checked type and a safe stem.

An uploader's name (`report.hta`, `scan.pdf.lnk`, a `.bat` whose content starts with %PDF-) is
never the name of a dossier entry or a download, which a reviewer's desktop might run; it is kept
only as text in the dossier's attachments.json.
"""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Application, Attachment
from tests.applications.builders import PDF_BYTES, complete_application, png_bytes

HOSTILE_NAMES = {
    "report.hta": PDF_BYTES,
    "scan.pdf.lnk": PDF_BYTES,
    "run.bat": PDF_BYTES + b"\r\n@echo off\r\n",
    "照片.jpg.scr": png_bytes(),
    "invoice\u202efdp.exe": PDF_BYTES,  # shows as "invoiceexe.pdf" with the right-to-left mark
    '..\\..\\Startup\\a".pdf.cmd': PDF_BYTES,
}
SAFE_ENTRY = re.compile(r"attachments/evidence-\d+\.(pdf|png|jpg)")


@pytest.fixture
def uploaded(client, cast) -> tuple[Application, dict[str, Attachment]]:
    application = complete_application(cast.park_a, cast.applicant_a)
    client.force_login(cast.applicant_a)
    stored = {}
    for name, content in HOSTILE_NAMES.items():
        response = client.post(
            reverse("application_attachments", args=[application.pk]),
            {"title": "证明材料", "section": "other", "file": SimpleUploadedFile(name, content)},
        )
        assert response.status_code == 302, name
        stored[name] = Attachment.objects.latest("pk")
    return application, stored


def test_dossier_entries_are_named_by_checked_type_and_the_manifest_keeps_the_names(
    client, cast, uploaded
):
    application, stored = uploaded
    client.force_login(cast.applicant_a)

    response = client.get(reverse("application_dossier", args=[application.pk]))

    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    entries = [n for n in archive.namelist() if n.startswith("attachments/")]
    assert entries and all(SAFE_ENTRY.fullmatch(n) for n in entries), entries
    for name in archive.namelist():
        assert not re.search(r"\.(hta|lnk|bat|scr|exe|cmd)\b|\.\.|\\|\u202e", name), name
    manifest = {item["file"]: item for item in json.loads(archive.read("attachments.json"))}
    assert set(manifest) == set(entries)
    for name, attachment in stored.items():
        extension = "png" if name == "照片.jpg.scr" else "pdf"
        entry = manifest[f"attachments/evidence-{attachment.pk}.{extension}"]
        assert entry["original_name"] == attachment.original_name
        assert entry["content_type"] == attachment.content_type
        assert archive.read(entry["file"]) == HOSTILE_NAMES[name]
    assert stored["run.bat"].original_name == "run.bat"  # kept as the uploader wrote it


def test_an_evidence_download_is_named_by_its_checked_type(client, cast, uploaded):
    application, stored = uploaded
    client.force_login(cast.applicant_a)
    for name, attachment in stored.items():
        response = client.get(
            reverse("application_attachment", args=[application.pk, attachment.pk])
        )

        extension = "png" if name == "照片.jpg.scr" else "pdf"
        assert response["Content-Disposition"] == (
            f'attachment; filename="evidence-{attachment.pk}.{extension}"'
        )
        assert response["Content-Type"] == attachment.content_type
        assert response["X-Content-Type-Options"] == "nosniff"
