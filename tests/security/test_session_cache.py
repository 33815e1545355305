"""Sessions in the cache and the verified second factor kept in the session (D41): a signed-in
request reads neither the session table nor the device, yet a device reset, a deactivation, a
sign-out and a password change take effect at the very next request."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from applications import two_factor
from applications.models import User

from .test_cache_settings import ROOT, settings_env

pytestmark = pytest.mark.django_db

CACHED_DB = "django.contrib.sessions.backends.cached_db"


@pytest.fixture(autouse=True)
def _cached_sessions(settings):
    settings.ZCP_TWO_FACTOR_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.SESSION_ENGINE = CACHED_DB


def verified(client, user) -> TOTPDevice:
    """Signed in with the password and the app's code, as a national reviewer does."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    code = f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"
    assert client.post(reverse("two_factor_verify"), {"code": code})["Location"] == "/"
    assert client.get(reverse("park_list")).status_code == 200  # reads the device once more
    return device


def tables_read(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(url).status_code
    return status, " ".join(q["sql"] for q in queries.captured_queries)


def test_a_verified_session_reads_neither_the_session_table_nor_the_device(client, cast):
    verified(client, cast.national)
    status, sql = tables_read(client, reverse("park_list"))
    assert status == 200
    assert "django_session" not in sql
    assert "otp_totp_totpdevice" not in sql and "otp_static" not in sql


def test_a_reset_device_is_refused_at_the_next_request(client, cast):
    verified(client, cast.national)
    two_factor.reset(User.objects.get(pk=cast.national.pk))
    response = client.get(reverse("park_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_a_reset_through_the_admin_is_refused_at_the_next_request(client, cast):
    from django.test import Client

    verified(client, cast.national)
    admin = Client()
    verified(admin, cast.admin)
    admin.post(
        reverse("admin:applications_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [cast.national.pk]},
    )
    assert not TOTPDevice.objects.filter(user=cast.national).exists()
    assert client.get(reverse("park_list"))["Location"].startswith(reverse("two_factor_setup"))


def test_a_device_deleted_without_the_service_is_refused_too(client, cast):
    device = verified(client, cast.national)
    TOTPDevice.objects.filter(pk=device.pk).delete()  # e.g. from a shell
    assert client.get(reverse("park_list")).status_code == 302


def test_saving_a_person_loaded_before_the_reset_does_not_undo_it(client, cast):
    verified(client, cast.national)
    stale = User.objects.get(pk=cast.national.pk)
    two_factor.reset(User.objects.get(pk=cast.national.pk))
    stale.display_name = "改名"
    stale.save()
    fresh = User.objects.get(pk=cast.national.pk)
    assert fresh.display_name == "改名"
    assert fresh.second_factor_generation > stale.second_factor_generation
    assert client.get(reverse("park_list")).status_code == 302


def test_recovery_codes_changing_also_makes_the_session_read_the_device_again(client, cast):
    verified(client, cast.national)
    before = User.objects.get(pk=cast.national.pk).second_factor_generation
    StaticDevice.objects.create(user=cast.national, name="recovery", confirmed=True)
    assert User.objects.get(pk=cast.national.pk).second_factor_generation == before + 1
    status, sql = tables_read(client, reverse("park_list"))
    assert status == 200 and "otp_totp_totpdevice" in sql  # read once, still valid
    assert "otp_totp_totpdevice" not in tables_read(client, reverse("park_list"))[1]


def test_a_deactivated_person_is_signed_out_at_the_next_request(client, cast):
    verified(client, cast.national)
    User.objects.filter(pk=cast.national.pk).update(is_active=False)
    response = client.get(reverse("park_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_signing_out_deletes_the_cached_session(client, cast):
    verified(client, cast.national)
    cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    client.cookies["sessionid"] = cookie  # the old cookie, replayed
    response = client.get(reverse("park_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_password_change_signs_out_the_other_sessions(client, cast):
    verified(client, cast.national)
    user = User.objects.get(pk=cast.national.pk)
    user.set_password("another-long-passphrase-2026")
    user.save()
    response = client.get(reverse("park_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("variables", "engine"),
    [
        ({"ZCP_CACHE_URL": "redis://127.0.0.1:6379/5"}, CACHED_DB),
        ({}, "django.contrib.sessions.backends.db"),
    ],
)
def test_sessions_are_cached_only_in_a_cache_shared_by_all_processes(variables, engine):
    result = subprocess.run(
        [sys.executable, "-c", "import zcparks.settings as s; print(s.SESSION_ENGINE)"],
        cwd=ROOT,
        env=settings_env(production=False, **variables),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == engine
