"""The three years (近三年) of energy and carbon data an application accounts for (D43): the
batch's window, a calculation or a stated reason per year, the submission's record of them, and
the pages that show them."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounting.models import ParkYear
from applications import book_pdf, services, three_years, workflow
from applications.admin import BatchForm
from applications.models import Batch, Status
from tests.applications.builders import SECTION_CONTENT, complete_application, open_batch
from tests.reviews.conftest import add_energy_data

pytestmark = pytest.mark.django_db


def _reasons(application, reasons: dict[int, str]) -> None:
    services.save_section(
        application,
        "energy",
        {
            **SECTION_CONTENT["energy"],
            "year_reasons": [{"year": y, "reason": r} for y, r in reasons.items()],
        },
    )


def _year_problems(application) -> list[services.Problem]:
    return [p for p in services.submission_problems(application) if "近三年" in p]


@pytest.fixture
def two_years_calculated(cast):
    """Park A's complete application in a 2025 batch (2022–2024); 2023 and 2024 calculated,
    2022 without data and (so far) without a reason."""
    batch = open_batch()
    add_energy_data(cast.park_a, 2023)
    add_energy_data(cast.park_a, 2024)
    application = complete_application(cast.park_a, cast.applicant_a, batch)
    _reasons(application, {})
    return application


def _batch_form(batch, **changes) -> BatchForm:
    data = {
        "name": batch.name,
        "year": batch.year,
        "opens_at": timezone.localtime(batch.opens_at).strftime("%Y-%m-%d %H:%M:%S"),
        "deadline": timezone.localtime(batch.deadline).strftime("%Y-%m-%d %H:%M:%S"),
        "is_active": "on",
        "history_start": "",
        **changes,
    }
    # A fresh instance: a valid ModelForm writes its values into the one it is given.
    return BatchForm(data=data, instance=Batch.objects.get(pk=batch.pk))


def test_a_batch_covers_the_three_years_before_its_year_unless_it_sets_the_later_window(db):
    batch = open_batch(year=2025)
    assert batch.history_years == [2022, 2023, 2024]
    batch.history_start = 2023
    assert batch.history_years == [2023, 2024, 2025]
    assert open_batch("2026年第一批", year=2026).history_years == [2023, 2024, 2025]


def test_the_batch_form_offers_two_windows_and_refuses_a_change_after_a_submission(cast):
    batch = open_batch()
    form = _batch_form(batch, history_start="2021")
    assert not form.is_valid()
    assert "2022—2024 年" in form.errors["history_start"][0]
    assert "2023—2025 年" in form.errors["history_start"][0]
    assert _batch_form(batch, history_start="2023").is_valid()

    application = complete_application(cast.park_a, cast.applicant_a, batch)
    workflow.submit(cast.applicant_a, application, declaration=workflow.DECLARATION)
    form = _batch_form(batch, history_start="2023")
    assert not form.is_valid()
    assert "已有园区提交申报书" in form.errors["history_start"][0]
    assert "2022—2024 年" in form.errors["history_start"][0]
    # The same window named explicitly is no change; the batch's year moving it is one.
    assert _batch_form(batch, history_start="2022").is_valid()
    assert not _batch_form(batch, year="2026").is_valid()


def test_two_calculated_years_and_one_reason_pass(two_years_calculated):
    application = two_years_calculated
    _reasons(application, {2022: "园区设立不足三年，2022年尚无统计"})
    states = {y.year: y.state for y in three_years.years_of(application)}
    assert states == {2022: "no_data", 2023: "calculated", 2024: "calculated"}
    assert _year_problems(application) == []
    workflow.submit(cast_applicant(application), application, declaration=workflow.DECLARATION)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def cast_applicant(application):
    return application.created_by


def test_a_year_with_neither_is_named_and_linked_and_stops_the_submission(two_years_calculated):
    application = two_years_calculated
    _reasons(application, {2022: "   "})  # blank: no reason
    [problem] = _year_problems(application)
    assert "2022 年既无核算结果，也未说明原因" in problem
    assert (problem.section, problem.field) == ("energy", "reason_2022")
    with pytest.raises(workflow.IncompleteApplication) as refused:
        workflow.submit(cast_applicant(application), application, declaration=workflow.DECLARATION)
    assert any("2022" in p for p in refused.value.problems)


def test_a_year_whose_data_changed_after_its_run_waits_for_the_recalculation(
    two_years_calculated,
):
    application = two_years_calculated
    _reasons(application, {2022: "园区设立不足三年", 2024: "与核算无关的说明"})
    ParkYear.objects.filter(park=application.park, year=2024).update(
        inputs_changed_at=timezone.now()
    )
    [problem] = _year_problems(application)
    assert "2024 年的数据已修改，正在重新核算" in problem
    assert problem.field == ""  # no reason stands in for a recalculation


def test_a_new_park_needs_neither(two_years_calculated):
    application = two_years_calculated
    basic = {**SECTION_CONTENT["basic"], "is_new_park": True}
    services.save_section(application, "basic", basic)
    assert _year_problems(application) == []


def test_the_submission_records_each_year_and_the_pages_show_them(client, two_years_calculated):
    application = two_years_calculated
    _reasons(application, {2022: "园区设立不足三年"})
    workflow.submit(application.created_by, application, declaration=workflow.DECLARATION)
    submission = application.submissions.get()
    frozen = {row["year"]: row for row in submission.snapshot["three_years"]}
    assert frozen[2022]["state"] == "no_data" and frozen[2022]["reason"] == "园区设立不足三年"
    assert frozen[2022]["run_id"] is None
    run_2023 = ParkYear.objects.get(park=application.park, year=2023).runs.get()
    assert frozen[2023]["run_id"] == run_2023.pk and frozen[2023]["reason"] == ""
    assert frozen[2023]["intensity"] == run_2023.result["intensity"]

    # The reviewer's page and the printed book show the three years with the reason.
    client.force_login(_provincial_reviewer(application))
    page = client.get(reverse("review_detail", args=[application.pk])).content.decode()
    assert "近三年能源与碳排放数据" in page
    assert 'data-year="2022" data-state="no_data"' in page and "园区设立不足三年" in page
    assert 'data-year="2023" data-state="calculated"' in page and "已核算" in page
    html = render_to_string("book/book.html", book_pdf.context(application, submission))
    assert "近三年能源与碳排放数据" in html and "园区设立不足三年" in html and "无数据" in html

    # A change to a year's data after the submission shows as a difference.
    ParkYear.objects.filter(park=application.park, year=2023).update(
        inputs_changed_at=timezone.now()
    )
    application.refresh_from_db()
    changed = services.data_changes_since_submission(application)
    assert [c["year"] for c in changed] == [2023]


def _provincial_reviewer(application):
    from applications.models import Role, User

    return User.objects.get(role=Role.PROVINCIAL, province=application.park.province)


def test_the_energy_page_shows_the_years_and_takes_a_reason(client, two_years_calculated):
    application = two_years_calculated
    client.force_login(application.created_by)
    url = reverse("application_section", args=[application.pk, "energy"])
    page = client.get(url).content.decode()
    assert "近三年能源与碳排放数据（2022—2024 年）" in page
    assert 'data-year="2022" data-state="no_data"' in page and "无数据" in page
    assert 'data-year="2023" data-state="calculated"' in page and "已核算" in page
    assert "缺核算结果或原因" in page
    assert reverse("accounting:upload", args=[application.park_id, 2022]) in page
    assert reverse("accounting:park_year", args=[application.park_id, 2022]) in page
    assert 'name="reason_2022"' in page and "2022 年无核算结果的原因" in page
    assert 'name="reason_2023"' not in page  # calculated: no reason asked

    fields = dict(SECTION_CONTENT["energy"])
    response = client.post(url, {**fields, "reason_2022": "园区2022年底设立"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.data["energy"]["year_reasons"] == [
        {"year": 2022, "reason": "园区2022年底设立"}
    ]
    assert _year_problems(application) == []
    page = client.get(url).content.decode()
    assert "已说明原因" in page and "园区2022年底设立" in page

    # Too long a reason is refused on its field, nothing saved.
    response = client.post(url, {**fields, "reason_2022": "长" * 501})
    assert response.status_code == 200
    assert "2022 年无核算结果的原因" in response.content.decode()
    application.refresh_from_db()
    assert application.data["energy"]["year_reasons"][0]["reason"] == "园区2022年底设立"


def test_the_application_page_links_a_missing_year_to_its_reason(client, two_years_calculated):
    application = two_years_calculated
    client.force_login(application.created_by)
    page = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    url = reverse("application_section", args=[application.pk, "energy"])
    assert f'href="{url}#id_reason_2022"' in page


def test_the_entry_years_offer_the_batchs_three_years(client, cast):
    open_batch("2026年第一批", year=2026)  # 2023–2025: 2023 was not offered before
    client.force_login(cast.applicant_a)
    page = client.get(reverse("accounting:overview", args=[cast.park_a.pk])).content.decode()
    for year in (2023, 2024, 2025):
        assert reverse("accounting:park_year", args=[cast.park_a.pk, year]) in page
        assert f'data-asked="{year}"' in page
    assert "申报书近三年" in page
