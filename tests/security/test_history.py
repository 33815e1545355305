"""History: the transition log and submitted versions are append-only; edits to application and
accounting data are recorded with who made them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from applications.models import (
    Application,
    ApplicationEvent,
    Batch,
    EventAction,
    ImmutableRecord,
    Status,
    Submission,
)


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
