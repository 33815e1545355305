"""The tables of a section (roadmap phases, key projects): saved rows plus one empty row, rows added
by raising TOTAL_FORMS (as the "添加一行" button does) and removed with the DELETE box."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from applications import services
from applications.models import Application

from .builders import open_batch

PROJECT = {
    "owner": "能源公司",
    "content": "光伏",
    "investment": "1000",
    "period": "2年",
    "plan": "开工",
    "significance": "绿电",
}


@pytest.fixture
def application(cast) -> Application:
    return services.start_application(cast.applicant_a, open_batch())


@pytest.fixture
def applicant(client, cast):
    client.force_login(cast.applicant_a)
    return client


def _url(application: Application, key: str) -> str:
    return reverse("application_section", args=[application.pk, key])


def _formset(
    prefix: str, rows: list[dict], initial: int, deleted: tuple[int, ...], max_num: int
) -> dict:
    """The POST data of a formset: its management form, its rows, DELETE ticked on some."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": str(max_num),
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
        if i in deleted:
            data[f"{prefix}-{i}-DELETE"] = "on"
    return data


def _targets(phases: list[dict], initial: int, deleted: tuple[int, ...] = ()) -> dict:
    return {
        "period_start": "2026",
        "period_end": "2030",
        "targets": "降碳",
        **_formset("indicator_targets", [], 0, (), 40),
        **_formset("roadmap", phases, initial, deleted, 20),
    }


def _projects(rows: list[dict], initial: int, deleted: tuple[int, ...] = ()) -> dict:
    return _formset("projects", rows, initial, deleted, 100)


def _row_numbers(html: str, prefix: str) -> set[int]:
    return {int(n) for n in re.findall(rf'name="{prefix}-(\d+)-name"', html)}


def _phases(n: int) -> list[dict]:
    return [{"name": f"第{i + 1}阶段", "years": f"{2026 + i}", "focus": "绿电"} for i in range(n)]


def test_a_new_roadmap_offers_one_empty_row_and_the_empty_form_template(applicant, application):
    html = applicant.get(_url(application, "targets")).content.decode()
    assert _row_numbers(html, "roadmap") == {0}
    assert 'name="roadmap-TOTAL_FORMS" value="1"' in html
    # The template the add button copies, and the button itself (shown by the script).
    assert 'name="roadmap-__prefix__-name"' in html
    assert "data-formset-add" in html and "添加一行" in html
    assert "js/formset-rows.js" in html


def test_saved_phases_show_again_with_exactly_one_empty_row(applicant, application):
    response = applicant.post(_url(application, "targets"), _targets(_phases(3), initial=0))
    assert response.status_code == 302
    html = applicant.get(_url(application, "targets")).content.decode()
    assert _row_numbers(html, "roadmap") == {0, 1, 2, 3}
    assert 'name="roadmap-TOTAL_FORMS" value="4"' in html
    assert 'name="roadmap-INITIAL_FORMS" value="3"' in html
    assert 'name="roadmap-3-name" ' in html and 'value="第3阶段"' in html


def test_a_row_added_in_the_browser_is_saved_after_the_saved_ones(applicant, application):
    applicant.post(_url(application, "targets"), _targets(_phases(2), initial=0))
    # The page had rows 0-1 saved and 2 empty; the button added row 3 (TOTAL_FORMS 3 → 4).
    phases = [
        *_phases(2),
        {"name": "", "years": "", "focus": ""},
        {"name": "远期", "years": "2035"},
    ]
    response = applicant.post(_url(application, "targets"), _targets(phases, initial=2))
    assert response.status_code == 302
    application.refresh_from_db()
    roadmap = application.data["targets"]["roadmap"]
    assert [p["name"] for p in roadmap] == ["第1阶段", "第2阶段", "远期"]


def test_a_ticked_delete_box_removes_that_phase_only(applicant, application):
    applicant.post(_url(application, "targets"), _targets(_phases(3), initial=0))
    response = applicant.post(
        _url(application, "targets"), _targets(_phases(3), initial=3, deleted=(1,))
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert [p["name"] for p in application.data["targets"]["roadmap"]] == ["第1阶段", "第3阶段"]
    html = applicant.get(_url(application, "targets")).content.decode()
    assert _row_numbers(html, "roadmap") == {0, 1, 2}


def test_key_projects_add_and_delete_rows_the_same_way(applicant, application):
    url = _url(application, "key_tasks")
    first = [{"name": "光伏", **PROJECT}, {"name": "储能", **PROJECT}]
    assert applicant.post(url, _projects(first, initial=0)).status_code == 302
    html = applicant.get(url).content.decode()
    assert _row_numbers(html, "projects") == {0, 1, 2}
    assert 'name="projects-__prefix__-name"' in html

    # Delete 光伏, keep 储能, leave the empty row empty and fill one added row.
    rows = [*first, {}, {"name": "余热回收", **PROJECT}]
    assert applicant.post(url, _projects(rows, initial=2, deleted=(0,))).status_code == 302
    application.refresh_from_db()
    projects = application.data["key_tasks"]["projects"]
    assert [p["name"] for p in projects] == ["储能", "余热回收"]
    assert projects[1]["investment"] == "1000"


def test_an_added_project_without_a_name_is_refused_naming_the_field(applicant, application):
    url = _url(application, "key_tasks")
    rows = [{}, {**PROJECT}]
    response = applicant.post(url, _projects(rows, initial=0))
    assert response.status_code == 200
    assert response.context["form"].formset_instances["projects"].errors[1] == {
        "name": ["请填写项目名称。"]
    }
    application.refresh_from_db()
    assert "key_tasks" not in application.data


def test_more_phases_than_allowed_are_refused_naming_the_roadmap(applicant, application):
    response = applicant.post(_url(application, "targets"), _targets(_phases(21), initial=0))
    assert response.status_code == 200
    assert "路线图（分阶段）：最多 20 个阶段。" in response.content.decode()
    application.refresh_from_db()
    assert "targets" not in application.data


def test_twenty_saved_phases_leave_no_empty_row(applicant, application):
    assert (
        applicant.post(_url(application, "targets"), _targets(_phases(20), initial=0)).status_code
        == 302
    )
    html = applicant.get(_url(application, "targets")).content.decode()
    assert _row_numbers(html, "roadmap") == set(range(20))
    assert 'name="roadmap-MAX_NUM_FORMS" value="20"' in html
