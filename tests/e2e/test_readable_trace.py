"""The trace in a real browser, in Chinese: energy kinds (the new ones of factor set v2 too),
uses and source notes by name, factors at a readable precision with every digit one click away;
the process page offers Att.4's products."""

from __future__ import annotations

import re

import pytest

from accounting import publishing
from tests.accounting.conftest import import_case
from tests.accounting.test_factor_set_versions import _case_with_new_kinds
from tests.e2e.browsing import check_page, screenshot

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


def test_the_trace_reads_in_chinese_with_every_digit_on_demand(site, cast, client):
    publishing.load_bundled_factor_sets()
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, _case_with_new_kinds())
    page = site.login("applicant_a")
    page.goto(site.url(f"/energy/{cast.park_a.pk}/2025/result/"))
    trace = page.locator("[data-testid=trace]")
    text = trace.inner_text()
    assert "石脑油" in text and "IPCC 2006 缺省值" in text and "折标准煤系数" in text
    assert not re.search(r"\d\.\d{7,}", text)  # no 34-digit factor in sight …
    details = trace.locator("details.factor-full").first
    details.locator("summary").click()
    full = details.locator("[data-full]").inner_text()
    assert len(full.replace(".", "")) > 20  # … every digit one click away
    check_page(page, "trace-readable")
    page.goto(site.url(f"/energy/{cast.park_a.pk}/2025/records/processes/"))
    options = page.locator("select[name$='product_choice'] option").all_inner_texts()
    assert "硅酸盐水泥熟料" in options and "其他工业产品（请填写名称）" in options
    screenshot(page, "process-products")
    assert site.console_errors == []
