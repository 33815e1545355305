"""Every application URL for every role: 200 where the user may, 403 where the user may see but
not do, 404 where the user may not even see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications import access

from .builders import complete_application, drive_to, open_batch

ROLES = [
    "applicant_a",
    "applicant_b",
    "applicant_c",
    "provincial_a",
    "provincial_other",
    "national",
    "admin",
]


@pytest.fixture
def apps(cast):
    batch = open_batch()
    return [
        complete_application(cast.park_a, cast.applicant_a, batch),
        drive_to(complete_application(cast.park_b, cast.applicant_b, batch), "submitted", cast),
        drive_to(complete_application(cast.park_c, cast.applicant_c, batch), "recommended", cast),
    ]


def _expected_view(user, app) -> int:
    return 200 if access.visible_applications(user).filter(pk=app.pk).exists() else 404


def _expected_edit(user, app) -> int:
    if not access.visible_applications(user).filter(pk=app.pk).exists():
        return 404
    return 200 if access.can_edit_application(user, app) else 403


@pytest.mark.parametrize("who", ROLES)
def test_every_application_url_answers_by_role_and_scope(client, cast, apps, who):
    user = getattr(cast, who)
    client.force_login(user)
    for app in apps:
        attachment = app.attachments.first()
        viewing = [
            reverse("application_detail", args=[app.pk]),
            reverse("application_attachment", args=[app.pk, attachment.pk]),
        ]
        if app.submission_count:
            viewing.append(reverse("application_submission", args=[app.pk, 1]))
        for url in viewing:
            assert client.get(url).status_code == _expected_view(user, app), (who, url)
        editing = [
            reverse("application_section", args=[app.pk, key])
            for key in ("basic", "targets", "key_tasks", "data_foundation")
        ]
        editing += [
            reverse(name, args=[app.pk])
            for name in ("application_boundary", "application_incidents", "application_attachments")
        ]
        for url in editing:
            assert client.get(url).status_code == _expected_edit(user, app), (who, url)
    assert client.get(reverse("application_list")).status_code == 200
