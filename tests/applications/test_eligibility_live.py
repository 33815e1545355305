"""The park sees the basic conditions recomputed from the form as typed, before saving."""

from __future__ import annotations

import json

from django.urls import reverse

from applications import services
from applications.models import Application

from .builders import SQUARE, open_batch


def test_the_preview_shows_the_outcome_of_unsaved_builder_answers(client, cast):
    app = services.start_application(cast.applicant_a, open_batch())
    client.force_login(cast.applicant_a)
    url = reverse("application_eligibility_preview", args=[app.pk, "basic"])
    html = client.post(url, {"zone_level": "other"}).content.decode()
    assert 'data-condition="builder" data-outcome="fail"' in html
    html = client.post(url, {"zone_level": "national_zone"}).content.decode()
    assert 'data-condition="builder" data-outcome="pass"' in html
    # Nothing was saved.
    assert Application.objects.get(pk=app.pk).data["basic"] == {"zone_level": "national_zone"}


def test_the_preview_of_a_park_within_a_park_names_the_missing_sides(client, cast):
    app = services.start_application(cast.applicant_a, open_batch())
    client.force_login(cast.applicant_a)
    url = reverse("application_eligibility_preview", args=[app.pk, "boundary"])
    fields = {
        "scope": "within",
        "host_park_name": "主园区",
        "management_body": "管委会",
        "boundary_east": "东路",
        "boundary_geojson": json.dumps(SQUARE),
    }
    html = client.post(url, fields).content.decode()
    assert 'data-condition="scope" data-outcome="fail"' in html and "南至" in html
    fields.update(boundary_south="南路", boundary_west="西路", boundary_north="北路")
    html = client.post(url, fields).content.decode()
    assert 'data-condition="scope" data-outcome="pass"' in html
    assert Application.objects.get(pk=app.pk).scope == "whole"


def test_the_preview_is_only_for_the_parks_own_editable_application(client, cast):
    app = services.start_application(cast.applicant_a, open_batch())
    client.force_login(cast.applicant_b)
    url = reverse("application_eligibility_preview", args=[app.pk, "basic"])
    assert client.post(url, {"zone_level": "other"}).status_code == 404
