"""Security keys (WebAuthn) as the second factor, through the pages with a software
authenticator (tests/security/soft_authenticator.py): a national reviewer registers a named key
(recovery codes with the first factor), signs in with it, removes it; answers to another
challenge, from an unknown or removed key, replayed, or for another site are refused and leave
the session unverified; the administrator's reset removes keys too."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from webauthn.helpers import bytes_to_base64url

from applications import two_factor
from applications.models import SecurityKey

from .soft_authenticator import SoftKey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _required(settings):
    settings.ZCP_TWO_FACTOR_REQUIRED = True


def register(client, key: SoftKey, name: str = "办公室密钥", **where):
    client.get(reverse("two_factor_keys"))
    challenge = client.session[two_factor.REGISTER_CHALLENGE]
    return client.post(
        reverse("two_factor_keys"),
        {"name": name, "credential": key.register(challenge, **where), "next": "/parks/"},
    )


def challenge_for_sign_in(client) -> str:
    assert client.get(reverse("two_factor_verify")).status_code == 200
    return client.session[two_factor.SIGN_IN_CHALLENGE]


def sign_in_with(client, answer: str):
    return client.post(reverse("two_factor_verify_key"), {"assertion": answer, "next": "/parks/"})


def unverified(client) -> bool:
    return client.get(reverse("park_list")).status_code == 302


def test_a_reviewer_registers_a_key_signs_in_with_it_and_the_key_counts_as_the_app_does(
    client, cast
):
    client.force_login(cast.national)
    assert client.get(reverse("park_list"))["Location"].startswith(reverse("two_factor_setup"))
    assert (
        'href="/accounts/two-factor/keys/"'
        in client.get(reverse("two_factor_setup")).content.decode()
    )
    key = SoftKey()
    done = register(client, key)
    codes = re.findall(r"<li>([0-9a-f]{10})</li>", done.content.decode())
    assert len(codes) == 10 and 'href="/parks/"' in done.content.decode()
    stored = SecurityKey.objects.get(user=cast.national)
    assert stored.name == "办公室密钥" and stored.transports == ["usb"]
    assert client.get(reverse("park_list")).status_code == 200

    client.logout()
    client.force_login(cast.national)
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_verify"))
    page = client.get(reverse("two_factor_verify")).content.decode()
    assert "使用安全密钥验证" in page and "security-key-sign-in-options" in page
    response = sign_in_with(client, key.sign_in(client.session[two_factor.SIGN_IN_CHALLENGE]))
    assert response["Location"] == "/parks/"
    assert client.get(reverse("park_list")).status_code == 200
    stored.refresh_from_db()
    assert stored.sign_count == 1 and stored.last_used_at is not None
    # A second key does not bring new recovery codes; a recovery code still works.
    second = register(client, SoftKey(), name="笔记本指纹")
    assert second.status_code == 302
    assert SecurityKey.objects.filter(user=cast.national).count() == 2
    client.logout()
    client.force_login(cast.national)
    assert client.post(reverse("two_factor_verify"), {"code": codes[0]})["Location"] == "/"


def test_answers_to_another_challenge_from_another_key_or_replayed_are_refused(client, cast):
    client.force_login(cast.national)
    key = SoftKey()
    register(client, key)
    client.logout()
    client.force_login(cast.national)

    challenge_for_sign_in(client)
    wrong = sign_in_with(client, key.sign_in(bytes_to_base64url(b"not the challenge" * 2)))
    assert wrong["Location"].startswith(reverse("two_factor_verify"))
    assert unverified(client)
    page = client.get(wrong["Location"]).content.decode()
    assert "安全密钥验证未通过" in page

    # A key nobody registered, and the right key for another site.
    assert sign_in_with(client, SoftKey().sign_in(challenge_for_sign_in(client)))
    assert unverified(client)
    sign_in_with(client, key.sign_in(challenge_for_sign_in(client), rp_id="elsewhere.example"))
    assert unverified(client)
    sign_in_with(
        client, key.sign_in(challenge_for_sign_in(client), origin="https://elsewhere.example")
    )
    assert unverified(client)

    # The right answer once; the same answer again (the challenge was used) is refused.
    answer = key.sign_in(challenge_for_sign_in(client))
    assert sign_in_with(client, answer)["Location"] == "/parks/"
    client.logout()
    client.force_login(cast.national)
    challenge_for_sign_in(client)
    sign_in_with(client, answer)
    assert unverified(client)
    # Garbage is refused with the same message, not an error page.
    challenge_for_sign_in(client)
    assert sign_in_with(client, "{not json")["Location"].startswith(reverse("two_factor_verify"))
    assert unverified(client)


def test_another_persons_key_does_not_sign_in_a_reviewer(client, cast):
    client.force_login(cast.expert)
    experts_key = SoftKey()
    register(client, experts_key)
    client.logout()
    client.force_login(cast.national)
    register(client, SoftKey())
    client.logout()
    client.force_login(cast.national)
    sign_in_with(client, experts_key.sign_in(challenge_for_sign_in(client)))
    assert unverified(client)


def test_a_removed_key_no_longer_signs_in_and_the_last_one_stays(client, cast):
    client.force_login(cast.national)
    first, second = SoftKey(), SoftKey()
    register(client, first, name="钥匙一")
    register(client, second, name="钥匙二")
    one, two = SecurityKey.objects.filter(user=cast.national).order_by("pk")

    # Without the dialog's confirmation the server asks on a page; nothing removed yet.
    asked = client.post(reverse("two_factor_key_remove", args=[two.pk]))
    assert asked.status_code == 200 and "确认移除" in asked.content.decode()
    assert SecurityKey.objects.filter(pk=two.pk).exists()
    removed = client.post(
        reverse("two_factor_key_remove", args=[two.pk]), {"confirmed_act": "1"}, follow=True
    )
    assert "安全密钥“钥匙二”已移除" in removed.content.decode()
    assert not SecurityKey.objects.filter(pk=two.pk).exists()
    # The last second factor of a reviewer stays.
    kept = client.post(
        reverse("two_factor_key_remove", args=[one.pk]), {"confirmed_act": "1"}, follow=True
    )
    assert "唯一的第二验证方式" in kept.content.decode()
    assert SecurityKey.objects.filter(pk=one.pk).exists()

    client.logout()
    client.force_login(cast.national)
    sign_in_with(client, second.sign_in(challenge_for_sign_in(client)))
    assert unverified(client)
    assert sign_in_with(client, first.sign_in(challenge_for_sign_in(client)))["Location"] == (
        "/parks/"
    )


def test_registration_refuses_a_missing_name_a_stale_challenge_and_another_origin(client, cast):
    client.force_login(cast.national)
    no_name = register(client, SoftKey(), name=" ")
    assert "请填写“密钥名称”" in no_name.content.decode()
    other_site = register(client, SoftKey(), origin="https://elsewhere.example")
    assert "未通过校验" in other_site.content.decode()
    wrong_challenge = client.post(
        reverse("two_factor_keys"),
        {"name": "别的请求", "credential": SoftKey().register(bytes_to_base64url(b"x" * 32))},
    )
    assert "未通过校验" in wrong_challenge.content.decode()
    assert not SecurityKey.objects.filter(user=cast.national).exists()
    assert unverified(client)
    # The right answer once; the same answer again finds its challenge used.
    client.get(reverse("two_factor_keys"))
    answer = SoftKey().register(client.session[two_factor.REGISTER_CHALLENGE])
    first = client.post(reverse("two_factor_keys"), {"name": "钥匙", "credential": answer})
    assert "两步验证已启用" in first.content.decode()
    again = client.post(reverse("two_factor_keys"), {"name": "钥匙", "credential": answer})
    assert "已过期或已使用" in again.content.decode()
    assert SecurityKey.objects.filter(user=cast.national).count() == 1


def test_the_keys_page_asks_for_the_second_factor_first_and_reset_removes_keys(client, cast):
    client.force_login(cast.national)
    register(client, SoftKey())
    client.logout()
    client.force_login(cast.national)
    # A password alone may not add a key beside the one registered.
    response = client.get(reverse("two_factor_keys"))
    assert response["Location"].startswith(reverse("two_factor_verify"))
    assert client.post(reverse("two_factor_keys"), {"name": "偷偷加的"}).status_code == 302
    one = SecurityKey.objects.get(user=cast.national)
    assert client.post(reverse("two_factor_key_remove", args=[one.pk]), {"confirmed_act": "1"})[
        "Location"
    ].startswith(reverse("two_factor_verify"))
    assert SecurityKey.objects.filter(pk=one.pk).exists()

    two_factor.reset(cast.national)
    assert not SecurityKey.objects.filter(user=cast.national).exists()
    assert not StaticDevice.objects.filter(user=cast.national).exists()
    assert not TOTPDevice.objects.filter(user=cast.national).exists()
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_setup"))
