"""From approval to a national zero-carbon park, through the workflow door: the park asks for
its self-assessment, the province concludes and puts it forward, NDRC decides, the park is
designated and appears on the public register; every act refused to the wrong person and in
the wrong stage; the core-indicator gate at its exact boundary."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from applications import letter_content, workflow
from applications.models import (
    ApplicationEvent,
    ConstructionProgramme,
    Designation,
    Letter,
    LetterKind,
    ProgrammeStage,
    SelfAssessment,
)

from .conftest import ABOVE_THRESHOLD_GRID_MWH, AT_THRESHOLD_GRID_MWH, enter_year, stored_core

pytestmark = pytest.mark.django_db

YEAR = 2025  # the first year of the builder's period (2025—2028), before this year


def _refused(act, *people, error=workflow.NotAllowed) -> None:
    for person in people:
        with pytest.raises(error):
            act(person)


def _stage(programme) -> str:
    return ConstructionProgramme.objects.get(pk=programme.pk).stage


def test_a_park_goes_from_approval_to_the_public_register_through_the_workflow(
    client, cast, approved_programme, django_capture_on_commit_callbacks
):
    programme = approved_programme()
    assert programme.stage == ProgrammeStage.BUILDING
    enter_year(cast.park_a, YEAR, AT_THRESHOLD_GRID_MWH)
    others = (cast.applicant_b, cast.provincial_other, cast.expert, cast.admin)

    def through(act):
        with django_capture_on_commit_callbacks(execute=True):
            return act()

    # Building: the park asks; nobody else may, and nothing later may be done yet.
    _refused(
        lambda u: workflow.request_self_assessment(u, programme),
        cast.provincial_a,
        cast.national,
        *others,
    )
    _refused(
        lambda u: workflow.put_forward(u, programme, year=YEAR, report="报告"),
        cast.provincial_a,
        error=workflow.WrongState,
    )
    _refused(
        lambda u: workflow.accept(u, programme, "通过"), cast.national, error=workflow.WrongState
    )
    # The province may organise it on its own only once the period is over (2028).
    with pytest.raises(workflow.WorkflowError, match="期满"):
        workflow.open_self_assessment(cast.provincial_a, programme)
    through(
        lambda: workflow.request_self_assessment(cast.applicant_a, programme, "建设任务已提前完成")
    )
    assert _stage(programme) == ProgrammeStage.SELF_ASSESSMENT

    # Self-assessment: only the park's province concludes; a report is required.
    _refused(
        lambda u: workflow.put_forward(u, programme, year=YEAR, report="报告"),
        cast.applicant_a,
        cast.national,
        *others,
    )
    _refused(
        lambda u: workflow.request_self_assessment(u, programme),
        cast.applicant_a,
        error=workflow.WrongState,
    )
    with pytest.raises(workflow.CommentRequired):
        workflow.put_forward(cast.provincial_a, programme, year=YEAR, report=" ")
    assert not SelfAssessment.objects.exists()
    through(
        lambda: workflow.put_forward(
            cast.provincial_a,
            programme,
            year=YEAR,
            report="自评估报告：各项任务完成，核心指标达标。",
        )
    )
    assessment = SelfAssessment.objects.get()
    assert assessment.put_forward and assessment.core_met and not assessment.override_reason
    assert assessment.sheet["core"]["passed"] is True
    assert assessment.sheet["core"]["tier"] == "200k_1m"
    assert _stage(programme) == ProgrammeStage.ACCEPTANCE

    # Acceptance: only NDRC's reviewer decides; conditions must be written.
    _refused(
        lambda u: workflow.accept(u, programme, "通过"),
        cast.applicant_a,
        cast.provincial_a,
        *others,
    )
    with pytest.raises(workflow.CommentRequired):
        workflow.accept_with_conditions(cast.national, programme, "")
    through(
        lambda: workflow.accept_with_conditions(
            cast.national, programme, "一年内补充完善碳排放监测平台。"
        )
    )
    assert _stage(programme) == ProgrammeStage.DESIGNATED
    _refused(
        lambda u: workflow.not_accept(u, programme, "未通过"),
        cast.national,
        error=workflow.WrongState,
    )

    designation = Designation.objects.get()
    emissions, energy = stored_core(cast.park_a, YEAR)
    assert (designation.emissions_t, designation.energy_tce) == (emissions, energy)
    assert designation.threshold == Decimal("0.2") and designation.tier == "200k_1m"
    assert designation.conditions == "一年内补充完善碳排放监测平台。"
    kinds = set(
        Letter.objects.filter(application=programme.application).values_list("kind", flat=True)
    )
    assert {LetterKind.ACCEPTANCE, LetterKind.CERTIFICATE} <= kinds
    actions = list(
        ApplicationEvent.objects.filter(application=programme.application).values_list(
            "action", flat=True
        )
    )
    assert actions[-3:] == ["request_self_assessment", "put_forward", "accept_with_conditions"]

    # The public register, without signing in, shows it with its year, tier and indicator.
    client.logout()
    page = client.get(reverse("register"))
    assert page.status_code == 200
    body = page.content.decode()
    assert cast.park_a.name in body and "0.2000" in body and "有条件通过" in body
    certificate = Letter.objects.get(application=programme.application, kind=LetterKind.CERTIFICATE)
    assert certificate.verification_code in body


@pytest.mark.parametrize(
    ("grid_mwh", "met"), [(AT_THRESHOLD_GRID_MWH, True), (ABOVE_THRESHOLD_GRID_MWH, False)]
)
def test_the_core_indicator_gate_holds_at_its_exact_boundary(
    cast, approved_programme, grid_mwh, met
):
    programme = approved_programme()
    enter_year(cast.park_a, YEAR, grid_mwh)
    emissions, energy = stored_core(cast.park_a, YEAR)
    assert (emissions <= Decimal("0.2") * energy) is met  # the data is where the test says
    workflow.request_self_assessment(cast.applicant_a, programme)
    if met:
        workflow.put_forward(cast.provincial_a, programme, year=YEAR, report="自评估报告")
        assert SelfAssessment.objects.get().core_met is True
    else:
        with pytest.raises(workflow.BelowCoreIndicator, match="原则上不得申请验收"):
            workflow.put_forward(cast.provincial_a, programme, year=YEAR, report="自评估报告")
        assert not SelfAssessment.objects.exists()
        assert _stage(programme) == ProgrammeStage.SELF_ASSESSMENT
        # Put forward all the same: only with the reason, recorded with the conclusion.
        workflow.put_forward(
            cast.provincial_a,
            programme,
            year=YEAR,
            report="自评估报告",
            override_reason="差距极小，次年已达标，建议评估验收时重点核查。",
        )
        assessment = SelfAssessment.objects.get()
        assert assessment.core_met is False
        assert assessment.override_reason.startswith("差距极小")
    assert _stage(programme) == ProgrammeStage.ACCEPTANCE


def test_a_self_assessment_that_does_not_meet_sends_the_park_back_to_building(
    cast, approved_programme
):
    programme = approved_programme()
    enter_year(cast.park_a, YEAR, AT_THRESHOLD_GRID_MWH)
    workflow.request_self_assessment(cast.applicant_a, programme)
    workflow.self_assessment_not_met(
        cast.provincial_a, programme, year=YEAR, report="重点项目尚未完工。"
    )
    assert _stage(programme) == ProgrammeStage.BUILDING
    assert SelfAssessment.objects.get().put_forward is False


def test_a_park_that_fails_acceptance_is_not_designated(cast, approved_programme):
    programme = approved_programme()
    enter_year(cast.park_a, YEAR, AT_THRESHOLD_GRID_MWH)
    workflow.request_self_assessment(cast.applicant_a, programme)
    workflow.put_forward(cast.provincial_a, programme, year=YEAR, report="报告")
    workflow.not_accept(cast.national, programme, "监测体系不完善。")
    assert _stage(programme) == ProgrammeStage.NOT_PASSED
    assert not Designation.objects.exists()
    assert Letter.objects.get(
        application=programme.application, kind=LetterKind.ACCEPTANCE
    ).decision == str(letter_content.DECISIONS["not_accept"])
