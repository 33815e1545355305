"""Every parameter parsed, never assumed: every route's every parameter, by every role, gets hostile
values (tests/security/hostile.py walks them; this file the first of its SHARDS shares of the
routes, test_hostile_parameters_2.py and _3.py the others), and what that probe found, one by one.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications.models import Application
from tests.reviews.conftest import add_energy_data

from .access_world import world  # noqa: F401 (the fixture)
from .hostile import MUST_READ, MUST_READ_BY, SHARDS, shard_routes, walk
from .test_access_matrix import PROBES, iter_routes


def test_no_route_answers_500_to_a_hostile_parameter(
    client,
    cast,
    world,  # noqa: F811 (the fixture)
    monkeypatch,
    capsys,
):
    walk(client, cast, world, monkeypatch, capsys, shard=1)


def test_the_shares_walk_every_route_once():
    """The SHARDS files together walk every route of the site (admin's aside) exactly once, and
    what the discovery must find is on routes that one of them walks."""
    shares = [shard_routes(shard) for shard in range(1, SHARDS + 1)]
    walked = [name for share in shares for name in share]
    site = {name for name in iter_routes() if not name.startswith("admin:")}
    assert sorted(walked) == sorted(site) and all(shares)
    assert all(name in PROBES for name in walked)
    for target in [*MUST_READ, *(target for target, _key in MUST_READ_BY)]:
        assert target.split(" ", 1)[1] in site, target


# What the probe from outside found, one by one.


def test_a_superscript_digit_in_a_queue_filter_is_a_400_naming_it(client, cast):
    client.force_login(cast.national)
    for name in ("batch", "assignee"):
        response = client.get(reverse("review_queue_national"), {name: "²"})

        assert response.status_code == 400
        assert response.context["parameter"].name == name
        assert f"（{name}）" in response.content.decode()


def test_nul_in_the_province_filter_is_a_400_on_the_page_and_the_export(client, cast):
    client.force_login(cast.national)
    page = client.get(reverse("review_queue_national") + "?province=%00%00")
    export = client.get(
        reverse("review_queue_export", args=["national", "csv"]),
        {"province": "\x00\x00", "batch": "1"},
    )

    assert page.status_code == 400
    assert "省份" in page.content.decode()
    assert export.status_code == 400
    assert export["Content-Type"].startswith("text/html")


def test_a_queue_filter_with_plain_values_still_filters(client, cast):
    client.force_login(cast.national)

    response = client.get(
        reverse("review_queue_national"),
        {"province": "32", "batch": "", "sort": "park", "q": " 甲 "},
    )

    assert response.status_code == 200
    filters = response.context["filters"]
    assert (filters.province, filters.batch, filters.sort, filters.q) == ("32", None, "park", "甲")


@pytest.mark.parametrize("value", ["abc", "", "²", "-1"])
def test_starting_an_application_with_a_malformed_batch_is_a_400_writing_nothing(
    client, cast, value
):
    client.force_login(cast.applicant_a)

    response = client.post(reverse("application_start"), {"batch": value})

    assert response.status_code == 400
    assert response.context["parameter"].name == "batch"
    assert not Application.objects.exists()


@pytest.mark.parametrize("name", ["limit", "offset"])
def test_the_api_answers_a_superscript_page_parameter_with_400_in_its_shape(client, cast, name):
    client.force_login(cast.national)

    response = client.get("/api/v1/parks/", {name: "²"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"][0]["field"] == name


def test_the_api_names_a_malformed_include_trace(client, cast):
    add_energy_data(cast.park_a, 2024)
    client.force_login(cast.applicant_a)
    url = f"/api/v1/parks/{cast.park_a.pk}/years/2024/result/"
    assert client.get(url, {"include_trace": "true"}).status_code == 200

    response = client.get(url, {"include_trace": "\x00"})

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "请求有误。",
        "fields": [{"field": "include_trace", "message": "含有无效字符。"}],
    }


def test_the_400_page_names_the_parameter_in_english_too(client, cast):
    client.force_login(cast.national)

    response = client.get(
        reverse("review_queue_national"), {"batch": "abc"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    text = " ".join(response.content.decode().split())
    assert response.status_code == 400
    assert "The parameter “Batch” (batch) must be a whole number of at least 1." in text
