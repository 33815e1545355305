"""A national reviewer's first sign-in in a real browser: the password leads to the two-factor
set-up page (QR code and key), the app's code turns it on and shows the recovery codes once,
then the site opens. Chinese, no CSP or script error, no serious axe violation."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import totp

from .browsing import check_page, page_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_national_reviewers_first_sign_in_sets_up_the_second_factor(site, cast, settings):
    settings.ZCP_TWO_FACTOR_REQUIRED = True
    page = site.login("national")
    assert "/accounts/two-factor/" in page.url
    assert "设置两步验证" in page_text(page) and page.locator("main svg").count() == 1
    check_page(page, "two-factor-setup")

    key = page.locator("main code").inner_text().replace(" ", "")
    code = f"{totp(base64.b32decode(key)):06d}"
    page.locator("input[name=code]").fill(code)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "两步验证已启用" in page_text(page)
    assert page.locator("main li.font-monospace, main ul.font-monospace li").count() == 10
    check_page(page, "two-factor-codes")
    page.get_by_text("我已保存，继续").click()
    page.wait_for_load_state()
    assert "/accounts/two-factor/" not in page.url
    assert site.console_errors == []
