"""Who may see and change a park's energy data, the navigation to it, and the result page."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from accounting.models import ParkYear
from applications import inbox

from .conftest import VALID_CASES, import_case, load_case, post_formset

pytestmark = pytest.mark.django_db


def urls(park, year=2025):
    return [
        reverse("accounting:overview", args=[park.pk]),
        reverse("accounting:park_year", args=[park.pk, year]),
        reverse("accounting:records", args=[park.pk, year, "fuels"]),
        reverse("accounting:guiding", args=[park.pk, year]),
        reverse("accounting:result", args=[park.pk, year]),
        reverse("accounting:download", args=[park.pk, year, "data.xlsx"]),
    ]


@pytest.mark.parametrize("who", ["applicant_b", "provincial_other"])
def test_users_outside_the_parks_scope_get_404_on_every_energy_page(cast, client, who, trial_set):
    client.force_login(getattr(cast, who))
    for url in urls(cast.park_a):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("who", ["applicant_a", "provincial_a", "national", "admin"])
def test_everyone_who_sees_the_park_may_view_its_energy_pages(cast, client, who, trial_set):
    client.force_login(getattr(cast, who))
    for url in urls(cast.park_a):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["provincial_a", "national", "admin"])
def test_only_the_parks_applicant_may_change_its_data(cast, client, who, trial_set):
    client.force_login(getattr(cast, who))
    page = client.get(reverse("accounting:records", args=[cast.park_a.pk, 2025, "electricity"]))
    assert '<form method="post">' not in page.content.decode()
    response = post_formset(
        client,
        cast.park_a,
        2025,
        "electricity",
        [{"month": 1, "direction": "import", "kind": "grid", "mwh": "1"}],
    )
    assert response.status_code == 403
    guiding = client.post(
        reverse("accounting:guiding", args=[cast.park_a.pk, 2025]),
        {"water_fresh_m3": "1", "water_reused_m3": "1"},
    )
    assert guiding.status_code == 403
    assert not ParkYear.objects.exists()


def test_applicant_navigation_leads_to_their_parks_energy_data(cast, client):
    client.force_login(cast.applicant_a)
    home = client.get(reverse("home")).content.decode()
    assert "能源数据" in home and reverse("accounting:mine") in home
    response = client.get(reverse("accounting:mine"))
    assert response["Location"] == reverse("accounting:overview", args=[cast.park_a.pk])


def test_the_park_page_links_to_its_energy_data(cast, client):
    client.force_login(cast.provincial_a)
    page = client.get(reverse("park_detail", args=[cast.park_a.pk])).content.decode()
    assert reverse("accounting:overview", args=[cast.park_a.pk]) in page


def test_result_page_shows_core_guiding_flags_breakdowns_charts_and_trace(
    cast, client, trial_set, on_commit, django_assert_max_num_queries
):
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[1]))  # fails the core indicator
    client.force_login(cast.provincial_a)
    url = reverse("accounting:result", args=[cast.park_a.pk, 2025])
    inbox.unread_count(cast.provincial_a)  # the nav badge, counted by an earlier page
    # 8: the run's factor set names its fuels (one query); the badge is cached (none).
    with django_assert_max_num_queries(8):
        response = client.get(url)
    page = response.content.decode()
    assert "未达标" in page and "门槛 ≤ 0.2" in page
    assert "不适用：园区以化工为主" in page  # water declared not applicable
    assert "direct_green_below_50pct" in page
    for table in ("breakdown-by_category", "breakdown-by_energy_type", "breakdown-by_enterprise"):
        assert f'data-testid="{table}"' in page
    assert 'id="accounting-chart-data"' in page and "js/accounting-result.js" in page
    assert "chart.umd.min.js" in page and "<script>" not in page
    data = json.loads(
        page.split('id="accounting-chart-data" type="application/json">')[1].split("</script>")[0]
    )
    assert "园区热电联产公司" in data["by_enterprise"]["labels"]
    assert "general_bituminous.emission_factor" in page  # trace: factor code
    assert "GB/T 32150-2015" in page  # trace: factor source


def test_result_page_query_count_does_not_grow_with_runs(
    cast, client, trial_set, on_commit, django_assert_max_num_queries
):
    client.force_login(cast.applicant_a)
    for path in VALID_CASES:
        import_case(client, cast.park_a, load_case(path))
    inbox.unread_count(cast.applicant_a)  # the nav badge, counted by an earlier page
    # 8: the run's factor set names its fuels (one query); the badge is cached (none).
    with django_assert_max_num_queries(8):
        assert (
            client.get(reverse("accounting:result", args=[cast.park_a.pk, 2025])).status_code == 200
        )


def test_park_year_page_query_count_is_pinned(
    cast, client, trial_set, on_commit, django_assert_max_num_queries
):
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[0]))
    with django_assert_max_num_queries(14):
        assert (
            client.get(reverse("accounting:park_year", args=[cast.park_a.pk, 2025])).status_code
            == 200
        )


def test_a_year_outside_the_range_is_404(cast, client):
    client.force_login(cast.applicant_a)
    assert (
        client.get(reverse("accounting:park_year", args=[cast.park_a.pk, 1990])).status_code == 404
    )


def test_result_page_shows_the_requested_page_of_the_trace(
    cast, client, trial_set, on_commit, monkeypatch
):
    from accounting import presentation
    from accounting.models import CalculationRun

    monkeypatch.setattr(presentation, "TRACE_PAGE", 3)
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[1]))
    run = CalculationRun.objects.latest("pk")
    columns, rows = run.trace["columns"], run.trace["rows"]
    url = reverse("accounting:result", args=[cast.park_a.pk, 2025])
    trace = client.get(url, {"page": 2}).context["trace"]
    assert trace.number == 2 and trace.paginator.num_pages == -(-len(rows) // 3)
    shown = [line["amount"] for line in trace.object_list]
    assert shown == [row[columns.index("amount")] for row in rows[3:6]]
