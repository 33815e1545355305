"""A submitted application's data cannot be changed through any view or service, and reviewers
see exactly the snapshot that was submitted."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import services, workflow
from applications.models import (
    Application,
    ApplicationFrozen,
    Attachment,
    ImmutableRecord,
    Incident,
    Submission,
)

from .builders import PDF_BYTES, SQUARE, complete_application, drive_to


@pytest.fixture
def submitted(cast) -> Application:
    return drive_to(complete_application(cast.park_a, cast.applicant_a), "submitted", cast)


def _fingerprint(app: Application) -> tuple:
    app = Application.objects.get(pk=app.pk)
    return (
        json.dumps(app.data, sort_keys=True),
        app.scope,
        app.boundary_east,
        json.dumps(app.boundary_geojson),
        app.incident_register_confirmed,
        sorted(Incident.objects.filter(application=app).values_list("pk", flat=True)),
        sorted(Attachment.objects.filter(application=app).values_list("sha256", flat=True)),
    )


def test_no_editing_view_changes_a_submitted_application(client, cast, submitted):
    before = _fingerprint(submitted)
    attachment = submitted.attachments.first()
    client.force_login(cast.applicant_a)
    pk = submitted.pk
    posts = [
        (reverse("application_section", args=[pk, "economics"]), {"total_cost": "1"}),
        (reverse("application_section", args=[pk, "basic"]), {"zone_level": "other"}),
        (
            reverse("application_boundary", args=[pk]),
            {"scope": "within", "boundary_east": "x", "boundary_geojson": json.dumps(SQUARE)},
        ),
        (
            reverse("application_incidents", args=[pk]),
            {
                "occurred_on": "2025-01-01",
                "kind": "safety",
                "severity": "major",
                "description": "x",
            },
        ),
        (reverse("application_incidents", args=[pk]), {"confirm": "1"}),
        (
            reverse("application_attachments", args=[pk]),
            {
                "title": "x",
                "section": "other",
                "file": SimpleUploadedFile("x.pdf", PDF_BYTES, content_type="application/pdf"),
            },
        ),
        (reverse("application_attachment_delete", args=[pk, attachment.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert client.get(reverse("application_section", args=[pk, "economics"])).status_code == 403
    assert _fingerprint(submitted) == before


def test_no_service_or_model_write_changes_a_submitted_application(cast, submitted):
    before = _fingerprint(submitted)
    with pytest.raises(ApplicationFrozen):
        services.save_section(submitted, "economics", {"total_cost": "1"})
    with pytest.raises(ApplicationFrozen):
        services.save_boundary(submitted, {"scope": "within"})
    with pytest.raises(ApplicationFrozen):
        services.set_incident_register_confirmed(submitted, False)
    with pytest.raises(ApplicationFrozen):
        services.add_attachment(
            submitted, cast.applicant_a, name="a.pdf", content=PDF_BYTES, title="新材料"
        )
    with pytest.raises(ApplicationFrozen):
        services.add_incident(
            submitted,
            {
                "occurred_on": "2025-01-01",
                "kind": "safety",
                "severity": "major",
                "description": "x",
            },
        )
    with pytest.raises(ApplicationFrozen):
        services.delete_attachment(submitted.attachments.first())
    with pytest.raises(ApplicationFrozen):
        Incident.objects.create(
            application=submitted,
            occurred_on="2025-01-01",
            kind="safety",
            severity="major",
            description="x",
        )
    stale = Application.objects.get(pk=submitted.pk)
    stale.data = {}
    with pytest.raises(ApplicationFrozen):
        stale.save()
    with pytest.raises(ApplicationFrozen):
        Application.objects.filter(pk=submitted.pk).update(data={})
    with pytest.raises(ApplicationFrozen):
        Attachment.objects.filter(application=submitted).delete()
    with pytest.raises(ApplicationFrozen):
        Attachment.objects.filter(application=submitted).update(title="x")
    with pytest.raises(ApplicationFrozen):
        submitted.attachments.first().delete()
    with pytest.raises(ApplicationFrozen):
        Application.objects.filter(pk=submitted.pk).delete()
    assert _fingerprint(submitted) == before


def test_the_submitted_version_cannot_be_rewritten(submitted):
    submission = Submission.objects.get(application=submitted)
    submission.snapshot = {}
    with pytest.raises(ImmutableRecord):
        submission.save()
    with pytest.raises(ImmutableRecord):
        Submission.objects.filter(pk=submission.pk).update(snapshot={})


def test_the_snapshot_holds_every_section_the_eligibility_and_the_attachment_hashes(submitted):
    snapshot = Submission.objects.get(application=submitted).snapshot
    assert snapshot["format"] == "zcp-application-snapshot/1"
    assert set(snapshot["sections"]) == {
        "basic",
        "boundary",
        "industry",
        "energy",
        "feasibility",
        "targets",
        "key_tasks",
        "economics",
        "support",
        "data_foundation",
        "incidents",
        "attachments",
    }
    assert snapshot["sections"]["boundary"]["area_km2"] == str(submitted.boundary_area_km2)
    assert [r["outcome"] for r in snapshot["eligibility"]] == ["pass"] * 4
    hashes = {a["sha256"] for a in snapshot["sections"]["attachments"]["items"]}
    assert hashes == set(submitted.attachments.values_list("sha256", flat=True))
    assert "calculations" in snapshot


def test_reviewers_see_the_snapshot_not_later_edits_after_a_return(client, cast, submitted):
    workflow.return_for_revision(cast.provincial_a, submitted, "请修改")
    services.save_section(submitted, "economics", {"total_cost": "999999", "cost_structure": "新"})
    client.force_login(cast.provincial_a)
    page = client.get(reverse("application_submission", args=[submitted.pk, 1])).content.decode()
    # Amounts in 万元 print in the one number format (zcparks/numbers.py).
    assert "999,999.00" not in page and "150,000.00" in page


def test_an_attachment_that_was_submitted_survives_a_revision_round(cast, submitted):
    workflow.return_for_revision(cast.provincial_a, submitted, "请修改")
    with pytest.raises(ApplicationFrozen, match="已随申报书提交过"):
        submitted.attachments.first().delete()
    with pytest.raises(ApplicationFrozen, match="已随申报书提交过"):
        services.delete_attachment(submitted.attachments.first())
