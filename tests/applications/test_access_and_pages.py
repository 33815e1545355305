"""Who sees which applications, and the pages' query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications import access, workflow
from applications.models import Application

from .builders import complete_application, drive_to, open_batch


@pytest.fixture
def apps(cast):
    batch = open_batch()
    return {
        "a_draft": complete_application(cast.park_a, cast.applicant_a, batch),
        "b_submitted": drive_to(
            complete_application(cast.park_b, cast.applicant_b, batch), "submitted", cast
        ),
        "c_recommended": drive_to(
            complete_application(cast.park_c, cast.applicant_c, batch), "recommended", cast
        ),
    }


def _visible(user) -> set[str]:
    return set(access.visible_applications(user).values_list("park__name", flat=True))


def test_each_role_sees_its_own_applications(cast, apps):
    assert _visible(cast.applicant_a) == {"甲园区"}
    assert _visible(cast.applicant_b) == {"乙园区"}
    assert _visible(cast.provincial_a) == {"乙园区"}  # A's draft is not the province's yet
    assert _visible(cast.provincial_other) == {"丙园区"}
    assert _visible(cast.national) == {"丙园区"}
    assert _visible(cast.admin) == {"甲园区", "乙园区", "丙园区"}


def test_national_reviewers_keep_seeing_an_application_they_returned(cast, apps):
    app = apps["c_recommended"]
    workflow.return_for_revision(cast.national, app, "请补充")
    assert "丙园区" in _visible(cast.national)


def test_get_application_for_user_is_404_outside_scope(client, cast, apps):
    client.force_login(cast.applicant_b)
    assert client.get(reverse("application_detail", args=[apps["a_draft"].pk])).status_code == 404
    client.force_login(cast.provincial_other)
    assert (
        client.get(reverse("application_detail", args=[apps["b_submitted"].pk])).status_code == 404
    )
    client.force_login(cast.national)
    assert (
        client.get(reverse("application_detail", args=[apps["b_submitted"].pk])).status_code == 404
    )


def test_only_the_parks_applicant_may_edit_and_only_while_editable(cast, apps):
    assert access.can_edit_application(cast.applicant_a, apps["a_draft"])
    assert not access.can_edit_application(cast.applicant_b, apps["a_draft"])
    assert not access.can_edit_application(cast.provincial_a, apps["a_draft"])
    assert not access.can_edit_application(cast.applicant_b, apps["b_submitted"])


def test_another_parks_applicant_cannot_open_the_editing_pages(client, cast, apps):
    client.force_login(cast.applicant_b)
    pk = apps["a_draft"].pk
    for url in (
        reverse("application_section", args=[pk, "basic"]),
        reverse("application_boundary", args=[pk]),
        reverse("application_incidents", args=[pk]),
        reverse("application_attachments", args=[pk]),
    ):
        assert client.get(url).status_code == 404


def test_a_reviewer_cannot_post_a_transition_outside_their_scope(client, cast, apps):
    client.force_login(cast.provincial_other)
    response = client.post(
        reverse("application_transition", args=[apps["b_submitted"].pk, "recommend"]),
        {"confirmed_act": "1"},
    )
    assert response.status_code == 404
    client.force_login(cast.applicant_b)
    response = client.post(
        reverse("application_transition", args=[apps["b_submitted"].pk, "recommend"]),
        {"confirmed_act": "1"},
    )
    assert response.status_code == 403
    assert Application.objects.get(pk=apps["b_submitted"].pk).status == "submitted"


def test_the_list_page_query_count_does_not_grow_with_applications(
    client, cast, apps, django_assert_max_num_queries
):
    client.force_login(cast.admin)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("application_list"))
    assert response.status_code == 200
    assert response.content.decode().count('data-status="') == 3


def test_the_overview_page_has_a_fixed_query_count(
    client, cast, apps, django_assert_max_num_queries
):
    client.force_login(cast.provincial_a)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("application_detail", args=[apps["b_submitted"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    # A first recommendation is the province's act (its own page), not a button of one park.
    assert 'data-action="not_recommend"' in html and "待省级审核" in html


def test_the_park_sees_the_applicant_facing_status_name(client, cast, apps):
    client.force_login(cast.applicant_b)
    html = client.get(reverse("application_detail", args=[apps["b_submitted"].pk])).content.decode()
    assert "已提交，等待省级发展改革委审核" in html


def test_the_boundary_page_loads_the_map_scripts_without_inline_script(client, cast, apps):
    client.force_login(cast.applicant_a)
    html = client.get(reverse("application_boundary", args=[apps["a_draft"].pk])).content.decode()
    assert "leaflet-geoman.min.js" in html and "application-boundary.js" in html
    assert "<script>" not in html


def test_a_self_intersecting_boundary_posted_is_refused_with_its_message(client, cast, apps):
    import json

    client.force_login(cast.applicant_a)
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[100, 20], [101, 21], [101, 20], [100, 21], [100, 20]]],
    }
    app = apps["a_draft"]
    before = Application.objects.get(pk=app.pk).boundary_geojson
    response = client.post(
        reverse("application_boundary", args=[app.pk]),
        {"scope": "whole", "boundary_geojson": json.dumps(bow_tie)},
    )
    assert response.status_code == 200 and "自相交" in response.content.decode()
    assert Application.objects.get(pk=app.pk).boundary_geojson == before
