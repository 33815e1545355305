"""The construction list (建设名单): NDRC closes a batch (asked first, recorded, never undone, and
refused to every other role, before the provinces' date and while NDRC still has to decide); the
approved parks of closed batches, and only they, are published on a public page by province and
exported as CSV and XLSX."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from applications import construction_list, workflow
from applications.models import Batch, BatchClosure, Park
from tests.applications.builders import complete_application, drive_to, open_batch

from .module_data import built_once

pytestmark = pytest.mark.django_db


def _build(cast):
    closing = open_batch("2026年第一批", 2026)
    approved_a = drive_to(
        complete_application(cast.park_a, cast.applicant_a, closing), "approved", cast
    )
    approved_c = drive_to(
        complete_application(cast.park_c, cast.applicant_c, closing), "approved", cast
    )
    rejected = drive_to(
        complete_application(cast.park_b, cast.applicant_b, closing), "rejected", cast
    )
    other = open_batch("2026年第二批", 2026)
    pending = drive_to(
        complete_application(cast.park_b, cast.applicant_b, other), "under_national_review", cast
    )
    past = timezone.now() - datetime.timedelta(days=1)
    Batch.objects.filter(pk__in=[closing.pk, other.pk]).update(deadline=past)
    return {
        "closing": closing,
        "other": other,
        "approved": (approved_a, approved_c),
        "rejected": rejected,
        "pending": pending,
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with built_once(django_db_blocker, _build) as built:
        yield built


@pytest.fixture
def cast(world, db):
    return world[0]


@pytest.fixture
def made(world, db):
    return world[1]


@pytest.mark.parametrize("who", ["applicant_a", "provincial_a", "expert", "admin"])
def test_closing_a_batch_is_refused_to_everyone_but_ndrc(client, cast, made, who):
    user = getattr(cast, who)
    with pytest.raises(workflow.NotAllowed):
        workflow.close_batch(user, made["closing"])
    client.force_login(user)
    url = reverse("batch_close", args=[made["closing"].pk])
    assert client.post(url, {"confirmed_act": "1"}).status_code == 403
    assert not BatchClosure.objects.exists()


def test_closing_waits_for_the_provinces_date_and_for_ndrcs_decisions(cast, made):
    Batch.objects.filter(pk=made["closing"].pk).update(
        deadline=timezone.now() + datetime.timedelta(days=3)
    )
    with pytest.raises(workflow.WrongState, match="省级推荐报送截止时间"):
        workflow.close_batch(cast.national, Batch.objects.get(pk=made["closing"].pk))
    with pytest.raises(workflow.WrongState, match="1 份申报书等待"):
        workflow.close_batch(cast.national, made["other"])
    assert not BatchClosure.objects.exists()


def test_ndrc_closes_after_confirming_once_and_for_all(client, cast, made):
    client.force_login(cast.national)
    url = reverse("batch_close", args=[made["closing"].pk])
    asked = client.post(url).content.decode()
    assert "2 个园区形成建设名单" in asked and not BatchClosure.objects.exists()
    done = client.post(url, {"confirmed_act": "1", "comment": "经审定"}, follow=True)
    assert "已关闭“2026年第一批”并发布建设名单（2 个园区）" in done.content.decode()
    closure = BatchClosure.objects.get()
    assert (closure.batch, closure.actor, closure.comment) == (
        made["closing"],
        cast.national,
        "经审定",
    )
    again = client.post(url, {"confirmed_act": "1"}, follow=True).content.decode()
    assert "已于" in again and BatchClosure.objects.count() == 1


def test_nothing_is_published_before_a_batch_is_closed(client, made):
    page = client.get(reverse("construction_list")).content.decode()
    assert "尚未发布建设名单" in page
    assert made["approved"][0].park.name not in page


def test_the_public_list_names_only_the_approved_parks_by_province(
    client, cast, made, django_assert_max_num_queries
):
    workflow.close_batch(cast.national, made["closing"])
    with django_assert_max_num_queries(6):
        response = client.get(reverse("construction_list"))  # nobody signed in
    page = response.content.decode()
    assert response.status_code == 200
    assert cast.park_a.name in page and cast.park_c.name in page
    assert cast.park_b.name not in page  # rejected here, still under review in the other batch
    assert page.index("江苏") < page.index(cast.park_a.name) < page.index("安徽")
    assert page.index("安徽") < page.index(cast.park_c.name)
    assert [a.park.name for a in construction_list.listed()] == [
        cast.park_a.name,
        cast.park_c.name,
    ]
    register = client.get(reverse("register")).content.decode()
    assert reverse("construction_list") in register


def test_the_export_holds_the_list_in_csv_and_xlsx(client, cast, made):
    Park.objects.filter(pk=cast.park_a.pk).update(division_code="320115")  # D47, D53
    workflow.close_batch(cast.national, made["closing"])
    csv = client.get(reverse("construction_list_export", args=["csv"]))
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0] == "批次,发布日期,序号,省份,所在市、县,园区名称,建设和管理主体,能耗规模"
    assert [line.split(",")[2:6] for line in lines[1:]] == [
        ["1", "江苏省", "南京市 / 江宁区", cast.park_a.name],
        ["2", "安徽省", "", cast.park_c.name],
    ]
    assert all(line.startswith("2026年第一批,") for line in lines[1:])
    xlsx = client.get(
        reverse("construction_list_export", args=["xlsx"]), {"batch": made["closing"].pk}
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][5] == "园区名称"
    assert [row[5] for row in rows[1:]] == [cast.park_a.name, cast.park_c.name]
    assert (
        client.get(
            reverse("construction_list_export", args=["csv"]), {"batch": made["other"].pk}
        ).status_code
        == 404
    )


def test_a_published_list_is_rendered_once_per_closing_and_language(
    client, cast, made, django_assert_max_num_queries
):
    """The list and its exports are frozen by the closing: a second request reads them from the
    cache (no query of the parks), in the language asked; another closing is another entry."""
    workflow.close_batch(cast.national, made["closing"])
    page = reverse("construction_list")
    export = reverse("construction_list_export", args=["csv"])
    first = client.get(page).content.decode()
    first_csv = client.get(export).content
    with django_assert_max_num_queries(3) as captured:  # the published batches, counted
        again = client.get(page).content.decode()
        again_csv = client.get(export).content
    assert not any("applications_park" in q["sql"] for q in captured.captured_queries)
    table = lambda html: html.split('data-testid="construction-list"', 1)[1].split("</table>")[0]  # noqa: E731
    assert table(again) == table(first) and cast.park_a.name in table(again)
    assert again_csv == first_csv
    english = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Province" in english.split('data-testid="construction-list"', 1)[1]
