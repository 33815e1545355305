"""With ZCP_S3_* set, evidence, letters, books, dossiers and import previews live in an
S3-compatible bucket, not on this machine's disk: tested against a real server (moto in server
mode, a separate process; tests/object_store.py), through the views."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounting import importers
from applications import health, letters, workflow
from applications.models import Attachment
from tests.applications.builders import PDF_BYTES, complete_application, drive_to, open_batch
from tests.object_store import moto_server, private_storage_settings
from tests.reviews.conftest import add_energy_data
from zcparks.storage import private_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with moto_server(tmp_path_factory.mktemp("moto")) as running:
        yield running


@pytest.fixture(autouse=True)
def _private_files_on_the_store(store, settings):
    settings.STORAGES = {**settings.STORAGES, "private": private_storage_settings(store)}


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_evidence_and_letters_are_stored_in_the_bucket_and_served_from_it(
    client, cast, store, django_capture_on_commit_callbacks, settings
):
    batch = open_batch()
    add_energy_data(cast.park_a, batch.year - 1)
    application = complete_application(cast.park_a, cast.applicant_a, batch)  # 4 evidence files
    evidence = PDF_BYTES + b"% uploaded through the page\n"
    client.force_login(cast.applicant_a)
    page = reverse("application_attachments", args=[application.pk])
    assert (
        client.post(
            page,
            {
                "title": "补充证明",
                "section": "other",
                "file": SimpleUploadedFile("补充.pdf", evidence, content_type="application/pdf"),
            },
        ).status_code
        == 302
    )
    uploaded = Attachment.objects.filter(application=application).latest("pk")
    assert store.read(uploaded.file.name) == evidence
    response = client.get(reverse("application_attachment", args=[application.pk, uploaded.pk]))
    assert response.status_code == 200 and _body(response) == evidence
    application = drive_to(application, "under_national_review", cast)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(cast.national, application, "同意纳入建设名单。")
    letter = application.letters.get(kind="assessment")
    assert letter.is_ready and letter.file.startswith(f"{letters.LETTER_DIR}/")
    stored = store.read(letter.file)
    assert hashlib.sha256(stored).hexdigest() == letter.sha256 and len(stored) == letter.size

    downloaded = _body(client.get(reverse("letter_download", args=[application.pk, letter.pk])))
    assert downloaded == stored and downloaded.startswith(b"%PDF-")
    client.force_login(cast.national)
    dossier = zipfile.ZipFile(
        io.BytesIO(_body(client.get(reverse("application_dossier", args=[application.pk]))))
    )
    assert dossier.read(f"letters/{letter.reference}.pdf") == stored
    assert sum(n.startswith("attachments/") for n in dossier.namelist()) == 5
    # The printed book of the submission was kept in the bucket when the dossier was built.
    submission = application.submissions.latest("number")
    assert f"books/{submission.snapshot_sha256}.pdf" in store.keys("books/")

    keys = store.keys()
    assert uploaded.file.name in keys and letter.file in keys
    assert not [p for p in Path(settings.PRIVATE_STORAGE_ROOT).rglob("*") if p.is_file()]


def test_a_letter_already_in_the_bucket_is_kept_not_rendered_again(
    cast, store, submitted_with_energy, django_capture_on_commit_callbacks
):
    application = submitted_with_energy()
    with django_capture_on_commit_callbacks(execute=False):  # its rendering not run yet
        workflow.approve(cast.national, application, "同意。")
    letter = application.letters.get(kind="assessment")
    # An earlier attempt put the file in place and was lost before marking the row ready (a
    # ready letter can no longer be set back to pending: the database refuses).
    earlier = letters.render_pdf(letter)
    private_storage.save_once(letters.letter_name(letter), earlier)
    assert letters.generate(letter.pk).sha256 == hashlib.sha256(earlier).hexdigest()


def test_import_previews_expire_in_the_bucket_and_the_health_probe_uses_it(store):
    name = importers.upload_name("1-2025", "c" * 64)
    private_storage.save(name, ContentFile(b"{}"))
    assert importers.remove_expired_previews(now=time.time() - 3600) == 0
    assert importers.remove_expired_previews(now=time.time() + 48 * 3600) == 1
    assert store.keys(importers.PREVIEW_DIR) == []
    assert health.check_storage() == {"status": "ok"}
    assert store.keys("health/") == []


def test_the_provinces_construction_plan_is_stored_in_the_bucket_and_served_from_it(
    client, cast, store
):
    from applications import recommendations

    batch = open_batch()
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, batch), "submitted", cast
    )
    plan_bytes = PDF_BYTES + b"% construction plan\n"
    client.force_login(cast.provincial_a)
    page = reverse("province_recommendation", args=[batch.pk])
    data = {
        "park": application.pk,
        f"order_{application.pk}": "1",
        f"reason_{application.pk}": "理由",
        "opinion": "同意推荐",
        "act": "save",
        f"plan_{application.pk}": SimpleUploadedFile("方案.pdf", plan_bytes, "application/pdf"),
    }
    assert client.post(page, data).status_code == 302
    recommendation = recommendations.for_user(cast.provincial_a, batch)
    plan = recommendations.attached_plans(recommendation)[application.pk]
    assert plan.file.name.startswith(f"recommendations/{recommendation.pk}/")
    assert store.read(plan.file.name) == plan_bytes
    client.force_login(cast.national)
    response = client.get(reverse("recommendation_plan", args=[plan.pk]))
    assert response.status_code == 200 and _body(response) == plan_bytes
