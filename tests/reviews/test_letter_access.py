"""Who may fetch a letter or a dossier, and the public verification page."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from accounting.method.rules import METHOD_VERSION
from applications import effects, letters, reviews
from applications.models import Letter

pytestmark = pytest.mark.django_db


def test_park_downloads_its_own_letter(client, cast, approved_letter):
    client.force_login(cast.applicant_a)
    response = client.get(
        reverse("letter_download", args=[approved_letter.application_id, approved_letter.pk])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_park_cannot_fetch_another_parks_letter(client, cast, approved_letter):
    client.force_login(cast.applicant_b)
    url = reverse("letter_download", args=[approved_letter.application_id, approved_letter.pk])
    assert client.get(url).status_code == 404


def test_letter_id_under_another_application_is_not_found(
    client, cast, approved_letter, submitted_with_energy
):
    other = submitted_with_energy(park=cast.park_b, applicant=cast.applicant_b, status="submitted")
    client.force_login(cast.applicant_b)
    url = reverse("letter_download", args=[other.pk, approved_letter.pk])
    assert client.get(url).status_code == 404


def test_park_cannot_fetch_another_parks_dossier(client, cast, approved_letter):
    client.force_login(cast.applicant_b)
    url = reverse("application_dossier", args=[approved_letter.application_id])
    assert client.get(url).status_code == 404


def test_other_province_cannot_fetch_the_dossier(client, cast, approved_letter):
    client.force_login(cast.provincial_other)
    url = reverse("application_dossier", args=[approved_letter.application_id])
    assert client.get(url).status_code == 404


def _dossier(client, user, application_id) -> zipfile.ZipFile:
    client.force_login(user)
    response = client.get(reverse("application_dossier", args=[application_id]))
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_dossier_holds_snapshot_runs_letters_attachments_and_events(client, cast, approved_letter):
    archive = _dossier(client, cast.national, approved_letter.application_id)
    names = archive.namelist()
    assert "submissions/1.json" in names
    runs = [n for n in names if n.startswith("calculations/run-")]
    assert runs
    for name in runs:  # each run names its method next to its factor set
        run = json.loads(archive.read(name))
        assert run["method_version"] == METHOD_VERSION and run["factor_set_version"] == 3
    assert f"letters/{approved_letter.reference}.pdf" in names
    assert sum(n.startswith("attachments/") for n in names) == 4
    events = json.loads(archive.read("events.json"))
    assert [e["action"] for e in events][-1] == "approve"
    assert archive.read(f"letters/{approved_letter.reference}.pdf").startswith(b"%PDF-")


def test_parks_dossier_leaves_out_internal_comments_and_scores(client, cast, submitted_with_energy):
    application = submitted_with_energy()
    reviews.add_comment(cast.national, application, "内部：产值数据存疑", "internal")
    reviews.add_comment(cast.national, application, "请补充绿电合同", "public")
    reviews.save_score(
        cast.national,
        application,
        {
            "representativeness": 80,
            "demonstration": 70,
            "reduction_potential": 90,
            "feasibility": 60,
        },
    )
    park = json.loads(_dossier(client, cast.applicant_a, application.pk).read("reviews.json"))
    assert [c["text"] for c in park["comments"]] == ["请补充绿电合同"]
    assert "scores" not in park
    staff = json.loads(_dossier(client, cast.national, application.pk).read("reviews.json"))
    assert len(staff["comments"]) == 2 and staff["scores"][0]["weighted_total"] == "78.00"


def test_verification_page_shows_the_letter_without_login(client, approved_letter):
    response = client.get(reverse("letter_verify", args=[approved_letter.verification_code]))
    assert response.status_code == 200
    text = response.content.decode()
    assert approved_letter.reference in text and "甲园区" in text
    assert approved_letter.sha256 in text
    assert "同意纳入" in text
    assert "示范意义突出" not in text  # only reference, park, decision, date and hash


def test_verification_page_says_clearly_that_a_wrong_code_is_unknown(client, approved_letter):
    response = client.get(reverse("letter_verify", args=["not-a-real-code-123"]))
    assert response.status_code == 404
    assert "未找到与该验证码对应的文书" in response.content.decode()


def test_reissue_makes_a_new_letter_and_marks_the_old_one_replaced(
    client, cast, approved_letter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = effects.reissue_letter(cast.national, approved_letter, "原文书附件页码有误")
    new.refresh_from_db()
    old = Letter.objects.get(pk=approved_letter.pk)
    assert new.is_ready and new.replaces_id == old.pk
    assert new.reference != old.reference and new.verification_code != old.verification_code
    assert old.is_replaced and old.sha256 == approved_letter.sha256  # old file untouched
    page = client.get(reverse("letter_verify", args=[old.verification_code])).content.decode()
    assert "已被替代" in page and new.reference in page
    text = "".join(
        p.extract_text() for p in __import__("pypdf").PdfReader(letters.open_pdf(new)).pages
    )
    assert old.reference in text  # the new letter says what it replaces
    assert "原文书附件页码有误" in text  # and why


def test_park_cannot_reissue_a_letter(cast, approved_letter):
    with pytest.raises(letters.LetterError):
        effects.reissue_letter(cast.applicant_a, approved_letter, "改一下")
