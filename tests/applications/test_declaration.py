"""The declaration (承诺书): no submission without it; it is stored, word for word, with the
submission, and shown on the submission page and in the dossier."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from applications import workflow
from applications.models import DECLARATION, Application, ApplicationEvent, Submission

from .builders import complete_application, open_batch


@pytest.fixture
def draft(cast) -> Application:
    return complete_application(cast.park_a, cast.applicant_a, open_batch())


@pytest.mark.parametrize("declaration", ["", "我承诺", DECLARATION[:-1]])
def test_a_submission_without_the_declaration_is_refused_and_nothing_is_written(
    cast, draft, declaration
):
    with pytest.raises(workflow.DeclarationRequired) as refused:
        workflow.submit(cast.applicant_a, draft, declaration=declaration)
    assert "承诺书" in refused.value.message
    assert Application.objects.get(pk=draft.pk).status == "draft"
    assert not Submission.objects.exists() and not ApplicationEvent.objects.exists()


def test_the_declaration_is_stored_with_the_submission(cast, draft):
    event = workflow.submit(cast.applicant_a, draft, declaration=DECLARATION)
    assert event.submission.declaration == DECLARATION
    assert "真实、准确、完整" in DECLARATION


def test_a_submit_confirmed_without_ticking_the_declaration_asks_again(client, cast, draft):
    client.force_login(cast.applicant_a)
    url = reverse("application_transition", args=[draft.pk, "submit"])

    response = client.post(url, {"confirmed_act": "1"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="declaration-missing"' in page
    assert DECLARATION in page and 'name="declaration"' in page
    assert Application.objects.get(pk=draft.pk).status == "draft"
    assert not Submission.objects.exists()


def test_the_submit_confirmation_shows_the_declaration_to_tick(client, cast, draft):
    client.force_login(cast.applicant_a)
    detail = client.get(reverse("application_detail", args=[draft.pk])).content.decode()
    assert DECLARATION in detail  # in the dialog
    page = client.post(reverse("application_transition", args=[draft.pk, "submit"]))
    assert DECLARATION in page.content.decode()
    assert 'data-testid="declaration-missing"' not in page.content.decode()


def test_the_ticked_declaration_is_shown_on_the_submission_page_and_in_the_dossier(
    client, cast, draft
):
    client.force_login(cast.applicant_a)
    client.post(
        reverse("application_transition", args=[draft.pk, "submit"]),
        {"confirmed_act": "1", "declaration": "1"},
    )
    submission = Submission.objects.get(application=draft)
    assert submission.declaration == DECLARATION

    page = client.get(reverse("application_submission", args=[draft.pk, 1])).content.decode()
    assert 'data-testid="submission-declaration"' in page and DECLARATION in page

    response = client.get(reverse("application_dossier", args=[draft.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    stored = json.loads(archive.read("submissions/1.json"))
    assert stored["declaration"] == DECLARATION


def test_a_submission_from_before_declarations_says_none_was_asked(client, cast, draft):
    event = workflow.submit(cast.applicant_a, draft, declaration=DECLARATION)
    # A submission as they were made before: the record itself cannot be changed afterwards.
    legacy = Submission.objects.create(
        application=draft,
        number=2,
        submitted_by=cast.applicant_a,
        submitted_at=event.submission.submitted_at,
        snapshot=event.submission.snapshot,
        snapshot_sha256=event.submission.snapshot_sha256,
    )
    client.force_login(cast.applicant_a)
    page = client.get(
        reverse("application_submission", args=[draft.pk, legacy.number])
    ).content.decode()
    assert "该次提交时系统尚未要求承诺书。" in page
