"""History: the transition log and submitted versions are append-only; edits to application and
accounting data are recorded with who made them."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounting import publishing
from accounting.models import (
    CalculationRun,
    Enterprise,
    FactorSetVersion,
    FuelRecord,
    GuidingInputs,
)
from applications import workflow
from applications.models import (
    Application,
    ApplicationEvent,
    Attachment,
    Batch,
    EventAction,
    ImmutableRecord,
    Incident,
    Status,
    Submission,
)
from tests.applications.builders import PDF_BYTES, SECTION_CONTENT, complete_application


@pytest.fixture
def application(cast) -> Application:
    batch = Batch.objects.create(
        name="2025年第一批", year=2025, deadline=timezone.now() + timedelta(days=30)
    )
    return Application.objects.create(park=cast.park_a, batch=batch, created_by=cast.applicant_a)


@pytest.fixture
def event(application, cast) -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        actor=cast.applicant_a,
        action=EventAction.SUBMIT,
        from_status=Status.DRAFT,
        to_status=Status.SUBMITTED,
        comment="首次提交",
    )


def _stored(event: ApplicationEvent) -> tuple:
    return ApplicationEvent.objects.filter(pk=event.pk).values_list("comment", "to_status").get()


def test_a_saved_event_cannot_be_changed_through_the_model(event) -> None:
    event.comment = "改过的意见"

    with pytest.raises(ImmutableRecord):
        event.save()

    assert _stored(event) == ("首次提交", Status.SUBMITTED)


def test_a_saved_event_cannot_be_deleted_through_the_model(event) -> None:
    with pytest.raises(ImmutableRecord):
        event.delete()

    assert ApplicationEvent.objects.filter(pk=event.pk).exists()


def test_events_cannot_be_changed_through_a_queryset_update(event) -> None:
    with pytest.raises(ImmutableRecord):
        ApplicationEvent.objects.filter(pk=event.pk).update(to_status=Status.APPROVED)
    with pytest.raises(ImmutableRecord):
        ApplicationEvent.objects.all().update(comment="")

    assert _stored(event) == ("首次提交", Status.SUBMITTED)


def test_events_cannot_be_deleted_through_a_queryset(event) -> None:
    with pytest.raises(ImmutableRecord):
        ApplicationEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(ImmutableRecord):
        ApplicationEvent.objects.all().delete()
    with pytest.raises(ImmutableRecord):
        event.application.events.all().delete()

    assert ApplicationEvent.objects.count() == 1


def test_an_events_bulk_update_is_refused(event) -> None:
    event.comment = "改过的意见"

    # bulk_update runs in an atomic block without a savepoint: give it its own.
    with pytest.raises(ImmutableRecord), transaction.atomic():
        ApplicationEvent.objects.bulk_update([event], ["comment"])

    assert _stored(event) == ("首次提交", Status.SUBMITTED)


def test_a_submitted_version_cannot_be_changed_or_deleted(application, cast) -> None:
    submission = Submission.objects.create(
        application=application,
        number=1,
        submitted_by=cast.applicant_a,
        submitted_at=timezone.now(),
        snapshot={"data": {"overview": "原文"}},
        snapshot_sha256="0" * 64,
    )
    submission.snapshot = {"data": {"overview": "篡改"}}

    with pytest.raises(ImmutableRecord):
        submission.save()
    with pytest.raises(ImmutableRecord):
        submission.delete()
    with pytest.raises(ImmutableRecord):
        Submission.objects.filter(pk=submission.pk).update(snapshot={})
    with pytest.raises(ImmutableRecord):
        Submission.objects.filter(pk=submission.pk).delete()

    assert Submission.objects.get(pk=submission.pk).snapshot == {"data": {"overview": "原文"}}


# --- who changed what ----------------------------------------------------------------------------


def _latest(history):
    return history.order_by("-history_date", "-history_id").first()


def _changed_fields(record) -> set[str]:
    previous = record.prev_record
    return {change.field for change in record.diff_against(previous).changes}


@pytest.fixture
def draft(cast) -> Application:
    return complete_application(cast.park_a, cast.applicant_a)


@pytest.fixture
def applicant(client, cast):
    client.force_login(cast.applicant_a)
    return client


def test_a_section_edit_through_the_page_records_who_changed_what(applicant, draft, cast):
    url = reverse("application_section", args=[draft.pk, "basic"])
    content = {**SECTION_CONTENT["basic"], "builder": "新的建设主体"}

    assert applicant.post(url, content).status_code == 302

    record = _latest(draft.history)
    assert record.history_type == "~"
    assert record.history_user == cast.applicant_a
    assert "data" in _changed_fields(record)
    assert record.prev_record.data["basic"]["builder"] == SECTION_CONTENT["basic"]["builder"]
    assert record.data["basic"]["builder"] == "新的建设主体"


def test_a_boundary_edit_records_the_changed_sides(applicant, draft, cast) -> None:
    url = reverse("application_boundary", args=[draft.pk])
    response = applicant.post(
        url,
        {
            "scope": "whole",
            "management_body": draft.management_body,
            "boundary_east": "新东路",
            "boundary_south": draft.boundary_south,
            "boundary_west": draft.boundary_west,
            "boundary_north": draft.boundary_north,
            "boundary_geojson": json.dumps(draft.boundary_geojson),
        },
    )
    assert response.status_code == 302

    record = _latest(draft.history)
    assert record.history_user == cast.applicant_a
    assert "boundary_east" in _changed_fields(record)
    assert (record.prev_record.boundary_east, record.boundary_east) == ("东环路", "新东路")


def test_a_review_decision_records_the_reviewer_and_the_status(client, draft, cast) -> None:
    workflow.submit(cast.applicant_a, draft, declaration=workflow.DECLARATION)
    client.force_login(cast.provincial_a)

    client.post(
        reverse("application_transition", args=[draft.pk, "return_for_revision"]),
        {"comment": "请补充", "confirmed_act": "1"},
    )

    record = _latest(draft.history)
    assert record.history_user == cast.provincial_a
    assert (record.prev_record.status, record.status) == (Status.SUBMITTED, Status.RETURNED)


def test_incidents_added_and_removed_through_the_page_keep_their_history(applicant, draft, cast):
    url = reverse("application_incidents", args=[draft.pk])
    applicant.post(
        url,
        {
            "occurred_on": "2024-03-01",
            "kind": "safety",
            "severity": "general",
            "description": "叉车碰撞，无人员伤亡",
        },
    )
    incident = Incident.objects.get(application=draft)

    applicant.post(reverse("application_incident_delete", args=[draft.pk, incident.pk]))

    assert not Incident.objects.filter(pk=incident.pk).exists()
    records = list(Incident.history.filter(id=incident.pk).order_by("history_date"))
    assert [r.history_type for r in records] == ["+", "-"]
    assert {r.history_user for r in records} == {cast.applicant_a}
    assert records[-1].description == "叉车碰撞，无人员伤亡"


def test_an_evidence_upload_and_removal_record_the_file_metadata(applicant, draft, cast) -> None:
    url = reverse("application_attachments", args=[draft.pk])
    upload = SimpleUploadedFile("规划批复.pdf", PDF_BYTES)
    applicant.post(url, {"title": "规划批复", "section": "builder", "file": upload})
    attachment = Attachment.objects.get(application=draft, title="规划批复")

    applicant.post(reverse("application_attachment_delete", args=[draft.pk, attachment.pk]))

    records = list(Attachment.history.filter(id=attachment.pk).order_by("history_date"))
    assert [r.history_type for r in records] == ["+", "-"]
    assert {r.history_user for r in records} == {cast.applicant_a}
    assert (records[0].original_name, records[0].sha256) == ("规划批复.pdf", attachment.sha256)


def _post_rows(client, park, kind: str, rows: list[dict], initial: int = 0):
    data = {f"{kind}-TOTAL_FORMS": str(len(rows)), f"{kind}-INITIAL_FORMS": str(initial)}
    for i, row in enumerate(rows):
        data.update({f"{kind}-{i}-{k}": v for k, v in row.items()})
    response = client.post(reverse("accounting:records", args=[park.pk, 2025, kind]), data)
    assert response.status_code == 302, response.context and response.context.get("error_list")


def test_an_energy_record_edit_through_the_form_records_who_changed_the_quantity(applicant, cast):
    publishing.load_bundled_factor_sets()
    park = cast.park_a
    _post_rows(applicant, park, "enterprises", [{"name": "甲公司"}])
    enterprise = Enterprise.objects.get(name="甲公司")
    _post_rows(
        applicant,
        park,
        "fuels",
        [
            {
                "enterprise": enterprise.pk,
                "month": "1",
                "fuel": "diesel",
                "use": "end_use",
                "quantity": "100",
            }
        ],
    )
    fuel = FuelRecord.objects.get()

    _post_rows(
        applicant,
        park,
        "fuels",
        [
            {
                "id": fuel.pk,
                "enterprise": enterprise.pk,
                "month": "1",
                "fuel": "diesel",
                "use": "end_use",
                "quantity": "120.5",
            }
        ],
        initial=1,
    )
    _post_rows(
        applicant,
        park,
        "fuels",
        [
            {
                "id": fuel.pk,
                "enterprise": enterprise.pk,
                "month": "1",
                "fuel": "diesel",
                "use": "end_use",
                "quantity": "120.5",
                "DELETE": "on",
            }
        ],
        initial=1,
    )

    records = list(FuelRecord.history.filter(id=fuel.pk).order_by("history_date"))
    assert [r.history_type for r in records] == ["+", "~", "-"]
    assert {r.history_user for r in records} == {cast.applicant_a}
    change = records[1].diff_against(records[0]).changes
    assert [(c.field, c.old, c.new) for c in change] == [
        ("quantity", Decimal("100"), Decimal("120.5"))
    ]
    assert _latest(Enterprise.history).history_user == cast.applicant_a


def test_a_guiding_inputs_edit_records_who_changed_it(applicant, cast) -> None:
    publishing.load_bundled_factor_sets()
    url = reverse("accounting:guiding", args=[cast.park_a.pk, 2025])
    applicant.post(url, {"solid_waste_generated_t": "100", "solid_waste_utilized_t": "80"})
    applicant.post(url, {"solid_waste_generated_t": "100", "solid_waste_utilized_t": "90"})

    record = _latest(GuidingInputs.history)
    assert record.history_user == cast.applicant_a
    assert "solid_waste_utilized_t" in _changed_fields(record)


def test_logs_and_published_reference_data_have_no_editable_history_copy() -> None:
    # The event log is itself the history; runs and factor sets are immutable records.
    for model in (ApplicationEvent, Submission, CalculationRun, FactorSetVersion):
        assert not hasattr(model, "history"), model
