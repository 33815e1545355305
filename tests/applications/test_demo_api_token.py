"""The demo's API token: created once for the first demo park, printed by the run that creates it
(with a curl example), and never duplicated by running the demo again."""

from __future__ import annotations

import re
from io import StringIO

from django.core.management import call_command

from applications import demo, demo_api
from applications.kernel import tokens
from applications.models import ApiToken, User

TOKEN = re.compile(r"zcp_[A-Za-z0-9_-]{40,}")


def _load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_load_demo_twice_makes_one_token_that_the_first_run_printed_and_that_works(db, client):
    first, second = _load_demo(), _load_demo()

    demo_tokens = ApiToken.objects.filter(name=demo_api.DEMO_TOKEN_NAME)
    assert demo_tokens.count() == 1
    token = demo_tokens.get()
    assert token.park.name == demo.DEMO_PARKS[0].name
    assert token.created_by.username == "park_subei"

    printed = TOKEN.findall(first)
    assert len(set(printed)) == 1, first
    plaintext = printed[0]
    assert f"Demo API token for {token.park.name} (park_subei)" in first
    assert f'curl -H "Authorization: Bearer {plaintext}" ' in first
    assert "/api/v1/me/" in first
    # The second run cannot show the secret again; it names the token and the way to another.
    assert TOKEN.search(second) is None
    assert token.display_prefix in second
    assert "manage.py create_api_token park_subei" in second

    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["username"] == "park_subei"
    assert body["park"]["name"] == token.park.name
    assert body["can_push_data"] is True


def test_a_revoked_demo_token_is_replaced_by_a_new_one(db):
    demo.load_parks_and_people()
    old = demo_api.load_demo_api_token()
    owner = User.objects.get(username="park_subei")
    tokens.revoke_token(owner, old.token)

    new = demo_api.load_demo_api_token()

    assert new.plaintext is not None and new.token.pk != old.token.pk
    assert tokens.find_token(new.plaintext) == new.token
    assert tokens.find_token(old.plaintext) is None
    assert ApiToken.objects.active().filter(name=demo_api.DEMO_TOKEN_NAME).count() == 1


def test_the_demo_token_is_random_not_a_fixed_text(db):
    demo.load_parks_and_people()
    first = demo_api.load_demo_api_token()
    ApiToken.objects.all().delete()
    second = demo_api.load_demo_api_token()
    assert first.plaintext != second.plaintext
