"""The self-assessment and acceptance page, its acts (asked before they are made), and the public
register: in Chinese, labels rather than codes, a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications import workflow
from applications.models import ConstructionProgramme, ProgrammeStage, SelfAssessment

from .conftest import ABOVE_THRESHOLD_GRID_MWH, enter_year

pytestmark = pytest.mark.django_db


def test_the_province_sees_the_sheet_and_is_asked_before_concluding(
    client, cast, approved_programme, django_assert_max_num_queries
):
    programme = approved_programme()
    enter_year(cast.park_a, 2025, ABOVE_THRESHOLD_GRID_MWH)
    workflow.request_self_assessment(cast.applicant_a, programme)
    client.force_login(cast.provincial_a)
    url = reverse("acceptance_detail", args=[programme.pk])
    with django_assert_max_num_queries(30):
        page = client.get(url, {"year": "2025"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="self-assessment-sheet"' in html
    assert "未达标" in html and "原则上不得申请验收" in html  # the gate, said before the act
    assert "20 万—100 万吨标准煤" in html and ">200k_1m<" not in html  # labels, not codes

    act = reverse("acceptance_act", args=[programme.pk, "put_forward"])
    # Without the confirmation nothing happens: the page repeats the act and what it does.
    asked = client.post(act, {"year": "2025", "comment": "自评估报告"})
    assert asked.status_code == 200 and "报请国家发展改革委" in asked.content.decode()
    assert not SelfAssessment.objects.exists()
    # Confirmed without the reason: refused with the gate's message, nothing written.
    refused = client.post(
        act, {"year": "2025", "comment": "自评估报告", "confirmed_act": "1"}, follow=True
    )
    assert "原则上不得申请验收" in refused.content.decode()
    assert not SelfAssessment.objects.exists()
    client.post(
        act,
        {
            "year": "2025",
            "comment": "自评估报告",
            "override_reason": "差距极小",
            "confirmed_act": "1",
        },
    )
    assert ConstructionProgramme.objects.get(pk=programme.pk).stage == ProgrammeStage.ACCEPTANCE
    assert SelfAssessment.objects.get().override_reason == "差距极小"


def test_a_bad_year_is_refused_naming_the_parameter(client, cast, approved_programme):
    programme = approved_programme()
    client.force_login(cast.applicant_a)
    response = client.get(reverse("acceptance_detail", args=[programme.pk]), {"year": "²"})
    assert response.status_code == 400


def test_the_register_is_public_and_empty_until_a_park_passes(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        page = client.get(reverse("register"))
    assert page.status_code == 200
    assert "国家级零碳园区名录" in page.content.decode()
    assert "尚无国家级零碳园区" in page.content.decode()
