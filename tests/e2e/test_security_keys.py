"""A national reviewer's security key in a real browser, with Chromium's virtual authenticator
(CTAP2 over USB, user verification): the first sign-in registers a named key instead of the app
and shows the recovery codes; the next sign-in asks for the key after the password, and the key
opens the site. Chinese, no CSP or script error, no serious axe violation."""

from __future__ import annotations

import pytest

from applications.models import SecurityKey

from .browsing import check_page, page_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def add_virtual_authenticator(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_a_national_reviewer_registers_a_security_key_and_signs_in_with_it(site, cast, settings):
    settings.ZCP_TWO_FACTOR_REQUIRED = True
    page = site.new_page()
    add_virtual_authenticator(page)
    site.login("national", page=page)
    assert "/accounts/two-factor/" in page.url
    page.get_by_test_id("use-security-key").click()
    page.wait_for_load_state()
    assert "安全密钥" in page_text(page) and "还没有注册安全密钥" in page_text(page)
    check_page(page, "security-keys")

    page.locator("input[name=name]").fill("办公室 USB 密钥")
    page.get_by_role("button", name="注册安全密钥").click()
    page.wait_for_url("**/accounts/two-factor/keys/")
    assert "两步验证已启用" in page_text(page)
    assert page.locator("main ul.font-monospace li").count() == 10
    key = SecurityKey.objects.get(user=cast.national)
    assert key.name == "办公室 USB 密钥" and key.confirmed
    page.get_by_text("我已保存，继续").click()
    page.wait_for_url(lambda url: "/accounts/two-factor/" not in url)

    # The next sign-in: the password leads to the key, the key opens the site.
    site.logout(page)
    site.login("national", page=page)
    assert "/accounts/two-factor/verify/" in page.url
    check_page(page, "two-factor-verify-key")
    page.get_by_role("button", name="使用安全密钥验证").click()
    # The key answers in script, which then posts the form: wait for that navigation itself.
    page.wait_for_url(lambda url: "/accounts/two-factor/" not in url)
    key.refresh_from_db()
    assert key.last_used_at is not None
    page.goto(site.url("/accounts/two-factor/keys/"))
    assert "办公室 USB 密钥" in page_text(page)
    assert site.console_errors == []
