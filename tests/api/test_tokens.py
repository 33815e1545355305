"""The park's API tokens page: created by the park's applicant, shown once, stored hashed,
revoked for good."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection
from django.urls import reverse

from applications.kernel import tokens
from applications.models import ApiToken

from .conftest import assert_error

pytestmark = pytest.mark.django_db


def _all_text_in_database() -> str:
    """Every value of every table, as text: a secret must not be anywhere in it."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from Django
            parts += [str(value) for row in cursor.fetchall() for value in row]
    return "\n".join(parts)


def test_applicant_creates_a_token_shown_once_and_stored_only_hashed(client, cast):
    client.force_login(cast.applicant_a)
    response = client.post(reverse("api_tokens", args=[cast.park_a.pk]), {"name": "能碳平台"})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    token = ApiToken.objects.get()
    page = response.content.decode()
    start = page.index('id="new-token-value"')
    plaintext = page[start:].split('value="', 1)[1].split('"', 1)[0]
    assert plaintext.startswith("zcp_") and len(plaintext) > 40
    secret = plaintext.removeprefix("zcp_")
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:8]
    assert (token.park, token.created_by, token.name) == (cast.park_a, cast.applicant_a, "能碳平台")
    assert secret not in _all_text_in_database()
    # Shown once: the page never shows it again.
    again = client.get(reverse("api_tokens", args=[cast.park_a.pk])).content.decode()
    assert secret not in again
    assert token.display_prefix in again


def test_token_page_refuses_a_token_without_a_name_and_creates_nothing(client, cast):
    client.force_login(cast.applicant_a)
    response = client.post(reverse("api_tokens", args=[cast.park_a.pk]), {"name": " "})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_another_parks_applicant_cannot_open_the_token_page(client, cast):
    client.force_login(cast.applicant_b)
    assert client.get(reverse("api_tokens", args=[cast.park_a.pk])).status_code == 404
    assert (
        client.post(reverse("api_tokens", args=[cast.park_a.pk]), {"name": "x"}).status_code == 404
    )
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("who", ["provincial_a", "national", "admin"])
def test_staff_cannot_create_tokens_for_a_park(client, cast, who):
    client.force_login(getattr(cast, who))
    assert (
        client.post(reverse("api_tokens", args=[cast.park_a.pk]), {"name": "x"}).status_code == 403
    )
    assert not ApiToken.objects.exists()


def test_my_tokens_leads_the_applicant_to_their_parks_page(client, cast):
    client.force_login(cast.applicant_a)
    response = client.get(reverse("api_tokens_mine"))
    assert response.status_code == 302
    assert response["Location"] == reverse("api_tokens", args=[cast.park_a.pk])


def test_token_page_lists_tokens_in_a_fixed_number_of_queries(
    client, cast, django_assert_max_num_queries
):
    for n in range(5):
        tokens.issue_token(cast.applicant_a, cast.park_a, f"平台{n}")
    client.force_login(cast.applicant_a)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("api_tokens", args=[cast.park_a.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("data-token=") == 5


def test_revoked_token_is_refused_with_401(client, cast, api, token_a):
    assert api.get("/api/v1/me/").status_code == 200
    client.force_login(cast.applicant_a)
    response = client.post(reverse("api_tokens_revoke", args=[cast.park_a.pk, token_a.token.pk]))
    assert response.status_code == 302
    token_a.token.refresh_from_db()
    assert token_a.token.revoked_at is not None
    assert token_a.token.revoked_by == cast.applicant_a
    assert_error(api.get("/api/v1/me/"), 401, "authentication_failed")


def test_another_park_cannot_revoke_a_token(client, cast, token_a):
    client.force_login(cast.applicant_b)
    response = client.post(reverse("api_tokens_revoke", args=[cast.park_a.pk, token_a.token.pk]))
    assert response.status_code == 404
    token_a.token.refresh_from_db()
    assert token_a.token.revoked_at is None


def test_token_stops_working_when_its_creator_is_deactivated_or_moved(api, cast):
    cast.applicant_a.is_active = False
    cast.applicant_a.save(update_fields=["is_active"])
    assert_error(api.get("/api/v1/me/"), 401)
    cast.applicant_a.is_active = True
    cast.applicant_a.park = cast.park_b
    cast.applicant_a.save(update_fields=["is_active", "park"])
    assert_error(api.get("/api/v1/me/"), 401)


def test_last_use_of_a_token_is_recorded(api, token_a):
    assert token_a.token.last_used_at is None
    api.get("/api/v1/me/")
    token_a.token.refresh_from_db()
    assert token_a.token.last_used_at is not None


def test_the_command_prints_a_working_token_once(cast, api):
    from io import StringIO

    from django.core.management import call_command
    from rest_framework.test import APIClient

    out = StringIO()
    call_command("create_api_token", "applicant_b", "命令行", stdout=out)
    plaintext = out.getvalue().strip().splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert client.get("/api/v1/me/").json()["park"]["id"] == cast.park_b.pk


def test_the_command_refuses_someone_without_a_park(cast):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="username"):
        call_command("create_api_token", "national", "x")
    assert not ApiToken.objects.exists()
