"""Failed token authentication is throttled per client, and a park holds at most
ZCP_API_TOKENS_PER_PARK active tokens."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from freezegun import freeze_time
from rest_framework.test import APIClient

# Imported before any clock is frozen: DRF's rate throttle takes `timer = time.time` when its
# module is first imported, which would otherwise be freezegun's fake for good.
import zcparks.api.throttling  # noqa: F401
from applications.kernel import tokens
from applications.models import ApiToken

from .conftest import assert_error

pytestmark = pytest.mark.django_db

ATTACKER = "198.51.100.7"
PLATFORM = "203.0.113.5"


def call_me(token: str, address: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get("/api/v1/me/", REMOTE_ADDR=address)


def test_failed_token_authentication_is_answered_429_after_its_limit(token_a, settings):
    assert settings.ZCP_API_TOKEN_FAILURES_PER_CLIENT == 20
    with freeze_time("2026-12-03 02:00:00") as clock:
        for index in range(20):
            assert_error(call_me(f"zcp_guess{index:040d}", ATTACKER), 401, "authentication_failed")

        refused = call_me("zcp_guess-21", ATTACKER)

        assert_error(refused, 429, "throttled")
        assert "无效令牌过多" in refused.json()["error"]["message"]
        assert 0 < int(refused["Retry-After"]) <= 15 * 60
        # The park's platform at its own address is not affected.
        assert call_me(token_a.plaintext, PLATFORM).status_code == 200

        clock.tick(int(refused["Retry-After"]))
        assert_error(call_me("zcp_guess-22", ATTACKER), 401, "authentication_failed")


def test_malformed_authorization_headers_count_as_failures_too(settings):
    settings.ZCP_API_TOKEN_FAILURES_PER_CLIENT = 3
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer a b c")
    answers = [client.get("/api/v1/me/", REMOTE_ADDR=ATTACKER).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]


def test_a_valid_token_never_counts_as_a_failure(token_a, settings):
    settings.ZCP_API_TOKEN_FAILURES_PER_CLIENT = 2
    assert [call_me(token_a.plaintext, ATTACKER).status_code for _ in range(5)] == [200] * 5


# --- the cap on tokens per park ------------------------------------------------------------------


def test_the_tenth_token_is_created_and_the_eleventh_refused_naming_the_limit(
    client, cast, settings
):
    assert settings.ZCP_API_TOKENS_PER_PARK == 10
    client.force_login(cast.applicant_a)
    url = reverse("api_tokens", args=[cast.park_a.pk])
    for index in range(10):
        response = client.post(url, {"name": f"平台{index + 1}"})
        assert response.status_code == 200
        assert 'data-testid="new-token"' in response.content.decode()
    assert ApiToken.objects.filter(park=cast.park_a).count() == 10

    response = client.post(url, {"name": "平台11"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "最多可同时持有 10 个有效令牌" in page
    assert 'data-testid="new-token"' not in page
    assert ApiToken.objects.filter(park=cast.park_a).count() == 10


def test_revoking_a_token_frees_its_place(cast, settings):
    settings.ZCP_API_TOKENS_PER_PARK = 2
    first = tokens.issue_token(cast.applicant_a, cast.park_a, "一").token
    tokens.issue_token(cast.applicant_a, cast.park_a, "二")
    with pytest.raises(tokens.TokenLimitReached):
        tokens.issue_token(cast.applicant_a, cast.park_a, "三")

    tokens.revoke_token(cast.applicant_a, first)

    assert tokens.issue_token(cast.applicant_a, cast.park_a, "三").token.name == "三"
    # Each park has its own places.
    assert tokens.issue_token(cast.applicant_b, cast.park_b, "乙").token.park == cast.park_b


def test_the_command_refuses_a_token_past_the_limit(cast, settings):
    settings.ZCP_API_TOKENS_PER_PARK = 1
    call_command("create_api_token", "applicant_a", "一")
    with pytest.raises(CommandError, match="already holds 1 active tokens"):
        call_command("create_api_token", "applicant_a", "二")
    assert ApiToken.objects.filter(park=cast.park_a).count() == 1
