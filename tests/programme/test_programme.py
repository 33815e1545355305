"""An approved application becomes the park's construction programme: its period, targets per
Att.3 indicator and year, key projects and roadmap, opened by the approve transition's effect."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from applications import programme, services, workflow
from applications.models import (
    ConstructionProgramme,
    EffectKind,
    PendingEffect,
    ProgrammeStage,
    ProgrammeTarget,
)
from applications.models.programme import TargetSource
from tests.applications.builders import SECTION_CONTENT, complete_application, drive_to, open_batch

from .builders import TARGET_ROWS, approved_application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _effects_inline():
    from zcparks.celery import app as celery_app

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def test_approving_opens_the_programme_after_commit_once(cast, django_capture_on_commit_callbacks):
    application = complete_application(cast.park_a, cast.applicant_a, open_batch())
    services.save_section(
        application, "targets", {**SECTION_CONTENT["targets"], "indicator_targets": TARGET_ROWS}
    )
    drive_to(application, "under_national_review", cast)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = workflow.approve(cast.national, application, "纳入")
    # Owed with the decision, not made inside it.
    owed = PendingEffect.objects.get(kind=EffectKind.OPEN_PROGRAMME, event=event)
    assert not ConstructionProgramme.objects.exists()
    for callback in callbacks:
        callback()
    owed.refresh_from_db()
    assert owed.status == "done"
    made = ConstructionProgramme.objects.get(application=application)
    assert made.stage == ProgrammeStage.BUILDING
    assert (made.period_start, made.period_end) == (2025, 2028)
    assert made.opened_by_event == event
    # A second delivery, the command and the demo path change nothing.
    programme.open_for_event(event.pk)
    call_command("open_programmes", stdout=io.StringIO())
    assert ConstructionProgramme.objects.count() == 1
    assert made.targets.count() == ProgrammeTarget.objects.count()


def test_targets_come_from_the_table_and_fill_in_from_att3(cast):
    application = approved_application(cast)
    opened = programme.open_for(application)
    targets = {(t.indicator, t.year): t for t in opened.targets.all()}
    assert targets[("intensity", 2025)].value == Decimal("0.28")
    assert targets[("intensity", 2025)].source == TargetSource.APPLICATION
    # Shares are entered in percent and kept as fractions, as the engine computes them.
    assert targets[("clean_energy", 2026)].value == Decimal("0.7")
    assert targets[("water", 2025)].value == Decimal("0.8")
    # No calculation was submitted: Att.3's requirements are unknown, the years the table leaves
    # out (2028) have no target.
    assert {year for _i, year in targets} == {2025, 2026, 2027}
    assert ("solid_waste", 2026) not in targets
    assert [p.name for p in opened.projects.all()] == ["光伏项目"]
    assert opened.projects.get().investment == Decimal("40000")
    assert [p.name for p in opened.phases.all()] == ["第一阶段"]
    assert opened.targets_text == "单位能耗碳排放降至0.2以下"


def test_att3_fills_what_the_table_leaves_and_not_applicable_is_kept():
    snapshot = {
        "sections": {"targets": {"indicator_targets": [{"year": 2026, "intensity": "0.25"}]}},
        "calculations": [
            {
                "year": 2024,
                "status": "succeeded",
                "result": {
                    "threshold": "0.3",
                    "guiding": {
                        "clean_energy": {"value": "0.5", "target": "0.9", "pass": False},
                        "water": {"not_applicable": "园区无工业用水"},
                    },
                },
            }
        ],
    }
    rows = programme.plan_targets(snapshot, [2025, 2026])
    by_key = {(r["indicator"], r["year"]): r for r in rows}
    assert by_key[("intensity", 2025)]["value"] == Decimal("0.3")
    assert by_key[("intensity", 2025)]["source"] == TargetSource.ATT3
    assert by_key[("intensity", 2026)]["value"] == Decimal("0.25")
    assert by_key[("clean_energy", 2026)]["value"] == Decimal("0.9")
    assert by_key[("water", 2025)]["not_applicable"] is True
    assert by_key[("water", 2025)]["reason"] == "园区无工业用水"
    # Neither the table nor the calculation says anything of solid waste: no target.
    assert ("solid_waste", 2025) not in by_key


def test_only_an_approved_application_gets_a_programme(cast):
    application = complete_application(cast.park_a, cast.applicant_a, open_batch())
    drive_to(application, "under_national_review", cast)
    with pytest.raises(ValueError):
        programme.open_for(application)
    assert not ConstructionProgramme.objects.exists()


def test_the_target_table_refuses_a_year_outside_the_period_and_twice(cast):
    from applications.forms.sections import TargetsForm

    def post(rows):
        data = {
            "period_start": "2025",
            "period_end": "2028",
            "targets": "说明",
            "roadmap-TOTAL_FORMS": "0",
            "roadmap-INITIAL_FORMS": "0",
            "indicator_targets-TOTAL_FORMS": str(len(rows)),
            "indicator_targets-INITIAL_FORMS": "0",
        }
        for n, row in enumerate(rows):
            data.update({f"indicator_targets-{n}-{k}": v for k, v in row.items()})
        return TargetsForm(data, content={})

    form = post([{"year": "2030", "intensity": "0.2"}])
    assert not form.is_valid()
    assert "建设期" in str(form.formset_instances["indicator_targets"].errors)
    form = post([{"year": "2026", "intensity": "0.2"}, {"year": "2026", "clean_energy": "50"}])
    assert not form.is_valid()
    assert "重复" in str(form.formset_instances["indicator_targets"].errors)
    form = post([{"year": "2026", "intensity": "0.2", "clean_energy": "150"}])
    assert not form.is_valid()
    form = post([{"intensity": "0.2"}])
    assert not form.is_valid()
    form = post([{"year": "2026", "intensity": "0.2", "clean_energy": "50"}])
    assert form.is_valid(), form.errors
    assert form.to_content()["indicator_targets"] == [
        {
            "year": 2026,
            "intensity": Decimal("0.2"),
            "clean_energy": Decimal("50"),
            "solid_waste": None,
            "waste_energy": None,
            "water": None,
        }
    ]


def test_the_programme_page_for_the_park_its_province_and_ndrc_only(client, cast):
    opened = programme.open_for(approved_application(cast))
    url = reverse("programme_detail", args=[opened.pk])
    for user, status in (
        (cast.applicant_a, 200),
        (cast.provincial_a, 200),
        (cast.national, 200),
        (cast.admin, 200),
        (cast.applicant_b, 404),
        (cast.provincial_other, 404),
        (cast.expert, 404),
    ):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user.username
        if status == 200:
            body = response.content.decode()
            assert "0.2800" in body and "70.0%" in body and "光伏项目" in body
            assert "建设中" in body
    client.force_login(cast.provincial_a)
    listing = client.get(reverse("programme_list")).content.decode()
    assert "甲园区" in listing
    client.force_login(cast.provincial_other)
    assert "甲园区" not in client.get(reverse("programme_list")).content.decode()
    client.force_login(cast.expert)
    assert client.get(reverse("programme_list")).status_code == 403
    client.force_login(cast.national)
    assert client.get(reverse("programme_list"), {"stage": "nonsense"}).status_code == 400
    assert client.get(reverse("programme_list"), {"province": "32"}).status_code == 200
