"""The batch's rubric: weights that sum to 100 %, sheets with a weighted total, the spread
between experts with outliers marked (D22), and the summary table that only NDRC reads."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from applications import reviews, rubric, workflow
from applications.models import ReviewScore, Role, RubricCriterion
from tests.applications.builders import complete_application, drive_to, open_batch
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The batch sets its own rubric: the notice's three factors and one of its own.
RUBRIC = (
    ("representativeness", "产业代表性", "35"),
    ("demonstration", "综合示范性", "25"),
    ("reduction_potential", "碳减排潜力", "25"),
    ("management", "能碳管理能力", "15"),
)
# Who scores what (in RUBRIC's order) and the weighted total worked out by hand.
SHEETS = {
    "national": ((80, 80, 80, 80), Decimal("80.00")),
    "exp_one": ((90, 70, 80, 60), Decimal("78.00")),  # 31.5 + 17.5 + 20 + 9
    "exp_two": ((40, 50, 60, 50), Decimal("49.00")),  # 14 + 12.5 + 15 + 7.5
    "exp_three": ((85, 75, 90, 70), Decimal("81.50")),  # 29.75 + 18.75 + 22.5 + 10.5
}


def _set_rubric(batch) -> None:
    for order, (key, name, weight) in enumerate(RUBRIC):
        RubricCriterion.objects.create(
            batch=batch,
            key=key,
            name=name,
            weight=Decimal(weight),
            guidance=f"{name}的评分指导",
            order=order,
        )


@pytest.fixture
def scored(cast):
    """An application under national review, its province's own sheet, and four NDRC sheets on
    the batch's rubric."""
    batch = open_batch()
    _set_rubric(batch)
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, batch), "submitted", cast
    )
    reviews.save_score(cast.provincial_a, application, {key: 100 for key, _name, _weight in RUBRIC})
    workflow.recommend(cast.provincial_a, application)
    workflow.start_national_review(cast.national, application)
    people = {"national": cast.national}
    for username in ("exp_one", "exp_two", "exp_three"):
        people[username] = UserFactory(username=username, role=Role.EXPERT)
        reviews.assign(cast.national, application, people[username])
        reviews.declare_no_conflict(people[username], application)
    application.refresh_from_db()
    for username, (values, _total) in SHEETS.items():
        reviews.save_score(
            people[username],
            application,
            {key: str(v) for (key, _n, _w), v in zip(RUBRIC, values, strict=True)},
        )
    return application, people


def test_weights_must_sum_to_exactly_one_hundred_percent_and_the_message_names_the_field():
    criteria = [rubric.Criterion(key, name, Decimal(weight)) for key, name, weight in RUBRIC]
    rubric.check_criteria(criteria)
    short = [*criteria[:3], rubric.Criterion("management", "能碳管理能力", Decimal("10"))]
    with pytest.raises(
        rubric.RubricError, match=r"^权重（%）：各评分项权重之和须为 100%，现为 95%。$"
    ):
        rubric.check_criteria(short)
    with pytest.raises(rubric.RubricError, match="^权重（%）：“能碳管理能力”的权重须大于 0"):
        rubric.check_criteria(
            [*criteria[:3], rubric.Criterion("management", "能碳管理能力", Decimal("0"))]
        )
    with pytest.raises(rubric.RubricError, match="^代码："):
        rubric.check_criteria([*criteria, criteria[0]])


def test_the_default_rubric_sums_to_one_hundred():
    rubric.check_criteria(rubric.default_criteria())


def test_each_sheet_keeps_its_rubric_and_weighted_total(scored):
    application, people = scored
    for username, (values, total) in SHEETS.items():
        sheet = ReviewScore.objects.get(application=application, reviewer=people[username])
        assert sheet.weighted_total == total
        assert sheet.values == {key: v for (key, _n, _w), v in zip(RUBRIC, values, strict=True)}
        assert [c["weight"] for c in sheet.criteria] == ["35.00", "25.00", "25.00", "15.00"]


def test_the_spread_between_experts_is_computed_and_the_outlier_marked():
    totals = [total for _values, total in SHEETS.values()]  # 80, 78, 49, 81.5
    spread = rubric.spread(totals)
    assert spread.count == 4
    assert spread.mean == Decimal("72.13")  # 288.5 / 4 = 72.125, half up
    assert spread.range == Decimal("32.50")  # 81.50 − 49.00
    assert spread.median == Decimal("79.00")  # (78 + 80) / 2
    # Population deviation: √((7.875² + 5.875² + 23.125² + 9.375²) / 4) = √179.796875
    assert spread.std == Decimal("13.41")
    assert spread.outliers == {2}  # 49 lies 30 points from the median; the others within 15


def test_two_sheets_mark_no_outlier_however_far_apart():
    spread = rubric.spread([Decimal("90"), Decimal("40")])
    assert spread.range == Decimal("50") and spread.std == Decimal("25.00")
    assert spread.outliers == frozenset()


def test_review_page_shows_the_rubric_the_weighted_totals_and_marks_the_outlier(
    client, cast, scored
):
    application, people = scored
    client.force_login(cast.national)
    response = client.get(reverse("review_detail", args=[application.pk]))
    titles = [title for title, _summary in response.context["summaries"]]
    assert titles == ["省级评分", "国家级评审评分"]  # never averaged together
    ndrc = response.context["summaries"][1][1]
    assert ndrc.count == 4 and ndrc.spread.mean == Decimal("72.13")
    assert ndrc.outliers == {people["exp_two"].pk}
    body = response.content.decode()
    assert "能碳管理能力" in body and "能碳管理能力的评分指导" in body
    assert body.count('data-outlier="1"') == 1


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_summary_table_holds_ndrcs_sheets_and_exports_them(client, cast, scored):
    application, people = scored
    client.force_login(cast.national)
    page = client.get(reverse("score_table"))
    assert page.status_code == 200
    [row] = page.context["table"].rows
    assert sorted(c for c in row.cells) == sorted(t for _v, t in SHEETS.values())
    assert row.outlier_names == [str(people["exp_two"])]
    assert str(cast.provincial_a) not in [str(u) for u in page.context["table"].scorers]

    header, line = _csv(client.get(reverse("score_table_export", args=["csv"])))
    assert header[-6:] == [
        "评分人数",
        "平均加权总分",
        "极差",
        "标准差",
        "中位数",
        "离群评分（与中位数相差超过 15 分）",
    ]
    assert line[-6:] == ["4", "72.13", "32.50", "13.41", "79.00", str(people["exp_two"])]
    assert line[header.index(str(people["exp_one"]))] == "78.00"

    response = client.get(
        reverse("score_table_export", args=["xlsx"]), {"batch": application.batch_id}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][rows[0].index("平均加权总分")] == pytest.approx(72.13)


@pytest.mark.parametrize("who", ["provincial_a", "expert", "applicant_a"])
def test_nobody_outside_ndrc_opens_the_summary_table_or_its_export(client, cast, scored, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("score_table")).status_code == 404
    assert client.get(reverse("score_table_export", args=["csv"])).status_code == 404
    assert client.get(reverse("score_table_export", args=["xlsx"])).status_code == 404


def test_the_province_reads_its_own_sheet_but_never_ndrcs(client, cast, scored):
    application, _people = scored
    client.force_login(cast.provincial_a)
    response = client.get(reverse("review_detail", args=[application.pk]))
    assert [t for t, _s in response.context["summaries"]] == ["省级评分"]
    assert "81.50" not in response.content.decode()


def test_an_assigned_expert_scores_on_the_batch_rubric_through_the_page(client, cast):
    batch = open_batch()
    _set_rubric(batch)
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, batch), "under_national_review", cast
    )
    reviews.assign(cast.national, application, cast.expert)
    reviews.declare_no_conflict(cast.expert, application)
    client.force_login(cast.expert)
    form = {key: "70" for key, _n, _w in RUBRIC}
    response = client.post(
        reverse("review_score", args=[application.pk]), {**form, "management": ""}, follow=True
    )
    assert "能碳管理能力：" in " ".join(str(m) for m in response.context["messages"])
    assert not ReviewScore.objects.exists()
    client.post(reverse("review_score", args=[application.pk]), form)
    assert ReviewScore.objects.get().weighted_total == Decimal("70.00")


def test_a_rubric_scored_on_can_no_longer_change_its_weights_in_the_admin(client, cast, scored):
    application, _people = scored
    batch = application.batch
    client.force_login(cast.admin)
    url = reverse("admin:applications_batch_change", args=[batch.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["is_active"] = "on" if batch.is_active else ""
    criteria = list(batch.criteria.all())
    data.update(
        {
            "criteria-TOTAL_FORMS": str(len(criteria)),
            "criteria-INITIAL_FORMS": str(len(criteria)),
            "criteria-MIN_NUM_FORMS": "0",
            "criteria-MAX_NUM_FORMS": "1000",
        }
    )
    for i, c in enumerate(criteria):
        data.update(
            {
                f"criteria-{i}-id": str(c.pk),
                f"criteria-{i}-batch": str(batch.pk),
                f"criteria-{i}-order": str(c.order),
                f"criteria-{i}-key": c.key,
                f"criteria-{i}-name": c.name,
                f"criteria-{i}-weight": str(c.weight),
                f"criteria-{i}-guidance": c.guidance,
            }
        )
    for name in ("opens_at", "deadline"):  # the admin splits date and time
        moment = timezone.localtime(getattr(batch, name))
        data.pop(name, None)
        data[f"{name}_0"], data[f"{name}_1"] = (
            moment.strftime("%Y-%m-%d"),
            moment.strftime("%H:%M:%S"),
        )
    data["criteria-3-weight"] = "20"  # 105 %
    response = client.post(url, data)
    assert "各评分项权重之和须为 100%，现为 105%" in response.content.decode()
    data["criteria-0-weight"] = "30"  # 100 % again, but sheets exist
    response = client.post(url, data)
    assert "评分项、代码和权重不能再修改" in response.content.decode()
    assert RubricCriterion.objects.get(batch=batch, key="management").weight == Decimal("15")
    data["criteria-0-weight"], data["criteria-3-weight"] = "35", "15"
    data["criteria-0-guidance"] = "新的评分指导"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    assert (
        RubricCriterion.objects.get(batch=batch, key="representativeness").guidance
        == "新的评分指导"
    )
