"""The boundary map in a real browser, with no tile server: the province, city and county
outlines of the base layer, the polygon, the graticule, the scale and the drawing tools (in
Chinese) show, the Content-Security-Policy is respected, and a drawn polygon ends up
in the form and is saved with its area."""

from __future__ import annotations

import pytest

from applications import services
from applications.models import Application
from tests.applications.builders import SQUARE, open_batch
from tests.e2e.browsing import check_page, page_text

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


def test_the_map_shows_the_saved_boundary_over_the_outlines_without_any_tiles(site, cast):
    app = services.start_application(cast.applicant_a, open_batch())
    services.save_boundary(
        app, {"scope": "whole", "management_body": "管委会", "boundary_geojson": SQUARE}
    )
    page = site.login("applicant_a")
    page.goto(site.url(f"/applications/{app.pk}/boundary/"))
    page.wait_for_selector(".leaflet-container")
    assert page.locator(".leaflet-tile").count() == 0
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator(".leaflet-pm-toolbar").count() >= 1
    # The boundary and at least two graticule lines are drawn as vector paths.
    assert page.locator("path.leaflet-interactive").count() >= 1
    assert page.locator("path:not(.leaflet-interactive)").count() >= 2
    # The base layer: every province's outline, and Jiangsu's cities; its counties close up.
    page.wait_for_selector("#boundary-map[data-base-layer=ready]")
    outlines = page.locator(".leaflet-admin-pane path")
    assert outlines.count() >= 34 + 13
    page.wait_for_selector("#boundary-map[data-counties=ready]")  # the park is close up
    assert outlines.count() > 34 + 13
    assert site.console_errors == []


def test_the_reviewer_sees_the_submitted_boundary_over_the_outlines(site, cast):
    from applications.models import Park
    from tests.applications.builders import complete_application, drive_to

    Park.objects.filter(pk=cast.park_a.pk).update(division_code="320100")  # D47
    cast.park_a.refresh_from_db()
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), "submitted", cast
    )
    page = site.login("prov_js")
    page.goto(site.url(f"/review/{application.pk}/"))
    # The city the park named, as submitted, beside its province (D53).
    assert page.get_by_test_id("review-place").inner_text() == "江苏省 南京市"
    page.wait_for_selector("#review-map[data-base-layer=ready]")
    assert page.locator("#review-map .leaflet-admin-pane path").count() >= 34 + 13
    assert page.locator("#review-map path.leaflet-interactive").count() == 1  # the boundary
    assert page.locator("#review-map [title='放大']").count() == 1
    assert site.console_errors == []


def test_a_polygon_drawn_on_the_map_is_saved_with_its_area(site, cast):
    app = services.start_application(cast.applicant_a, open_batch())
    page = site.login("applicant_a")
    page.goto(site.url(f"/applications/{app.pk}/boundary/"))
    page.wait_for_selector(".leaflet-container")
    # With no boundary yet the map opens on the park's province (Jiangsu).
    page.wait_for_selector("#boundary-map[data-base-layer=ready]")
    # The drawing tools speak Chinese.
    assert page.locator("#boundary-map [title='绘制多边形边界']").count() == 1
    assert page.locator("#boundary-map [title='删除边界']").count() == 1
    for _ in range(5):  # closer in, so that the drawn park lies well inside the province
        page.locator("#boundary-map .leaflet-control-zoom-in").click()
        page.wait_for_timeout(350)  # a click during the zoom animation is ignored
    page.locator("[title='绘制多边形边界'] .leaflet-pm-icon-polygon").click()
    box = page.locator("#boundary-map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    assert "放置边界的第一个顶点" in page.locator(".leaflet-tooltip").first.inner_text()
    for dx, dy in ((-60, -40), (60, -40), (60, 40), (-60, 40)):
        page.mouse.click(x + dx, y + dy)
    page.mouse.click(x - 60, y - 40)  # back on the first vertex closes the ring
    value = page.locator("[data-boundary-input]").input_value()
    assert '"Polygon"' in value
    page.locator("input[name=management_body]").fill("管委会")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    saved = Application.objects.get(pk=app.pk)
    assert saved.boundary_geojson is not None, page_text(page)[:500]
    assert saved.boundary_area_km2 > 0
    assert site.console_errors == []


def test_the_application_pages_are_accessible_and_fit_a_phone(site, cast):
    from applications import workflow
    from tests.applications.builders import complete_application

    app = complete_application(cast.park_a, cast.applicant_a)
    page = site.login("applicant_a")
    for name, path in (
        ("application-list", "/applications/"),
        ("application-detail-draft", f"/applications/{app.pk}/"),
        ("application-section-key-tasks", f"/applications/{app.pk}/sections/key_tasks/"),
        ("application-boundary", f"/applications/{app.pk}/boundary/"),
        ("application-incidents", f"/applications/{app.pk}/incidents/"),
        ("application-attachments", f"/applications/{app.pk}/attachments/"),
    ):
        page.goto(site.url(path))
        check_page(page, name)
    workflow.submit(cast.applicant_a, app, declaration=workflow.DECLARATION)
    reviewer = site.login("prov_js")
    for name, path in (
        ("application-detail-submitted", f"/applications/{app.pk}/"),
        ("application-submission", f"/applications/{app.pk}/submissions/1/"),
    ):
        reviewer.goto(site.url(path))
        check_page(reviewer, name)
    assert site.console_errors == []


def test_roadmap_rows_are_added_with_the_button_and_removed_with_the_delete_box(site, cast):
    app = services.start_application(cast.applicant_a, open_batch())
    page = site.login("applicant_a")
    page.goto(site.url(f"/applications/{app.pk}/sections/targets/"))
    roadmap = page.locator("[data-formset=roadmap]")
    add = roadmap.locator("[data-formset-add]")
    assert add.is_visible()
    assert roadmap.locator("[data-formset-row]").count() == 1
    add.click()
    add.click()
    assert roadmap.locator("[data-formset-row]").count() == 3
    assert page.locator("[name='roadmap-TOTAL_FORMS']").input_value() == "3"
    # The new row takes the focus, so the applicant can type straight away.
    assert page.evaluate("() => document.activeElement.name") == "roadmap-2-name"
    for i, name in enumerate(("近期", "中期", "远期")):
        page.locator(f"[name='roadmap-{i}-name']").fill(name)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    app.refresh_from_db()
    assert [p["name"] for p in app.data["targets"]["roadmap"]] == ["近期", "中期", "远期"], (
        page_text(page)
    )

    # Back on the page: the three saved phases and one empty row; delete the middle one.
    assert roadmap.locator("[data-formset-row]").count() == 4
    roadmap.locator("[name='roadmap-1-DELETE']").check()
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    app.refresh_from_db()
    assert [p["name"] for p in app.data["targets"]["roadmap"]] == ["近期", "远期"]
    assert site.console_errors == []
