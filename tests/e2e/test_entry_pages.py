"""The monthly entry pages in a real browser, in Chinese: axe-clean (every input labelled), a row
added with the keyboard and saved, the save saying what changed."""

from __future__ import annotations

import pytest

from accounting import publishing
from accounting.models import Enterprise, FuelRecord, ParkYear
from tests.e2e.browsing import check_page, page_text

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


def test_the_entry_pages_are_accessible_and_a_row_is_added_with_the_keyboard(site, cast):
    publishing.load_bundled_factor_sets()
    park_year = ParkYear.objects.create(park=cast.park_a, year=2025)
    firm = Enterprise.objects.create(park_year=park_year, name="甲化工")
    FuelRecord.objects.create(
        park_year=park_year, enterprise=firm, month=1, fuel="diesel", use="end_use", quantity="100"
    )
    base = f"/energy/{cast.park_a.pk}/2025/records/"
    page = site.login("applicant_a")
    for kind in ("enterprises", "electricity", "heat", "processes", "products", "fuels"):
        page.goto(site.url(base + kind + "/"))
        check_page(page, f"entry-{kind}")

    rows = page.locator("[data-testid=entry-table] tbody tr")
    before = rows.count()
    page.locator("[data-formset-add]").focus()
    page.keyboard.press("Enter")
    assert rows.count() == before + 1
    # The new row's first control has the focus: its month, then fuel, use, quantity.
    focused = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    assert focused.startswith("月份"), focused
    page.keyboard.press("Tab")
    page.keyboard.type("柴油")  # a select picks its option by typing
    new = rows.nth(before)
    new.locator("select[name$='-fuel']").select_option("diesel")
    new.locator("select[name$='-use']").select_option("end_use")
    new.locator("input[name$='-quantity']").fill("12.5")
    page.locator("[data-testid=entry-table] input[name='fuels-0-quantity']").fill("120")
    page.locator("main form[method=post] button[type=submit]").click()
    page.wait_for_load_state()

    text = page_text(page)
    assert "新增 1 行，修改 1 行" in text, text
    assert "“数量”：100 → 120" in text, text
    assert FuelRecord.objects.filter(park_year=park_year).count() == 2
    check_page(page, "entry-fuels-saved")
    assert site.console_errors == []
