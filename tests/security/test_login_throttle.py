"""A login throttle that an attacker cannot turn on users.

Failures count per client address (20 in 15 minutes, then 429) and per account *and* client (a
doubling delay after five); nothing a client does delays the account's owner at another address.
Behind trusted proxies the address is the proxy's report in X-Forwarded-For; without them the
header is ignored.
"""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from freezegun import freeze_time

from applications.models import User
from zcparks import throttle

from ..factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

ATTACKER = "198.51.100.7"
OWNER = "203.0.113.5"
PROXY = "10.0.0.1"


def sign_in(
    client: Client, username: str, password: str, address: str, forwarded: str | None = None
):
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def signed_in_as(client: Client) -> User | None:
    response = client.get(reverse("home"))
    user = response.wsgi_request.user
    return user if user.is_authenticated else None


def fail(times: int, username: str, address: str, clock, forwarded: str | None = None) -> int:
    """`times` wrong passwords from one client, waiting out each delay as a patient attacker
    would; returns how many attempts were refused on the way."""
    attacker, failures, refused = Client(), 0, 0
    while failures < times:
        response = sign_in(attacker, username, "wrong", address, forwarded)
        if response.status_code == 429:
            refused += 1
            clock.tick(int(response["Retry-After"]))
        else:
            assert response.status_code == 200
            failures += 1
    return refused


@pytest.mark.parametrize("failures", [5, 20])
def test_failures_from_one_client_do_not_stop_the_owner_signing_in_from_another(cast, failures):
    with freeze_time("2026-12-03 02:00:00") as clock:
        refused = fail(failures, "applicant_a", ATTACKER, clock)
        assert refused == failures - 5  # each attempt after the fifth had to wait
        if failures == 20:  # the attacker's client is now at its limit
            assert sign_in(Client(), "applicant_a", "wrong", ATTACKER).status_code == 429

        owner = Client()
        response = sign_in(owner, "applicant_a", TEST_PASSWORD, OWNER)

        assert response.status_code == 302
        assert signed_in_as(owner) == cast.applicant_a


@pytest.mark.parametrize("failures", [5, 20])
def test_behind_a_trusted_proxy_clients_are_told_apart_by_forwarded_for(cast, settings, failures):
    settings.ZCP_TRUSTED_PROXY_COUNT = 1
    with freeze_time("2026-12-03 02:00:00") as clock:
        fail(failures, "admin", PROXY, clock, forwarded=ATTACKER)
        if failures == 20:
            assert sign_in(Client(), "admin", "wrong", PROXY, ATTACKER).status_code == 429

        owner = Client()
        response = sign_in(owner, "admin", TEST_PASSWORD, PROXY, forwarded=OWNER)

        assert response.status_code == 302
        assert signed_in_as(owner) == cast.admin


def test_the_client_limit_answers_429_with_retry_after_even_for_the_right_password(cast):
    with freeze_time("2026-12-03 02:00:00") as clock:
        # Twenty failures over several accounts: the limit is the client's, not an account's.
        for index in range(20):
            username = ["applicant_a", "applicant_b", "nobody", "national"][index % 4]
            assert sign_in(Client(), username, "wrong", ATTACKER).status_code == 200

        client = Client()
        response = sign_in(client, "applicant_b", TEST_PASSWORD, ATTACKER)

        assert response.status_code == 429
        assert 0 < int(response["Retry-After"]) <= 15 * 60
        page = response.content.decode()
        assert "登录失败的次数过多" in page and "秒后" in page
        assert signed_in_as(client) is None

        # When the window is over, the client may sign in again.
        clock.tick(int(response["Retry-After"]))
        assert sign_in(client, "applicant_b", TEST_PASSWORD, ATTACKER).status_code == 302
        assert signed_in_as(client) == cast.applicant_b


def test_a_spoofed_forwarded_for_is_ignored_without_trusted_proxies(cast, settings):
    settings.ZCP_TRUSTED_PROXY_COUNT = 0
    # Each attempt claims another address; all of them come from the attacker's REMOTE_ADDR.
    for index in range(20):
        sign_in(Client(), "applicant_a", "wrong", ATTACKER, forwarded=f"192.0.2.{index}")

    response = sign_in(Client(), "applicant_a", TEST_PASSWORD, ATTACKER, forwarded=OWNER)

    assert response.status_code == 429
    # Claiming the owner's address did not put the owner's real address under the limit.
    assert sign_in(Client(), "applicant_a", TEST_PASSWORD, OWNER).status_code == 302


def test_behind_one_proxy_addresses_the_client_prepends_are_ignored(cast, settings):
    settings.ZCP_TRUSTED_PROXY_COUNT = 1
    for index in range(20):
        # The proxy appends the address it saw; what the client sent stays on the left.
        sign_in(Client(), "applicant_a", "wrong", PROXY, forwarded=f"192.0.2.{index}, {ATTACKER}")

    response = sign_in(
        Client(), "applicant_a", TEST_PASSWORD, PROXY, forwarded=f"{OWNER}, {ATTACKER}"
    )

    assert response.status_code == 429
    owner = sign_in(Client(), "applicant_a", TEST_PASSWORD, PROXY, forwarded=OWNER)
    assert owner.status_code == 302


def test_the_accounts_delay_doubles_up_to_its_cap_and_a_success_clears_it(cast):
    client = Client()
    with freeze_time("2026-12-03 02:00:00") as clock:
        assert [
            sign_in(client, "applicant_a", "wrong", ATTACKER).status_code for _ in range(5)
        ] == [200] * 5

        waits = []
        for _ in range(8):
            refused = sign_in(client, "applicant_a", TEST_PASSWORD, ATTACKER)
            assert refused.status_code == 429
            assert "该账号从您这里连续登录失败" in refused.content.decode()
            waits.append(int(refused["Retry-After"]))
            clock.tick(waits[-1])
            assert sign_in(client, "applicant_a", "wrong", ATTACKER).status_code == 200

        assert waits == [1, 2, 4, 8, 16, 32, 60, 60]

        # The owner, elsewhere, was never delayed meanwhile.
        assert sign_in(Client(), "applicant_a", TEST_PASSWORD, OWNER).status_code == 302

        # After the wait, the right password signs in and clears the pair's count.
        assert sign_in(client, "applicant_a", TEST_PASSWORD, ATTACKER).status_code == 429
        clock.tick(60)
        assert sign_in(client, "applicant_a", TEST_PASSWORD, ATTACKER).status_code == 302
        assert sign_in(Client(), "applicant_a", "wrong", ATTACKER).status_code == 200
        assert sign_in(Client(), "applicant_a", TEST_PASSWORD, ATTACKER).status_code == 302


def test_a_refused_attempt_does_not_check_the_password(cast):
    # The clock stands still while the attempts are made: on a busy machine thirty real sign-ins
    # can outlast the delay, and the later ones would then be judged as after it.
    with freeze_time() as clock:
        for _ in range(5):
            sign_in(Client(), "applicant_a", "wrong", ATTACKER)
        # Refused attempts are not failures: they neither lengthen the delay nor count toward 20.
        for _ in range(30):
            assert sign_in(Client(), "applicant_a", "wrong", ATTACKER).status_code == 429
        clock.tick(2)
        assert sign_in(Client(), "applicant_a", TEST_PASSWORD, ATTACKER).status_code == 302


def test_the_admin_login_passes_the_same_throttle(cast):
    for index in range(20):
        assert sign_in(Client(), f"nobody{index}", "wrong", ATTACKER).status_code == 200

    response = Client().post(
        reverse("admin:login"),
        {"username": "admin", "password": TEST_PASSWORD},
        REMOTE_ADDR=ATTACKER,
    )

    assert response.status_code == 200
    assert "登录失败的次数过多" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.parametrize("proxies", [1, 3])
@pytest.mark.parametrize(
    "header",
    [
        "",
        "garbage",
        ",,,",
        "999.1.1.1",
        "1.2.3.4, zz",
        "\x00",
        "²",
        "1.2.3.4:5678",
        "a" * 10000,
        ", ".join(["203.0.113.9"] * 2000),
    ],
)
def test_malformed_forwarded_for_falls_back_to_the_remote_address(cast, settings, proxies, header):
    settings.ZCP_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=header)
    address = throttle.client_address(request)
    valid = header.startswith("203.0.113.9") and proxies <= 2000
    assert address == ("203.0.113.9" if valid else PROXY)

    response = sign_in(Client(), "applicant_a", "wrong", PROXY, forwarded=header)
    assert response.status_code == 200


def test_the_nth_address_from_the_right_is_the_client(settings):
    settings.ZCP_TRUSTED_PROXY_COUNT = 2
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.5 , 10.0.0.2"
    )
    assert throttle.client_address(request) == OWNER

    settings.ZCP_TRUSTED_PROXY_COUNT = 0
    assert throttle.client_address(request) == PROXY


def test_with_its_cache_down_login_still_works_and_warns(cast, caplog, monkeypatch):
    monkeypatch.setattr(throttle, "_last_warning", {})
    # Nothing listens on port 1: every cache call fails to connect.
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=unreachable):
        assert [
            sign_in(Client(), "applicant_a", "wrong", ATTACKER).status_code for _ in range(6)
        ] == [200] * 6
        client = Client()
        assert sign_in(client, "applicant_a", TEST_PASSWORD, ATTACKER).status_code == 302
        assert signed_in_as(client) == cast.applicant_a
    assert "throttle not applied" in caplog.text
