"""NDRC edits the batch's rubric in the app: criteria, weights summing to 100 % and guidance;
once anyone has scored only the guidance; nobody else opens the page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from applications import reviews, rubric
from applications.models import RubricCriterion
from tests.applications.builders import complete_application, drive_to, open_batch

pytestmark = pytest.mark.django_db

ROWS = (
    ("representativeness", "产业代表性", "40", "代表性指导"),
    ("demonstration", "综合示范性", "35", "示范性指导"),
    ("management", "能碳管理能力", "25", "管理指导"),
)


def _post(rows=ROWS, deleted=()) -> dict[str, str]:
    data = {
        "c-TOTAL_FORMS": str(len(rows)),
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "12",
    }
    for n, (key, name, weight, guidance) in enumerate(rows):
        data |= {f"c-{n}-key": key, f"c-{n}-name": name, f"c-{n}-weight": weight}
        data[f"c-{n}-guidance"] = guidance
        if n in deleted:
            data[f"c-{n}-DELETE"] = "on"
    return data


def _saved(batch) -> list[tuple[str, str, Decimal, str]]:
    return list(
        RubricCriterion.objects.filter(batch=batch).values_list("key", "name", "weight", "guidance")
    )


def test_a_national_reviewer_sets_the_batchs_rubric_and_is_told_what_follows(client, cast):
    batch = open_batch()
    client.force_login(cast.national)
    page = client.get(reverse("batch_rubric", args=[batch.pk])).content.decode()
    assert 'data-testid="rubric-default"' in page and "产业代表性" in page

    response = client.post(reverse("batch_rubric", args=[batch.pk]), _post(), follow=True)

    assert _saved(batch) == [(k, n, Decimal(w), g) for k, n, w, g in ROWS]
    assert "已保存" in response.content.decode() and "3 个评分项" in response.content.decode()
    assert [c.key for c in rubric.criteria_of(batch)] == [k for k, *_rest in ROWS]


def test_weights_that_do_not_sum_to_one_hundred_are_refused_naming_the_field(client, cast):
    batch = open_batch()
    client.force_login(cast.national)
    short = (*ROWS[:2], ("management", "能碳管理能力", "20", ""))
    response = client.post(reverse("batch_rubric", args=[batch.pk]), _post(short))
    assert response.status_code == 400
    assert "权重（%）：各评分项权重之和须为 100%，现为 95%" in response.content.decode()
    assert _saved(batch) == []
    bad_key = (("代表性", "产业代表性", "100", ""),)
    response = client.post(reverse("batch_rubric", args=[batch.pk]), _post(bad_key))
    assert response.status_code == 400 and "代码：第 1 行" in response.content.decode()


def test_a_deleted_row_leaves_the_rubric(client, cast):
    batch = open_batch()
    client.force_login(cast.national)
    rows = (*ROWS[:2], ("management", "能碳管理能力", "25", ""), ("extra", "其他", "25", ""))
    client.post(reverse("batch_rubric", args=[batch.pk]), _post(rows, deleted={3}))
    assert [key for key, *_rest in _saved(batch)] == [
        "representativeness",
        "demonstration",
        "management",
    ]


def test_once_anyone_has_scored_only_the_guidance_changes(client, cast):
    batch = open_batch()
    client.force_login(cast.national)
    client.post(reverse("batch_rubric", args=[batch.pk]), _post())
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, batch), "submitted", cast
    )
    reviews.save_score(cast.provincial_a, application, {k: 80 for k, *_rest in ROWS})

    moved = (
        ("representativeness", "产业代表性", "50", ""),
        *ROWS[1:2],
        ("management", "能碳管理能力", "15", ""),
    )
    response = client.post(reverse("batch_rubric", args=[batch.pk]), _post(moved))
    assert response.status_code == 400
    assert "评分标准：本批次已有 1 份评分表" in response.content.decode()
    assert [w for _k, _n, w, _g in _saved(batch)] == [Decimal("40"), Decimal("35"), Decimal("25")]

    guided = tuple((k, n, w, g + "（修订）") for k, n, w, g in ROWS)
    client.post(reverse("batch_rubric", args=[batch.pk]), _post(guided))
    assert [g for *_rest, g in _saved(batch)] == [g + "（修订）" for *_rest, g in ROWS]
    page = client.get(reverse("batch_rubric", args=[batch.pk])).content.decode()
    assert 'data-testid="rubric-locked"' in page


@pytest.mark.parametrize("who", ["expert", "provincial_a", "applicant_a"])
def test_experts_provinces_and_parks_cannot_open_or_change_the_rubric(client, cast, who):
    batch = open_batch()
    client.force_login(getattr(cast, who))
    assert client.get(reverse("batch_rubric", args=[batch.pk])).status_code == 404
    assert client.post(reverse("batch_rubric", args=[batch.pk]), _post()).status_code == 404
    assert _saved(batch) == []
