"""The migration that gives experts their own role: an account that was only ever assigned as an
expert becomes an expert; any account that decided, assigned or was a reviewer stays national."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from applications.models import ReviewAssignment, Role
from tests.applications.builders import complete_application, drive_to, open_batch
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("applications.migrations.0008_expert_role")


def test_only_accounts_that_were_only_ever_experts_become_experts(cast):
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()),
        "under_national_review",
        cast,
    )
    only_expert = UserFactory(username="old_expert", role=Role.NATIONAL)
    also_reviewer = UserFactory(username="old_both", role=Role.NATIONAL)
    other = drive_to(
        complete_application(cast.park_b, cast.applicant_b, open_batch()),
        "under_national_review",
        cast,
    )
    for app, person, kind in (
        (application, only_expert, "expert"),
        (application, also_reviewer, "expert"),
        (other, also_reviewer, "reviewer"),
    ):
        ReviewAssignment.objects.create(
            application=app, assignee=person, kind=kind, assigned_by=cast.national
        )

    migration.experts_become_their_own_role(apps, None)

    only_expert.refresh_from_db()
    also_reviewer.refresh_from_db()
    cast.national.refresh_from_db()
    assert only_expert.role == Role.EXPERT
    assert also_reviewer.role == Role.NATIONAL
    assert cast.national.role == Role.NATIONAL  # decided and assigned: a reviewer

    migration.experts_back_to_national(apps, None)
    only_expert.refresh_from_db()
    assert only_expert.role == Role.NATIONAL
