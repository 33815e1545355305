"""Two-factor sign-in: a national reviewer sets up a TOTP app (QR code, key) at the first
sign-in, gets ten recovery codes, signs in later with the app's code or a recovery code (once);
an administrator resets the device; an applicant needs none."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _required(settings):
    settings.ZCP_TWO_FACTOR_REQUIRED = True
    # django-otp makes the next try after a wrong code wait (1 s, doubling): not here.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):0{device.digits}d}"


def test_a_national_reviewer_sets_up_the_app_and_then_signs_in_with_it_or_a_recovery_code(
    client, cast
):
    client.force_login(cast.national)
    response = client.get(reverse("park_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))

    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and "设置两步验证" in page and "密钥" in page
    device = TOTPDevice.objects.get(user=cast.national, confirmed=False)

    wrong = client.post(reverse("two_factor_setup"), {"code": "000000", "next": "/parks/"})
    assert "验证码不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=cast.national, confirmed=True).exists()
    done = client.post(reverse("two_factor_setup"), {"code": code_of(device), "next": "/parks/"})
    codes = re.findall(r"<li>([0-9a-f]{10})</li>", done.content.decode())
    assert len(codes) == 10 and 'href="/parks/"' in done.content.decode()
    assert client.get(reverse("park_list")).status_code == 200

    # The next sign-in: the password alone reaches nothing; a recovery code works once.
    client.logout()
    client.force_login(cast.national)
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_verify"))
    assert (
        client.post(reverse("two_factor_verify"), {"code": codes[0], "next": "/parks/"})["Location"]
        == "/parks/"
    )
    assert client.get(reverse("park_list")).status_code == 200
    client.logout()
    client.force_login(cast.national)
    again = client.post(reverse("two_factor_verify"), {"code": codes[0]})
    assert again.status_code == 200 and "验证码不正确" in again.content.decode()
    assert client.get(reverse("home")).status_code == 302
    # ...and so does the app's code; a foreign `next` goes home instead.
    device.refresh_from_db()
    device.last_t = -1
    device.save()
    assert (
        client.post(
            reverse("two_factor_verify"),
            {"code": code_of(device), "next": "https://elsewhere.example/"},
        )["Location"]
        == "/"
    )
    assert client.get(reverse("home")).status_code == 200


def test_an_administrator_resets_a_reviewers_device(client, cast):
    TOTPDevice.objects.create(user=cast.national, name="lost phone", confirmed=True)
    StaticDevice.objects.create(user=cast.national, name="recovery", confirmed=True)
    admin_device = TOTPDevice.objects.create(user=cast.admin, name="admin", confirmed=True)
    client.force_login(cast.admin)
    client.post(reverse("two_factor_verify"), {"code": code_of(admin_device)})
    response = client.post(
        reverse("admin:applications_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [cast.national.pk]},
        follow=True,
    )
    assert "已重置 1 位用户的两步验证" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=cast.national).exists()
    assert not StaticDevice.objects.filter(user=cast.national).exists()
    client.logout()
    client.force_login(cast.national)
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_setup"))


def test_an_applicant_needs_no_second_factor_but_may_set_one_up(client, cast):
    client.force_login(cast.applicant_a)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("two_factor_setup")).status_code == 200


def test_without_the_setting_the_demo_reviewer_signs_in_with_a_password(client, cast, settings):
    settings.ZCP_TWO_FACTOR_REQUIRED = False
    client.force_login(cast.national)
    assert client.get(reverse("park_list")).status_code == 200
