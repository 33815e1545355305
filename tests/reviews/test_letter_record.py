"""A letter is a record: what it states is frozen at issue (Letter.content), a reissue states
the same with its reason and what it replaces, only the issuing side reissues, and on
PostgreSQL the database refuses to change issued letters, submissions and events."""

from __future__ import annotations

import pypdf
import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from applications import effects, letter_content, letters, workflow
from applications.models import Letter, LetterKind, Park, ReviewComment
from tests.applications.builders import (
    answer_return,
    complete_application,
    drive_to,
    open_batch,
)

pytestmark = pytest.mark.django_db

STATED = (
    "kind",
    "title",
    "issuer",
    "decision",
    "park",
    "batch",
    "submission",
    "eligibility",
    "calculation",
    "indicators",
    "comment",
    "section_comments",
    "comments",
)


def _pdf_text(letter: Letter) -> str:
    with letters.open_pdf(letter) as handle:
        return "".join(page.extract_text() for page in pypdf.PdfReader(handle).pages)


def test_renaming_the_park_and_commenting_after_issue_change_neither_the_verification_page_nor_a_reissue(  # noqa: E501
    client, cast, approved_letter, django_capture_on_commit_callbacks
):
    stated = {key: approved_letter.content[key] for key in STATED}
    assert stated["park"]["name"] == "甲园区"
    assert approved_letter.content_version == letter_content.CONTENT_VERSION
    Park.objects.filter(pk=cast.park_a.pk).update(name="改名后的园区")
    # (after approval the page no longer takes comments: written straight into the table)
    ReviewComment.objects.create(
        application=approved_letter.application,
        author=cast.national,
        text="出具之后才写的意见",
        visibility="public",
    )

    page = client.get(reverse("letter_verify", args=[approved_letter.verification_code]))
    text = page.content.decode()
    assert "甲园区" in text and "改名后的园区" not in text

    with django_capture_on_commit_callbacks(execute=True):
        new = effects.reissue_letter(cast.national, approved_letter, "更正送达单位")
    new.refresh_from_db()
    assert {key: new.content[key] for key in STATED} == stated
    assert new.content["replaces"]["reference"] == approved_letter.reference
    assert new.content["replaces"]["reason"] == "更正送达单位"
    pdf = _pdf_text(new)
    assert "甲园区" in pdf and "改名后的园区" not in pdf and "出具之后才写的意见" not in pdf
    assert approved_letter.reference in pdf and "更正送达单位" in pdf

    old_page = client.get(reverse("letter_verify", args=[approved_letter.verification_code]))
    assert "已被替代" in old_page.content.decode() and new.reference in old_page.content.decode()
    new_page = client.get(reverse("letter_verify", args=[new.verification_code])).content.decode()
    assert approved_letter.reference in new_page and "更正送达单位" in new_page
    assert "甲园区" in new_page and "改名后的园区" not in new_page


def test_a_reissued_revision_notice_states_the_submission_it_was_written_on(
    cast, django_capture_on_commit_callbacks
):
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), "returned", cast
    )
    notice = application.letters.get(kind=LetterKind.REVISION)
    assert notice.content["submission"]["number"] == 1
    answer_return(application)
    workflow.submit(cast.applicant_a, application, declaration=workflow.DECLARATION)
    with django_capture_on_commit_callbacks(execute=False):
        again = letters.reissue(cast.provincial_a, notice, "更正整改期限")
    assert again.content["submission"]["number"] == 1
    assert again.issuer == notice.issuer == "江苏省发展和改革委员会"


def test_only_the_issuing_side_reissues_a_letter(cast, django_capture_on_commit_callbacks):
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()),
        "under_national_review",
        cast,
    )
    recommendation = application.letters.get(kind=LetterKind.RECOMMENDATION)
    for outsider in (cast.national, cast.admin, cast.provincial_other, cast.applicant_a):
        with pytest.raises(letters.LetterError):
            letters.reissue(outsider, recommendation, "代省里重新出具")
    assert not Letter.objects.filter(replaces=recommendation).exists()
    with pytest.raises(letters.LetterError, match="原因"):
        letters.reissue(cast.provincial_a, recommendation, "  ")
    with django_capture_on_commit_callbacks(execute=False):
        new = letters.reissue(cast.provincial_a, recommendation, "更正推荐顺序")
    assert new.issuer == recommendation.issuer and new.reason == "更正推荐顺序"


def test_the_reissue_page_asks_for_a_reason_before_reissuing(client, cast, approved_letter):
    url = reverse("letter_reissue", args=[approved_letter.application_id, approved_letter.pk])
    client.force_login(cast.national)
    response = client.post(url, {"confirmed_act": "1", "reason": ""})
    assert response.status_code == 200 and "请填写重新出具的原因" in response.content.decode()
    assert not Letter.objects.filter(replaces=approved_letter).exists()


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers are PostgreSQL's"
)


def _refused(sql: str, params: list) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@needs_postgres
def test_the_database_refuses_to_change_or_delete_an_issued_letter(approved_letter):
    pk = approved_letter.pk
    _refused("UPDATE applications_letter SET content = '{}'::jsonb WHERE id = %s", [pk])
    _refused("UPDATE applications_letter SET issuer = 'x' WHERE id = %s", [pk])
    _refused("UPDATE applications_letter SET sha256 = 'x' WHERE id = %s", [pk])
    _refused("DELETE FROM applications_letter WHERE id = %s", [pk])
    with transaction.atomic(), connection.cursor() as cursor:  # its replacement is marked once
        cursor.execute("UPDATE applications_letter SET replaced_at = now() WHERE id = %s", [pk])
    _refused("UPDATE applications_letter SET replaced_at = NULL WHERE id = %s", [pk])
    assert Letter.objects.get(pk=pk).content == approved_letter.content


@needs_postgres
def test_the_database_refuses_to_change_or_delete_submissions_and_events(approved_letter):
    application = approved_letter.application
    submission, event = application.submissions.first(), application.events.first()
    _refused(
        "UPDATE applications_submission SET snapshot = '{}'::jsonb WHERE id = %s", [submission.pk]
    )
    _refused("DELETE FROM applications_submission WHERE id = %s", [submission.pk])
    _refused("UPDATE applications_applicationevent SET comment = 'x' WHERE id = %s", [event.pk])
    _refused("DELETE FROM applications_applicationevent WHERE id = %s", [event.pk])
