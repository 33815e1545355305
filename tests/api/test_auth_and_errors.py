"""Who may call, and every refusal in the one error shape."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounting.models import ImportBatch

from .conftest import assert_error

pytestmark = pytest.mark.django_db

ROWS = '{"enterprises": [{"name": "甲企业"}]}'


def test_a_call_without_credentials_is_refused_with_401_and_a_challenge(anonymous):
    response = anonymous.get("/api/v1/parks/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer zcp_not-a-real-token-at-all-xxxxxxxxxxxxxxx",
        "Bearer something-else",
        "Bearer ",
        "Token zcp_a b",
    ],
)
def test_a_wrong_token_is_refused_with_401(anonymous, header):
    anonymous.credentials(HTTP_AUTHORIZATION=header)
    assert_error(anonymous.get("/api/v1/parks/"), 401, "authentication_failed")


def test_the_token_keyword_is_accepted_as_well_as_bearer(token_a):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_a.plaintext}")
    assert client.get("/api/v1/me/").status_code == 200


def test_me_names_the_token_and_its_park(api, cast, token_a):
    body = api.get("/api/v1/me/").json()
    assert body["park"] == {"id": cast.park_a.pk, "name": cast.park_a.name}
    assert body["token"]["prefix"] == token_a.token.display_prefix
    assert body["can_push_data"] is True


def test_a_park_token_sees_only_its_own_park(api, cast):
    body = api.get("/api/v1/parks/").json()
    assert [p["id"] for p in body["results"]] == [cast.park_a.pk]


def test_national_staff_list_every_park_with_their_session(cast, django_assert_max_num_queries):
    client = APIClient()
    client.force_login(cast.national)
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/parks/").json()
    assert {p["id"] for p in body["results"]} == {cast.park_a.pk, cast.park_b.pk, cast.park_c.pk}
    assert client.get("/api/v1/me/").json()["token"] is None


def test_provincial_staff_list_the_parks_of_their_province(cast):
    client = APIClient()
    client.force_login(cast.provincial_a)
    body = client.get("/api/v1/parks/").json()
    assert {p["id"] for p in body["results"]} == {cast.park_a.pk, cast.park_b.pk}


def test_national_staff_cannot_push_data(cast):
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(cast.national)
    response = client.put(
        f"/api/v1/parks/{cast.park_a.pk}/years/2025/data/", ROWS, content_type="application/json"
    )
    assert_error(response, 403)
    assert not ImportBatch.objects.exists()


def test_a_session_write_needs_the_csrf_token(cast):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(cast.applicant_a)
    response = client.put(
        f"/api/v1/parks/{cast.park_a.pk}/years/2025/data/", ROWS, content_type="application/json"
    )
    assert_error(response, 403)
    assert not ImportBatch.objects.exists()


def test_an_unknown_api_address_is_a_json_404(api):
    assert_error(api.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error(api.get("/api/v1/parks/abc/years/"), 404, "not_found")


def test_an_id_beyond_any_key_is_a_404_not_a_crash(api):
    assert_error(api.get(f"/api/v1/parks/{2**70}/years/"), 404)
    assert_error(api.get(f"/api/v1/applications/{2**70}/"), 404)


def test_a_method_the_endpoint_does_not_have_is_a_405_in_the_same_shape(api):
    assert_error(api.delete("/api/v1/parks/"), 405, "method_not_allowed")


def test_a_body_that_is_not_json_is_refused_with_415(api, cast):
    response = api.put(
        f"/api/v1/parks/{cast.park_a.pk}/years/2025/data/",
        "name=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 415, "unsupported_media_type")


def test_over_the_rate_limit_a_token_gets_429_with_retry_after(api, settings):
    settings.ZCP_API_RATE = "3/min"
    for _ in range(3):
        assert api.get("/api/v1/me/").status_code == 200
    response = api.get("/api/v1/me/")
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_the_rate_limit_is_counted_per_token(api, cast, settings):
    from applications.kernel import tokens

    settings.ZCP_API_RATE = "2/min"
    other = APIClient()
    other.credentials(
        HTTP_AUTHORIZATION="Bearer "
        + tokens.issue_token(cast.applicant_b, cast.park_b, "乙平台").plaintext
    )
    for _ in range(2):
        assert api.get("/api/v1/me/").status_code == 200
    assert api.get("/api/v1/me/").status_code == 429
    assert other.get("/api/v1/me/").status_code == 200


def test_pagination_parameters_out_of_range_are_named(api):
    fields = assert_error(api.get("/api/v1/parks/?limit=0"), 400, "invalid")
    assert "limit" in fields
    fields = assert_error(api.get("/api/v1/parks/?offset=-1"), 400, "invalid")
    assert "offset" in fields
