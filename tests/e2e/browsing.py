"""What every browser test does: log in, check a page with axe-core and at 390 px, screenshot it.

The checks are plain functions over a Playwright page so that a journey can call them on any page
it reaches."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from tests.factories import TEST_PASSWORD

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
AXE_DIR = next((Path(settings.BASE_DIR) / "static" / "vendor").glob("axe-core-*"))
AXE_URL = f"/{settings.STATIC_URL.strip('/')}/vendor/{AXE_DIR.name}/axe.min.js"
NARROW = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}
BLOCKING_IMPACTS = {"serious", "critical"}


@dataclass
class Site:
    context: object
    base_url: str
    console_errors: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def new_page(self):
        page = self.context.new_page()
        # A CSP violation or a script error shows up in the console; a journey must cause none.
        page.on("console", lambda m: self._console(page, m))
        page.on("pageerror", lambda e: self._page_error(page, e))
        return page

    def _console(self, page, message) -> None:
        source = message.location.get("url", "")
        if message.type == "error":
            self.console_errors.append(f"{page.url}: {message.text} {source}")

    def _page_error(self, page, error) -> None:
        self.console_errors.append(f"{page.url}: {error}\n{(error.stack or '')[:600]}")

    def login(self, username: str, password: str = TEST_PASSWORD, page=None):
        page = page or self.new_page()
        page.goto(self.url("/accounts/login/"))
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"{username} could not log in: {page_text(page)}"
        return page

    def logout(self, page) -> None:
        narrow_open_nav(page)
        page.locator("form[action$='/accounts/logout/'] button").click()
        page.wait_for_load_state()


def page_text(page) -> str:
    return re.sub(r"\s+", " ", page.locator("main").inner_text())[:500]


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[dict]:
    """The serious and critical axe-core violations of the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Loaded from the site's own static files, so the page's CSP stays enforced.
        page.add_script_tag(url=AXE_URL)
    results = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
            }));
        }"""
    )
    return [v for v in results if v["impact"] in BLOCKING_IMPACTS]


def assert_accessible(page, name: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{name} ({page.url}): {json.dumps(violations, ensure_ascii=False)}"


def narrow_open_nav(page) -> None:
    """At a narrow width the navigation is collapsed; open it before using what is inside."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        page.locator("#mainnav.show").wait_for()


def assert_fits_narrow(page, name: str) -> None:
    """At 390 px the page does not scroll sideways and the navigation collapses behind a button.

    Resizing is enough: the layout is CSS only, so no reload is needed (and a page shown after a
    POST is not sent again)."""
    page.set_viewport_size(NARROW)
    try:
        page.wait_for_function(f"() => window.innerWidth === {NARROW['width']}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= NARROW["width"], (
            f"{name} ({page.url}) is {width} px wide at 390 px; too wide: {too_wide(page)}"
        )
        assert page.locator(".navbar-toggler").is_visible(), f"{name}: no navigation button"
        assert not page.locator("#mainnav").is_visible(), f"{name}: navigation did not collapse"
    finally:
        page.set_viewport_size(WIDE)


TOO_WIDE_JS = """limit => {
    const past = e => e.getBoundingClientRect().right > limit + 1;
    const clipped = e => {
        for (let a = e.parentElement; a; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== 'visible' && !past(a)) { return true; }
        }
        return false;
    };
    const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (typeof e.className === 'string' && e.className.trim()
           ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
        + ' "' + (e.textContent || '').trim().slice(0, 30) + '"';
    return Array.from(document.querySelectorAll('body *'))
        .filter(e => past(e) && !clipped(e) && !Array.from(e.children).some(past))
        .slice(0, 5).map(name);
}"""


def too_wide(page) -> list[str]:
    """The innermost elements that reach past the right edge (and are not scrolled inside a box
    of their own), to say what to fix."""
    return page.evaluate(TOO_WIDE_JS, NARROW["width"])


def check_page(page, name: str, axe: bool = True) -> None:
    """Everything a key page must pass: accessibility, 390 px, and a screenshot for the record."""
    screenshot(page, name)
    if axe:
        assert_accessible(page, name)
    assert_fits_narrow(page, name)
