"""NUL characters: PostgreSQL cannot store them in text or JSON, so input that carries one must be
refused with a message before it reaches the database (it used to be a 500 on PostgreSQL).

These run on SQLite too (the refusal happens before any write); the PostgreSQL run is the one
that would fail without it.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounting import publishing
from accounting.method.case import CaseError, parse_case
from accounting.models import Enterprise, ImportBatch, ParkYear
from applications import workflow
from applications.models import Application, ApplicationEvent, Attachment, Status
from tests.applications.builders import PDF_BYTES, complete_application

NUL = "正常\x00文字"


@pytest.fixture
def submitted(cast) -> Application:
    application = complete_application(cast.park_a, cast.applicant_a)
    workflow.submit(cast.applicant_a, application, declaration=workflow.DECLARATION)
    return Application.objects.get(pk=application.pk)


@pytest.mark.parametrize(
    "data", [{"comment": NUL}, {"comment": "请补充", "section_comment_basic": NUL}]
)
def test_a_review_comment_with_nul_is_refused_with_a_message(client, cast, submitted, data):
    client.force_login(cast.provincial_a)
    events = ApplicationEvent.objects.count()

    response = client.post(
        reverse("application_transition", args=[submitted.pk, "return_for_revision"]),
        {**data, "confirmed_act": "1"},
        follow=True,
    )

    assert response.status_code == 200
    assert "无效字符" in response.content.decode()
    assert ApplicationEvent.objects.count() == events
    assert Application.objects.get(pk=submitted.pk).status == Status.SUBMITTED


def test_nul_in_a_section_text_is_refused_on_its_field(client, cast) -> None:
    application = complete_application(cast.park_a, cast.applicant_a)
    client.force_login(cast.applicant_a)
    url = reverse("application_section", args=[application.pk, "basic"])

    response = client.post(url, {"zone_level": "national_zone", "builder": NUL})

    assert response.status_code == 200
    assert response.context["form"].errors["builder"]
    assert Application.objects.get(pk=application.pk).data["basic"]["builder"] != NUL


def test_nul_in_an_evidence_file_name_does_not_break_the_upload(client, cast) -> None:
    application = complete_application(cast.park_a, cast.applicant_a)
    client.force_login(cast.applicant_a)
    before = Attachment.objects.count()
    upload = SimpleUploadedFile("证明\x00.pdf", PDF_BYTES)

    response = client.post(
        reverse("application_attachments", args=[application.pk]),
        {"title": "证明", "section": "other", "file": upload},
    )

    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert "\x00" not in Attachment.objects.latest("pk").original_name
    else:
        assert Attachment.objects.count() == before


def test_the_engine_refuses_nul_in_a_text_naming_the_field() -> None:
    case = {
        "schema": "zcp-case/1",
        "park": {"name": "园区"},
        "year": 2025,
        "factor_set": "ZCP-2025-trial",
        "fuels": [{"enterprise": NUL, "fuel": "diesel", "use": "end_use", "quantity": 1}],
    }

    with pytest.raises(CaseError) as caught:
        parse_case(case)

    assert str(caught.value) == "fuels[0].enterprise: must not contain NUL characters"


def _upload(client, park, name: str, content: bytes):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse("accounting:upload", args=[park.pk, 2025]), {"file": file})


def _csv_zip(text: str) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("企业.csv", text)
    return archive.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        (
            "case.json",
            json.dumps(
                {
                    "schema": "zcp-case/1",
                    "park": {"name": "园区"},
                    "year": 2025,
                    "factor_set": "ZCP-2025-trial",
                    "fuels": [
                        {"enterprise": NUL, "fuel": "diesel", "use": "end_use", "quantity": 1}
                    ],
                }
            ).encode(),
            "NUL",
        ),
        ("data.zip", _csv_zip(f"企业名称,统一社会信用代码,所属行业\n{NUL},,\n"), "空字符"),
    ],
)
def test_an_import_carrying_nul_is_refused_and_writes_nothing(client, cast, name, content, words):
    publishing.load_bundled_factor_sets()
    client.force_login(cast.applicant_a)
    before = (ParkYear.objects.count(), Enterprise.objects.count(), ImportBatch.objects.count())

    response = _upload(client, cast.park_a, name, content)

    assert response.status_code == 400
    assert words in " ".join(str(e) for e in response.context["errors"])
    assert (
        ParkYear.objects.count(),
        Enterprise.objects.count(),
        ImportBatch.objects.count(),
    ) == before
