"""The boundary's vertex limit holds for the text field as for the file, and the live
eligibility preview parses what is typed once, within the same limit."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import geo, services
from applications.models import Application, Batch
from zcparks import untrusted

pytestmark = pytest.mark.django_db


def ring(vertices: int, places: int) -> list[list[float]]:
    points = [
        [
            round(120.6 + 0.05 * math.cos(2 * math.pi * i / (vertices - 1)), places),
            round(31.3 + 0.05 * math.sin(2 * math.pi * i / (vertices - 1)), places),
        ]
        for i in range(vertices - 1)
    ]
    return points + [points[0]]


def polygon(vertices: int, places: int = 9) -> str:
    """Coordinates to ``places`` decimals: 4 keeps 350,000 vertices under Django's 10 MB form
    limit, as the probe's text did."""
    text = json.dumps({"type": "Polygon", "coordinates": [ring(vertices, places)]})
    assert len(text) < 10 * 1024 * 1024
    return text


@pytest.fixture
def application(cast) -> Application:
    now = timezone.now()
    batch = Batch.objects.create(
        name="2025年第一批",
        year=2025,
        opens_at=now - timedelta(days=1),
        deadline=now + timedelta(days=30),
    )
    return services.start_application(cast.applicant_a, batch)


def post_boundary(client, application, text: str):
    url = reverse("application_boundary", args=[application.pk])
    return client.post(url, {"scope": "whole", "boundary_east": "东环路", "boundary_geojson": text})


def refused_before_built(monkeypatch) -> list:
    """The JSON documents geo builds into Python objects: a hostile boundary must be refused by
    counting its arrays in the raw text, before 350,000 vertices become millions of objects."""
    built = []
    monkeypatch.setattr(
        geo, "json", SimpleNamespace(loads=lambda data: built.append(len(data)) or json.loads(data))
    )
    return built


def test_a_350000_vertex_boundary_in_the_text_field_is_refused_and_nothing_saved(
    client, cast, application, monkeypatch
) -> None:
    built = refused_before_built(monkeypatch)
    client.force_login(cast.applicant_a)

    response = post_boundary(client, application, polygon(350_000, places=4))

    assert built == []
    assert response.status_code == 200
    [message] = response.context["form"].errors["boundary_geojson"]
    assert "边界的坐标点数超过上限" in message and "20,000" in message
    application.refresh_from_db()
    assert application.boundary_geojson is None and application.boundary_east == ""


def test_the_text_field_takes_a_boundary_at_the_limit_and_refuses_one_more(
    client, cast, application, monkeypatch
) -> None:
    monkeypatch.setattr(untrusted, "MAX_BOUNDARY_VERTICES", 200)
    client.force_login(cast.applicant_a)

    over = post_boundary(client, application, polygon(201))
    assert "边界的坐标点数超过上限" in over.context["form"].errors["boundary_geojson"][0]
    assert post_boundary(client, application, polygon(200)).status_code == 302
    application.refresh_from_db()
    assert len(application.boundary_geojson["coordinates"][0]) == 200


def test_the_live_preview_parses_the_typed_boundary_once(
    client, cast, application, monkeypatch
) -> None:
    calls = []
    parse = geo.parse_boundary
    monkeypatch.setattr(geo, "parse_boundary", lambda source: calls.append(1) or parse(source))
    client.force_login(cast.applicant_a)
    url = reverse("application_eligibility_preview", args=[application.pk, "boundary"])

    response = client.post(url, {"scope": "whole", "boundary_geojson": polygon(2_000)})

    assert response.status_code == 200
    assert len(calls) == 1


def test_the_live_preview_answers_a_hostile_boundary_without_building_it(
    client, cast, application, monkeypatch
) -> None:
    built = refused_before_built(monkeypatch)
    client.force_login(cast.applicant_a)
    url = reverse("application_eligibility_preview", args=[application.pk, "boundary"])

    response = client.post(url, {"scope": "whole", "boundary_geojson": polygon(350_000, places=4)})

    assert response.status_code == 200
    assert built == []
