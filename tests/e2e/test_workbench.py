"""NDRC's workbench in a real browser: the charts draw and the map shows the parks' outlines,
loaded from their JSON endpoint, over the provinces' outlines, with no console error (CSP
enforced)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from applications.models import Application, Park
from tests.applications.builders import SQUARE, open_batch

from .browsing import check_page, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_ndrc_workbench_draws_its_charts_and_the_parks_map(site, cast):
    batch = open_batch()
    parks = Park.objects.bulk_create(
        [Park(name=f"地图园区{i}", province=cast.park_a.province) for i in range(3)]
    )
    Application.objects.bulk_create(
        [
            Application(
                park=park,
                batch=batch,
                status=status,
                submission_count=1,
                submitted_at=timezone.now(),
                ever_recommended=True,
                tier="200k_1m",
                core_pass=True,
                boundary_geojson=SQUARE,
            )
            for park, status in zip(
                parks, ("recommended", "under_national_review", "approved"), strict=True
            )
        ]
    )
    page = site.login("national")
    page.wait_for_selector("#workbench-map[data-parks='3']")
    assert page.locator("#workbench-map canvas").count() >= 1  # the outlines, on a canvas
    assert page.locator(".leaflet-tile").count() == 0  # no tile server
    # Under the parks, the provinces' outlines (the boundary pages' offline base layer).
    page.wait_for_selector("#workbench-map[data-base-layer='ready']")
    assert page.locator("#workbench-map .leaflet-admin-pane canvas").count() >= 1
    charts = page.locator("canvas[data-chart]")
    assert charts.count() == 4
    # Chart.js made a chart of every canvas
    for i in range(charts.count()):
        assert page.evaluate("(c) => !!Chart.getChart(c)", charts.nth(i).element_handle())
    assert "已显示边界的园区数：3" in page.locator("#workbench-map-status").inner_text()
    check_page(page, "ndrc-workbench")
    screenshot(page, "ndrc-workbench")
    assert site.console_errors == []
