"""The incident register of a draft: rows are added and removed through the pages (and so through
the services), only on the park's own draft."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from applications import services
from applications.models import Incident

from .builders import open_batch

INCIDENT = {
    "occurred_on": "2024-03-05",
    "kind": "safety",
    "severity": "general",
    "description": "仓库叉车碰撞，一人轻伤。",
}


@pytest.fixture
def draft(cast):
    return services.start_application(cast.applicant_a, open_batch())


def test_the_applicant_adds_an_incident_to_the_register(client, cast, draft):
    client.force_login(cast.applicant_a)
    response = client.post(reverse("application_incidents", args=[draft.pk]), INCIDENT)
    assert response.status_code == 302
    incident = Incident.objects.get(application=draft)
    assert incident.occurred_on == datetime.date(2024, 3, 5)
    assert incident.description == INCIDENT["description"]


def test_an_incident_in_the_future_is_refused_naming_the_date(client, cast, draft):
    client.force_login(cast.applicant_a)
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    response = client.post(
        reverse("application_incidents", args=[draft.pk]),
        {**INCIDENT, "occurred_on": tomorrow.isoformat()},
    )
    assert response.status_code == 200
    assert "发生日期不能晚于今天" in response.content.decode()
    assert not Incident.objects.exists()


def test_the_applicant_removes_an_incident_but_not_one_of_another_application(client, cast, draft):
    other = services.start_application(cast.applicant_b, draft.batch)
    mine = services.add_incident(draft, {**INCIDENT, "occurred_on": datetime.date(2024, 3, 5)})
    theirs = services.add_incident(other, {**INCIDENT, "occurred_on": datetime.date(2024, 3, 5)})
    client.force_login(cast.applicant_a)
    url = reverse("application_incident_delete", args=[draft.pk, theirs.pk])
    assert client.post(url).status_code == 404
    url = reverse("application_incident_delete", args=[draft.pk, mine.pk])
    assert client.post(url).status_code == 302
    assert list(Incident.objects.all()) == [theirs]
