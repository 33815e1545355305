"""The browser tests' fixtures: Playwright driving Debian's chromium against the live server.

A plugin of the root conftest, so that every browser test, wherever it lives, shares the one
fixture (two sync Playwrights at once in one thread refuse to start).

Playwright's sync API runs an event loop in this thread, so Django's guard against database access
from async code must be lifted for these tests (the live server itself runs in its own thread).

Without /usr/bin/chromium the tests are skipped loudly, except under CI (ZCP_REQUIRE_SERVICES=1),
where a missing browser fails them: nobody downloads a browser here (no `playwright install`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_skipped_for_browser: list[str] = []


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("e2e") is None or CHROMIUM.exists():
        return
    message = f"needs {CHROMIUM} (Debian package chromium), which is not installed"
    if os.environ.get("ZCP_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message} (ZCP_REQUIRE_SERVICES=1)", pytrace=False)
    _skipped_for_browser.append(item.nodeid)
    pytest.skip(message)


def pytest_terminal_summary(terminalreporter) -> None:
    if _skipped_for_browser:
        terminalreporter.section(
            "SKIPPED: no chromium for the browser tests", sep="!", red=True, bold=True
        )
        for nodeid in _skipped_for_browser:
            terminalreporter.write_line(f"  {nodeid}")


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One Playwright and chromium per test file, stopped at its end. Playwright's sync API
    marks its event loop as running in this thread for as long as it lives (between its calls
    too), so a session-wide one made every later test of the worker run inside a running loop:
    `asyncio.run` refused there (tests/reviews/test_letter_seal.py, after a browser file)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def e2e_settings(settings):
    """Tasks run inline in the live server's thread, whatever the environment configures."""
    from zcparks.celery import app

    # Read before the settings change: Celery reads Django's settings live, and what was read
    # after the change (propagating) was put back at the end, pinned for every later test.
    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield settings
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def site(browser, live_server, e2e_settings) -> Iterator:
    """A fresh browser context (own cookies) on the live server, with CSP still enforced."""
    from tests.e2e.browsing import Site

    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    context.set_default_timeout(15_000)
    site = Site(context=context, base_url=live_server.url)
    yield site
    context.close()
