"""What changed between two submissions, section by section."""

from __future__ import annotations

from applications import services, workflow
from applications.models import Incident, Submission

from .builders import answer_return, complete_application, drive_to


def _snapshot(**sections):
    return {"sections": sections}


def test_only_changed_sections_and_fields_are_listed():
    old = _snapshot(
        economics={"total_cost": "100", "irr_percent": "8"}, support={"organisation": "专班"}
    )
    new = _snapshot(
        economics={"total_cost": "120", "irr_percent": "8"}, support={"organisation": "专班"}
    )
    changes = services.diff_submissions(old, new)
    assert [c.key for c in changes] == ["economics"]
    assert [(f.field, f.old, f.new) for f in changes[0].changes] == [("total_cost", "100", "120")]
    assert changes[0].changes[0].label == "成本投入（万元）"


def test_added_and_removed_fields_and_list_changes_are_reported():
    old = _snapshot(
        key_tasks={"projects": [{"name": "光伏"}]}, industry={"planned_industries": "x"}
    )
    new = _snapshot(
        key_tasks={"projects": [{"name": "光伏"}, {"name": "储能"}]},
        industry={"leading_industries": "装备"},
    )
    changes = {
        c.key: {f.field: (f.old, f.new) for f in c.changes}
        for c in services.diff_submissions(old, new)
    }
    assert changes["key_tasks"]["projects"][1] == [{"name": "光伏"}, {"name": "储能"}]
    assert changes["industry"] == {
        "leading_industries": (None, "装备"),
        "planned_industries": ("x", None),
    }


def test_identical_submissions_have_no_changes():
    same = _snapshot(basic={"builder": "管委会"})
    assert services.diff_submissions(same, same) == []


def test_a_resubmission_shows_the_revised_sections_including_new_incidents(cast):
    app = drive_to(complete_application(cast.park_a, cast.applicant_a), "returned", cast)
    services.save_section(app, "economics", {**app.data["economics"], "payback_years": "6.0"})
    Incident.objects.create(
        application=app,
        occurred_on="2024-03-01",
        kind="safety",
        severity="general",
        description="轻微事故",
    )
    answer_return(app)
    workflow.submit(cast.applicant_a, app, declaration=workflow.DECLARATION)
    first, second = Submission.objects.filter(application=app).order_by("number")
    changed = {c.key: c for c in services.diff_submissions(first, second)}
    assert set(changed) == {"economics", "incidents"}
    assert [f.field for f in changed["economics"].changes] == ["payback_years"]
