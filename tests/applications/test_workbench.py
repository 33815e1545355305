"""Each role's workbench (the home page): the right counts for seeded data, links that filter to
exactly those applications, and nothing of another province or another person's assignments."""

from __future__ import annotations

import datetime
import gzip
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from accounting.models import CalculationRun, ParkYear, RunStatus
from applications import services, workbench
from applications.models import (
    Application,
    AssignmentKind,
    Park,
    ReviewAssignment,
    ReviewScore,
)
from tests.applications.builders import SQUARE, open_batch

# (province, status, tier, core_pass) of the generated applications, one park each.
SEEDED = [
    ("32", "submitted", "", None),
    ("32", "submitted", "", None),
    ("32", "recommended", "200k_1m", True),
    ("32", "under_national_review", "1m_plus", False),
    ("34", "submitted", "", None),
    ("34", "recommended", "200k_1m", True),
    ("34", "approved", "below_200k", None),
]
REACHED = {"recommended", "under_national_review", "approved", "rejected"}


def _circle(n: int) -> dict:
    ring = [
        [round(118.7 + 0.02 * math.cos(2 * math.pi * i / n), 6), 32.0 + 0.02 * math.sin(i)]
        for i in range(n)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@dataclass
class World:
    cast: object
    apps: dict  # "32-recommended" etc. -> Application
    seeded: list  # (key, application) of every seeded one
    draft: Application


@pytest.fixture
def world(cast) -> World:
    batch = open_batch()
    provinces = {"32": cast.park_a.province, "34": cast.park_c.province}
    parks = Park.objects.bulk_create(
        [
            Park(name=f"统计园区{i}{status}", province=provinces[code], management_body="管委会")
            for i, (code, status, _t, _c) in enumerate(SEEDED)
        ]
    )
    now = timezone.now()
    created = Application.objects.bulk_create(
        [
            Application(
                park=park,
                batch=batch,
                status=status,
                submission_count=1,
                submitted_at=now - datetime.timedelta(hours=i),
                ever_recommended=status in REACHED,
                tier=tier,
                core_pass=core,
                boundary_geojson=_circle(200) if status in REACHED else None,
            )
            for i, (park, (_code, status, tier, core)) in enumerate(zip(parks, SEEDED, strict=True))
        ]
    )
    # the last of a key wins in `apps`; `_names` reads every one of them from `seeded`
    seeded = [
        (f"{code}-{status}", a) for a, (code, status, _t, _c) in zip(created, SEEDED, strict=True)
    ]
    apps = dict(seeded)
    draft = services.start_application(cast.applicant_a, batch)
    # The expert: one to declare, one declared and unscored, one scored; NDRC's reviewer: one.
    expert, national = cast.expert, cast.national
    ReviewAssignment.objects.bulk_create(
        [
            ReviewAssignment(
                application=apps["32-recommended"],
                assignee=expert,
                assigned_by=national,
                kind=AssignmentKind.EXPERT,
            ),
            ReviewAssignment(
                application=apps["32-under_national_review"],
                assignee=expert,
                assigned_by=national,
                kind=AssignmentKind.EXPERT,
                declared_at=now,
            ),
            ReviewAssignment(
                application=apps["34-recommended"],
                assignee=expert,
                assigned_by=national,
                kind=AssignmentKind.EXPERT,
                declared_at=now,
            ),
            ReviewAssignment(
                application=apps["34-recommended"], assignee=national, assigned_by=national
            ),
        ]
    )
    ReviewScore.objects.create(
        application=apps["34-recommended"],
        reviewer=expert,
        submission_number=1,
        values={"a": 80},
        weighted_total=Decimal("80"),
    )
    return World(cast, apps, seeded, draft)


def _page(client, user, url=None) -> str:
    client.force_login(user)
    response = client.get(url or reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _count(html: str, testid: str, key: str, attribute: str = "data-key") -> tuple[int, str]:
    """The count shown for `key` in the table `testid`, and its link."""
    table = html.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    row = table.split(f'{attribute}="{key}"', 1)[1].split("</tr>", 1)[0]
    href, n = re.search(r'href="([^"]+)"[^>]*>(\d+)<', row).groups()
    return int(n), unescape(href)


def _quota_link(html: str, key: str) -> tuple[int, str]:
    """The province's quota figure `key` (taken, waiting) and the list it links to."""
    table = html.split('data-testid="province-quotas"', 1)[1].split("</table>", 1)[0]
    href, n = re.search(rf'href="([^"]+)" data-count="{key}">(\d+)<', table).groups()
    return int(n), unescape(href)


def _listed(client, url: str) -> set[str]:
    """The park names a filtered list shows."""
    html = client.get(url).content.decode()
    return set(re.findall(r"统计园区\d+[a-z_]+", html))


def _names(world: World, *keys: str) -> set[str]:
    return {a.park.name for key, a in world.seeded if key in keys}


def test_ndrc_workbench_counts_by_province_state_tier_and_core_and_links_filter(client, world):
    national = world.cast.national
    html = _page(client, national)
    # NDRC sees what reached it: 32 (recommended, under review) and 34 (recommended, approved).
    assert _count(html, "ndrc-by-province", "32", "data-province")[0] == 2
    n, url = _count(html, "ndrc-by-province", "34", "data-province")
    assert n == 2 and _listed(client, url) == _names(world, "34-recommended", "34-approved")
    n, url = _count(html, "ndrc-by-state", "recommended")
    assert n == 2 and _listed(client, url) == _names(world, "32-recommended", "34-recommended")
    n, url = _count(html, "ndrc-by-tier", "200k_1m")
    assert n == 2 and "tier=200k_1m" in url
    assert _listed(client, url) == _names(world, "32-recommended", "34-recommended")
    n, url = _count(html, "ndrc-by-core", "fail")
    assert n == 1 and _listed(client, url) == _names(world, "32-under_national_review")
    assert _count(html, "ndrc-by-core", "unknown")[0] == 1
    # Labels, not codes: states and tiers in Chinese.
    assert "国家级评审中" in html and "20 万—100 万吨标准煤" in html
    # A cell of the province × state table filters on both.
    table = html.split('data-testid="ndrc-by-province"', 1)[1]
    cell = re.search(r'href="([^"]+)" data-count="under_national_review">1<', table).group(1)
    assert _listed(client, unescape(cell)) == _names(world, "32-under_national_review")
    # Submitted applications have not reached NDRC: never counted.
    assert "统计园区0submitted" not in html


def test_administrator_counts_every_application_and_those_without_a_tier(client, world):
    html = _page(client, world.cast.admin)
    # Seven seeded and park A's draft; four of them never calculated (no tier).
    assert "申报书统计（共 8 份）" in html
    n, url = _count(html, "ndrc-by-tier", "none")
    assert n == 4 and "tier=none" in url
    assert _listed(client, url) == _names(world, "32-submitted", "34-submitted")
    assert "甲园区" in client.get(url).content.decode()


def test_ndrc_workbench_shows_what_awaits_each_reviewer_and_expert(client, world):
    cast = world.cast
    html = _page(client, cast.national)
    expert = f'data-person="{cast.expert.username}"'
    assert _count(html, "ndrc-awaiting", cast.expert.username, "data-person")[0] == 3
    row = html.split(expert, 1)[1].split("</tr>", 1)[0]
    undeclared = re.search(r'href="([^"]+)" data-count="undeclared">(\d+)<', row).groups()
    unscored = re.search(r'href="([^"]+)" data-count="unscored">(\d+)<', row).groups()
    assert undeclared[1] == "1" and unscored[1] == "1"
    assert _listed(client, unescape(undeclared[0])) == _names(world, "32-recommended")
    assert _listed(client, unescape(unscored[0])) == _names(world, "32-under_national_review")
    row = html.split(f'data-person="{cast.national.username}"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r'data-count="unscored">1<', row)
    assert re.search(r'data-count="undeclared">0<', row)
    # What awaits NDRC's decision, linked to the national queue.
    n, url = _count(html, "ndrc-to-decide", "under_national_review")
    assert n == 1 and url.startswith(reverse("review_queue_national"))


def test_ndrc_workbench_is_a_handful_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.cast.national)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("home")).status_code == 200


def test_province_workbench_counts_its_province_only(client, world):
    cast = world.cast
    html = _page(client, cast.provincial_a)
    n, url = _count(html, "province-states", "submitted")
    assert n == 2 and _listed(client, url) == _names(world, "32-submitted")
    assert _count(html, "province-states", "under_national_review")[0] == 1
    # Its queue, its quota (two recommended and not returned), its dates.
    assert 'data-count="awaiting">2<' in html
    quota = html.split('data-testid="province-quotas"', 1)[1].split("</table>", 1)[0]
    assert 'data-count="taken">2<' in quota and 'data-count="left">0<' in quota
    assert 'data-testid="submission-deadline"' in html
    assert 'data-testid="recommendation-deadline"' in html
    # Nothing of Anhui: neither names nor counts.
    assert "34recommended" not in html and "统计园区5" not in html
    assert "approved" not in re.findall(r'data-key="([a-z_]+)"', html)
    html = _page(client, cast.provincial_other)
    assert _count(html, "province-states", "submitted")[0] == 1
    assert "统计园区0" not in html and "统计园区3" not in html


def test_province_quota_figures_link_to_the_lists_they_count(client, world):
    """已用 opens the province's applications that take a recommendation in that batch, 待审核
    those awaiting it: each list shows exactly the count beside its link."""
    cast = world.cast
    html = _page(client, cast.provincial_a)
    taken, taken_url = _quota_link(html, "taken")
    assert taken == 2
    assert _listed(client, taken_url) == _names(world, "32-recommended", "32-under_national_review")
    page = client.get(taken_url).content.decode()
    assert "占用推荐名额" in page  # the filter is named on the list
    waiting, waiting_url = _quota_link(html, "waiting")
    assert waiting == 2 and _listed(client, waiting_url) == _names(world, "32-submitted")
    # Anhui's province counts and lists its own.
    html = _page(client, cast.provincial_other)
    taken, taken_url = _quota_link(html, "taken")
    assert taken == 2 and _listed(client, taken_url) == _names(
        world, "34-recommended", "34-approved"
    )


def test_expert_workbench_lists_what_awaits_declaration_and_score(client, world):
    cast = world.cast
    html = _page(client, cast.expert)
    assert 'data-count="undeclared">1<' in html and 'data-count="unscored">1<' in html
    assert world.apps["32-recommended"].park.name in html.split("expert-undeclared", 1)[1]
    client.force_login(cast.expert)
    mine = reverse("review_queue_mine")
    assert _listed(client, f"{mine}?awaiting=declaration") == _names(world, "32-recommended")
    assert _listed(client, f"{mine}?awaiting=score") == _names(world, "32-under_national_review")
    # What an expert still owes is read from its own assignments, never another person's: the
    # application NDRC's reviewer has not scored is one the expert has.
    assert _listed(client, f"{mine}?awaiting=score&assignee={cast.national.pk}") == set()


def test_park_workbench_says_what_to_do_next_with_dates_and_results(client, world):
    cast = world.cast
    park_year = ParkYear.objects.create(park=cast.park_a, year=2024)
    now = timezone.now()
    CalculationRun.objects.create(
        park_year=park_year,
        status=RunStatus.SUCCEEDED,
        result={"tier": "200k_1m", "core_pass": True, "intensity": "0.150000", "threshold": "0.2"},
        started_at=now,
        finished_at=now,
        duration_ms=1,
    )
    html = _page(client, cast.applicant_a)
    tasks = html.split('data-testid="tasks"', 1)[1].split("</ol>", 1)[0]
    # The draft's empty sections, each linked to its form.
    assert "填写“" in tasks
    assert reverse("application_section", args=[world.draft.pk, "basic"]) in tasks
    assert 'data-testid="submission-deadline"' in html
    assert "草稿" not in html and "填写中（尚未提交）" in html  # the park's own words
    results = html.split('data-testid="park-results"', 1)[1].split("</table>", 1)[0]
    assert "2024" in results and "20 万—100 万吨标准煤" in results and "达标" in results
    # Only its own park.
    assert "统计园区" not in html


def test_map_outlines_are_ndrc_only_and_simplified(client, world):
    cast = world.cast
    client.force_login(cast.national)
    response = client.get(reverse("workbench_map"), HTTP_ACCEPT_ENCODING="identity")
    payload = response.json()
    names = {name for _pk, name, _state, _outline in payload["parks"]}
    assert names == _names(
        world, "32-recommended", "32-under_national_review", "34-recommended", "34-approved"
    )
    # 200 vertices drawn, at most 17 sent (every k-th and the closing one)
    assert all(3 <= len(outline) <= 17 for *_rest, outline in payload["parks"])
    assert payload["states"]["under_national_review"] == "国家级评审中"
    assert payload["link"].replace("/0/", f"/{payload['parks'][0][0]}/") == reverse(
        "review_detail", args=[payload["parks"][0][0]]
    )
    for who in (cast.applicant_a, cast.provincial_a, cast.expert):
        client.force_login(who)
        assert client.get(reverse("workbench_map")).status_code == 404


def test_map_json_is_cached_until_a_boundary_or_a_state_changes(
    client, world, django_assert_max_num_queries
):
    """The outlines are computed once per version: a repeated request reads the cache (no query of
    the boundary column); a redrawn boundary or a new state makes a new version."""
    client.force_login(world.cast.national)
    url = reverse("workbench_map")
    first = client.get(url, HTTP_ACCEPT_ENCODING="identity").json()
    with django_assert_max_num_queries(6) as captured:
        again = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert not any("boundary_geojson" in q["sql"] for q in captured.captured_queries)
    assert again["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(again.content)) == first
    recommended = world.apps["34-recommended"]
    recommended.status = "under_national_review"
    recommended.save(update_fields=["status", "updated_at"])
    states = {pk: s for pk, _name, s, _o in client.get(url).json()["parks"]}
    assert states[recommended.pk] == "under_national_review"
    # A boundary is drawn only while the application is editable (a frozen one refuses it); the
    # administrator sees the draft: its new outline shows at once.
    client.force_login(world.cast.admin)
    before = client.get(url).json()
    assert world.draft.pk not in {pk for pk, *_rest in before["parks"]}
    Application.objects.filter(pk=world.draft.pk).update(
        boundary_geojson=_circle(8), updated_at=timezone.now()
    )
    after = {pk: o for pk, _name, _s, o in client.get(url).json()["parks"]}
    assert 3 <= len(after[world.draft.pk]) <= 9
    # The administrator sees another set than NDRC's reviewer: never the same entry.
    assert workbench.map_version(world.cast.admin) != workbench.map_version(world.cast.national)


def test_outline_keeps_a_small_polygon_whole(world):
    from applications.workbench import _ring

    ring = SQUARE["coordinates"][0]
    assert _ring(ring) == [[round(lat, 3), round(lng, 3)] for lng, lat in ring]
