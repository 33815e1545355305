"""Reading: a park-year's latest result and its runs, the park's applications and their status,
and national staff's read-only listings."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounting.method.rules import METHOD_VERSION
from accounting.models import CalculationRun
from tests.applications.builders import complete_application, drive_to

from .conftest import assert_error
from .test_push import GOOD, put, rows_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def pushed(api, cast, trial_set, on_commit):
    assert put(api, rows_url(cast.park_a), GOOD).status_code == 201
    return CalculationRun.objects.get(park_year__park=cast.park_a)


def test_the_latest_result_is_the_stored_run_with_its_numbers(api, cast, pushed):
    body = api.get(f"/api/v1/parks/{cast.park_a.pk}/years/2025/result/").json()
    assert body["pending"] is False
    assert body["latest_run"]["id"] == pushed.pk
    assert body["result"]["id"] == pushed.pk
    assert body["result"]["result"] == pushed.result
    assert body["result"]["result"]["emissions_t"]["total"] == pushed.result["emissions_t"]["total"]
    assert body["result"]["trace"] is None


def test_the_trace_comes_only_when_asked_for(api, cast, pushed):
    url = f"/api/v1/parks/{cast.park_a.pk}/years/2025/result/?include_trace=true"
    trace = api.get(url).json()["result"]["trace"]
    assert trace == pushed.trace
    assert trace["rows"]


def test_runs_are_listed_newest_first_and_each_can_be_read(
    api, cast, pushed, django_assert_max_num_queries
):
    again = dict(GOOD, fuels=GOOD["fuels"][:1])
    assert put(api, rows_url(cast.park_a), again).status_code == 201
    with django_assert_max_num_queries(8):
        body = api.get(f"/api/v1/parks/{cast.park_a.pk}/years/2025/runs/").json()
    ids = [run["id"] for run in body["results"]]
    assert body["count"] == 2 and ids[1] == pushed.pk
    detail = api.get(f"/api/v1/parks/{cast.park_a.pk}/years/2025/runs/{pushed.pk}/").json()
    assert detail["result"] == pushed.result


def test_the_years_of_a_park_show_their_latest_run(
    api, cast, pushed, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        body = api.get(f"/api/v1/parks/{cast.park_a.pk}/years/").json()
    [row] = body["results"]
    assert (row["year"], row["factor_set_code"]) == (2025, "")
    assert row["latest_run"]["id"] == pushed.pk


def test_a_year_without_data_has_no_result(api, cast):
    assert_error(api.get(f"/api/v1/parks/{cast.park_a.pk}/years/2024/result/"), 404)
    assert_error(api.get(f"/api/v1/parks/{cast.park_a.pk}/years/2024/runs/"), 404)


def test_a_token_cannot_read_another_parks_results(cast, pushed):
    from applications.kernel import tokens

    other = APIClient()
    other.credentials(
        HTTP_AUTHORIZATION="Bearer "
        + tokens.issue_token(cast.applicant_b, cast.park_b, "乙平台").plaintext
    )
    base = f"/api/v1/parks/{cast.park_a.pk}/years"
    for url in (
        f"{base}/",
        f"{base}/2025/result/",
        f"{base}/2025/runs/",
        f"{base}/2025/runs/{pushed.pk}/",
    ):
        assert_error(other.get(url), 404)


def test_a_run_of_another_park_year_is_not_found_under_this_one(api, cast, pushed):
    assert put(api, rows_url(cast.park_a, 2024), GOOD).status_code == 201
    assert_error(api.get(f"/api/v1/parks/{cast.park_a.pk}/years/2024/runs/{pushed.pk}/"), 404)


def test_national_staff_read_any_parks_result_with_their_session(cast, pushed):
    client = APIClient()
    client.force_login(cast.national)
    body = client.get(f"/api/v1/parks/{cast.park_a.pk}/years/2025/result/").json()
    assert body["result"]["id"] == pushed.pk


def test_provincial_staff_of_another_province_do_not_see_the_park(cast, pushed):
    client = APIClient()
    client.force_login(cast.provincial_other)
    assert_error(client.get(f"/api/v1/parks/{cast.park_a.pk}/years/2025/result/"), 404)


# --- applications --------------------------------------------------------------------------------


def test_a_park_reads_its_applications_and_their_status(api, cast, django_assert_max_num_queries):
    own = drive_to(complete_application(cast.park_a, cast.applicant_a), "returned", cast)
    complete_application(cast.park_b, cast.applicant_b)
    with django_assert_max_num_queries(6):
        body = api.get("/api/v1/applications/").json()
    assert [a["id"] for a in body["results"]] == [own.pk]
    row = body["results"][0]
    assert row["status"] == "returned"
    assert row["applicant_status_label"] == own.applicant_status_label
    detail = api.get(f"/api/v1/applications/{own.pk}/").json()
    assert [e["action"] for e in detail["events"]] == ["submit", "return_for_revision"]
    assert detail["events"][1]["comment"] == "请修改"
    assert [s["number"] for s in detail["submissions"]] == [1]


def test_a_park_cannot_read_another_parks_application(api, cast):
    other = complete_application(cast.park_b, cast.applicant_b)
    assert_error(api.get(f"/api/v1/applications/{other.pk}/"), 404)


def test_applications_can_be_filtered_by_status_and_a_wrong_status_is_named(api, cast):
    complete_application(cast.park_a, cast.applicant_a)
    assert api.get("/api/v1/applications/?status=draft").json()["count"] == 1
    assert api.get("/api/v1/applications/?status=approved").json()["count"] == 0
    fields = assert_error(api.get("/api/v1/applications/?status=nonsense"), 400)
    assert "status" in fields


def test_national_staff_list_only_what_has_reached_them(cast, django_assert_max_num_queries):
    recommended = drive_to(complete_application(cast.park_a, cast.applicant_a), "recommended", cast)
    complete_application(cast.park_c, cast.applicant_c)  # a draft: not theirs to see
    client = APIClient()
    client.force_login(cast.national)
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/applications/").json()
    assert [a["id"] for a in body["results"]] == [recommended.pk]
    with django_assert_max_num_queries(6):
        detail = client.get(f"/api/v1/applications/{recommended.pk}/")
    assert detail.json()["status"] == "recommended"


def test_a_run_names_its_method_version_next_to_its_factor_set(api, cast, pushed):
    body = api.get(f"/api/v1/parks/{cast.park_a.pk}/years/2025/result/").json()
    for run in (body["latest_run"], body["result"]):
        assert run["method_version"] == METHOD_VERSION
        assert (run["factor_set_code"], run["factor_set_version"]) == ("ZCP-2025-trial", 3)
    assert body["result"]["result"]["method"] == {"version": METHOD_VERSION}
    CalculationRun.objects.update(method_version=None)
    listed = api.get(f"/api/v1/parks/{cast.park_a.pk}/years/2025/runs/").json()["results"]
    assert [run["method_version"] for run in listed] == [None]
