"""The documentation page in a real browser: Swagger UI (vendored) starts under the CSP without
any console error, lists every operation, and a signed-in reviewer can try a read with the
session."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.e2e.browsing import check_page

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

METHODS = {"get", "post", "put", "patch", "delete"}


def operations() -> int:
    """The operations of the OpenAPI schema the page is built from (one per path and method)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sum(1 for path in schema["paths"].values() for method in path if method in METHODS)


def test_the_docs_page_renders_every_operation_and_tries_a_read_with_the_session(site, cast):
    page = site.login("national")
    page.goto(site.url("/api/docs/"))
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert operations() >= 11  # /api/v1/: me, parks, years, data, case, runs, programme ...
    assert page.locator(".swagger-ui .opblock").count() == operations()
    check_page(page, "api-docs")

    me = page.locator(".opblock", has=page.locator("[data-path='/api/v1/me/']"))
    me.locator(".opblock-summary-control").click()
    me.locator("button.try-out__btn").click()
    me.locator("button.execute").click()
    status = me.locator(".live-responses-table tr.response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("200")
    assert "national" in me.locator(".live-responses-table .microlight").first.inner_text()
    assert site.console_errors == []


def test_the_docs_page_in_english_loads_the_english_schema(site):
    page = site.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(site.url("/api/docs/?lang=en"))
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert any(url.endswith("/api/schema/?lang=en") for url in requests)
    assert not [url for url in requests if not url.startswith(site.base_url)]
    assert site.console_errors == []
