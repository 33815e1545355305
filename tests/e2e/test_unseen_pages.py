"""Three pages first built with the test client only, opened in a real browser as their users,
in Chinese: NDRC's withdrawal of an expert's assignment (D44), the energy section's table of the
batch's three years (D43) and the park's city or county on the boundary page (D47)."""

from __future__ import annotations

import pytest

from applications import reviews
from applications.models import ReviewAssignment, ReviewWithdrawal
from tests.applications.builders import complete_application, drive_to, open_batch
from tests.e2e.browsing import check_page, page_text

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


def test_ndrc_withdraws_an_expert_only_with_a_reason_and_after_confirming(site, cast):
    """The withdraw button names the expert; it opens the confirmation, which says what will
    happen and cannot go on without a reason; confirming withdraws and says so in Chinese."""
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()),
        "under_national_review",
        cast,
    )
    reviews.assign(cast.national, application, cast.expert)
    assignment = application.assignments.get(assignee=cast.expert)
    page = site.login("national")
    page.goto(site.url(f"/review/{application.pk}/"))
    withdraw = page.locator(f"[data-testid=withdraw-{cast.expert.username}] button")
    assert withdraw.text_content() == f"撤回指派（{cast.expert}）"  # its name says whose
    withdraw.click()
    page.wait_for_load_state()
    assert "撤回后不能恢复" in page.locator("[data-testid=confirm-text]").inner_text()
    check_page(page, "withdraw-confirm")
    # No reason: the browser keeps the form, nothing is withdrawn.
    page.get_by_role("button", name="确认撤回指派").click()
    assert ReviewAssignment.objects.filter(pk=assignment.pk).exists()
    # By keyboard: the reason, then the confirm button.
    page.get_by_label("撤回原因").fill("回避需要")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "确认撤回指派"
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "已撤回" in page.locator(".alert-success").inner_text(), page_text(page)
    assert not ReviewAssignment.objects.filter(pk=assignment.pk).exists()
    assert ReviewWithdrawal.objects.get().reason == "回避需要"
    assert "回避需要" in page.locator("[data-testid=withdrawals]").inner_text()
    check_page(page, "withdraw-done")
    assert site.console_errors == []


def test_the_applicant_reads_the_three_years_and_gives_the_missing_years_reason(site, cast):
    """2023 and 2024 calculated, 2022 not: the table says so, the reason is asked for 2022
    only, and once given the year reads as explained."""
    from applications import services
    from tests.reviews.conftest import add_energy_data

    add_energy_data(cast.park_a, 2023)
    add_energy_data(cast.park_a, 2024)
    application = complete_application(cast.park_a, cast.applicant_a, open_batch())
    data = dict(application.data["energy"], year_reasons=[])
    services.save_section(application, "energy", data)
    page = site.login("applicant_a")
    page.goto(site.url(f"/applications/{application.pk}/sections/energy/"))
    table = page.locator("[data-testid=three-years]")
    assert "近三年能源与碳排放数据（2022—2024 年）" in table.inner_text()
    assert "缺核算结果或原因" in table.locator("tr[data-year='2022']").inner_text()
    assert "已核算" in table.locator("tr[data-year='2023']").inner_text()
    assert page.get_by_label("2023 年无核算结果的原因").count() == 0
    check_page(page, "energy-three-years")
    # The missing year's mark leads to its reason, as a keyboard user follows it.
    table.get_by_role("link", name="缺核算结果或原因").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.name") == "reason_2022"
    page.keyboard.type("园区2022年底设立")
    page.get_by_role("button", name="保存（可随时保存草稿）").click()
    page.wait_for_load_state()
    page.goto(site.url(f"/applications/{application.pk}/sections/energy/"))
    assert "已说明原因" in table.locator("tr[data-year='2022']").inner_text(), page_text(page)
    assert site.console_errors == []


def test_the_park_picks_its_county_and_a_boundary_outside_it_is_refused_in_chinese(site, cast):
    """The picker lists the province's cities and counties by name; a county the boundary is
    not in is refused on its field, in Chinese, and nothing is saved; the right city is kept
    and shown as the park's place."""
    import json

    from applications import services
    from applications.models import Park
    from tests.applications.builders import SQUARE

    application = services.start_application(cast.applicant_a, open_batch())
    services.save_boundary(
        application, {"scope": "whole", "management_body": "管委会", "boundary_geojson": SQUARE}
    )
    page = site.login("applicant_a")
    page.goto(site.url(f"/applications/{application.pk}/boundary/"))
    place = page.locator("[data-testid=boundary-place]")
    assert "未选择市、县，边界按省份检查" in place.inner_text()
    picker = page.get_by_label("所在市、县")
    assert "南京市 / 江宁区" in picker.inner_text() and "320115" not in picker.inner_text()
    check_page(page, "boundary-place-picker")
    picker.select_option(label="苏州市")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    errors = page.locator(".invalid-feedback").all_inner_texts()
    assert any("边界超出苏州市范围" in e for e in errors), page_text(page)
    assert Park.objects.get(pk=cast.park_a.pk).division_code == ""
    check_page(page, "boundary-place-refused")
    page.get_by_label("所在市、县").select_option(label="南京市")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert Park.objects.get(pk=cast.park_a.pk).division_code == "320100", page_text(page)
    page.goto(site.url(f"/applications/{application.pk}/boundary/"))
    assert "南京市" in page.locator("[data-testid=boundary-place]").inner_text()
    assert json.loads(page.locator("[data-boundary-input]").input_value())["type"] == "Polygon"
    assert site.console_errors == []
