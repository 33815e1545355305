from __future__ import annotations

from applications import services, workflow
from applications.models import Status

from .builders import complete_application


def test_a_complete_application_goes_from_draft_to_approval(cast):
    app = complete_application(cast.park_a, cast.applicant_a)
    assert services.submission_problems(app) == []
    workflow.submit(cast.applicant_a, app)
    workflow.recommend(cast.provincial_a, app)
    workflow.start_national_review(cast.national, app)
    workflow.approve(cast.national, app, "同意")
    app.refresh_from_db()
    assert app.status == Status.APPROVED
