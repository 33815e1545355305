"""Logging in, finding one's way, switching language: every role, in a real browser.

Every page reachable from a role's navigation must pass axe-core (no serious or critical violation)
and fit a 390 px wide screen, so pages added later by any feature are checked here too."""

from __future__ import annotations

import pytest

from .browsing import check_page, narrow_open_nav, screenshot

pytestmark = [
    pytest.mark.e2e,
    # Provinces come back after each flush through tests/conftest.py (_put_back_reference_data);
    # serialized_rollback would collide with other transactional tests' content types.
    pytest.mark.django_db(transaction=True),
]


def nav_links(page) -> list[tuple[str, str]]:
    links = page.locator("#mainnav a.nav-link[data-nav]")
    return [
        (links.nth(i).get_attribute("data-nav"), links.nth(i).get_attribute("href"))
        for i in range(links.count())
    ]


def test_the_login_page_is_accessible_and_fits_a_phone(site, cast):
    page = site.new_page()
    page.goto(site.url("/accounts/login/"))

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    check_page(page, "login")


def test_a_wrong_password_keeps_the_user_on_the_login_page(site, cast):
    page = site.new_page()
    page.goto(site.url("/accounts/login/"))
    page.locator("input[name=username]").fill("prov_js")
    page.locator("input[name=password]").fill("not-the-password")
    page.locator("main form button[type=submit]").click()

    assert "/accounts/login/" in page.url
    assert page.locator("[data-testid=current-user]").count() == 0


@pytest.mark.parametrize("username", ["applicant_a", "prov_js", "national", "expert_a", "admin"])
def test_every_page_in_a_roles_navigation_is_accessible_and_fits_a_phone(site, cast, username):
    page = site.login(username)
    links = nav_links(page)
    assert links, f"{username} sees no navigation"

    check_page(page, f"{username}-home")
    for key, href in links:
        page.goto(site.url(href))
        assert page.locator("main h1").count() >= 1, f"{href} has no heading"
        check_page(page, f"{username}-{key}")
    assert site.console_errors == []


def test_a_provincial_reviewer_sees_only_the_parks_of_the_province(site, cast):
    page = site.login("prov_js")

    page.locator("a[data-nav=parks]").click()
    table = page.locator("[data-testid=park-table]")
    assert "甲园区" in table.inner_text()
    assert "乙园区" in table.inner_text()
    assert "丙园区" not in table.inner_text()

    page.get_by_role("link", name="甲园区").click()
    assert page.locator("main h1").inner_text() == "甲园区"
    check_page(page, "park-detail")


def test_a_park_applicant_is_taken_to_the_own_park(site, cast):
    page = site.login("applicant_a")

    page.locator("a[data-nav=my_park]").click()

    assert page.locator("main h1").inner_text() == "甲园区"
    assert f"/parks/{cast.park_a.pk}/" in page.url


def test_the_language_switch_turns_the_pages_into_english_and_back(site, cast):
    page = site.login("prov_js")
    assert page.locator("a[data-nav=home]").inner_text() == "工作台"

    page.locator("button[name=language][value=en]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("a[data-nav=home]").inner_text() == "Workbench"
    assert page.locator("a[data-nav=parks]").inner_text() == "Parks"
    screenshot(page, "home-en")

    page.locator("button[name=language][value=zh-hans]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"


def test_at_390_px_the_navigation_opens_from_its_button(site, cast):
    page = site.login("national")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert not page.locator("a[data-nav=parks]").is_visible()

    narrow_open_nav(page)

    page.locator("a[data-nav=parks]").click()
    assert "/parks/" in page.url
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(page, "parks-390")
