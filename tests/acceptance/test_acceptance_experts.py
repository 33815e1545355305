"""The experts of an evaluation and acceptance, as in the review: NDRC assigns and the expert is
mailed; the expert declares before reading anything (a conflict removes the assignment); an
expert who declared none scores the acceptance rubric with an opinion; NDRC reads every sheet,
the weighted totals, the spread and the outliers; NDRC decides, never an expert."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from applications import acceptance_experts, workflow
from applications.models import (
    DEFAULT_ACCEPTANCE_RUBRIC,
    AcceptanceAssignment,
    AcceptanceConflict,
    AcceptanceScore,
    InboxItem,
    ProgrammeStage,
    Role,
)
from tests.factories import UserFactory

from .conftest import AT_THRESHOLD_GRID_MWH, enter_year

pytestmark = pytest.mark.django_db

KEYS = [key for key, *_rest in DEFAULT_ACCEPTANCE_RUBRIC]


def sheet(*scores: int) -> dict[str, str]:
    return {key: str(score) for key, score in zip(KEYS, scores, strict=True)}


@pytest.fixture
def in_acceptance(cast, approved_programme):
    programme = approved_programme()
    enter_year(cast.park_a, 2025, AT_THRESHOLD_GRID_MWH)
    workflow.request_self_assessment(cast.applicant_a, programme)
    workflow.put_forward(cast.provincial_a, programme, year=2025, report="自评估报告：任务完成。")
    return programme


def test_rubric_weights_sum_to_a_hundred():
    from applications import rubric

    rubric.check_criteria(acceptance_experts.criteria())
    assert acceptance_experts.criteria()[0].weight == Decimal("40")


def test_experts_declare_score_and_ndrc_decides(
    client, cast, in_acceptance, django_capture_on_commit_callbacks
):
    programme = in_acceptance
    second, third = (
        UserFactory(username=name, role=Role.EXPERT, email=f"{name}@example.cn")
        for name in ("expert_b", "expert_c")
    )

    # Only NDRC assigns; the park, its province and an expert may not.
    for person in (cast.applicant_a, cast.provincial_a, cast.expert):
        with pytest.raises(acceptance_experts.NotAllowed):
            acceptance_experts.assign(person, programme, second)
    with pytest.raises(acceptance_experts.ExpertError, match="只能指派评审专家"):
        acceptance_experts.assign(cast.national, programme, cast.provincial_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for expert in (cast.expert, second, third):
            acceptance_experts.assign(cast.national, programme, expert)
    assert {m.to[0] for m in mail.outbox} >= {second.email, third.email}
    assert any(
        reverse("acceptance_review", args=[programme.pk]) in m.body
        and "利益冲突" in m.body
        and cast.park_a.name in m.subject
        for m in mail.outbox
    )
    # Each expert also finds the assignment in the app's inbox, linked to the declaration.
    for expert in (cast.expert, second, third):
        item = InboxItem.objects.get(
            recipient=expert, link=reverse("acceptance_review", args=[programme.pk])
        )
        assert cast.park_a.name in item.title and item.read_at is None
    with pytest.raises(acceptance_experts.ExpertError, match="已被指派"):
        acceptance_experts.assign(cast.national, programme, second)

    # Before declaring, the expert sees the declaration and nothing of the acceptance.
    client.force_login(third)
    page = client.get(reverse("acceptance_review", args=[programme.pk])).content.decode()
    assert 'data-testid="conflict-declaration"' in page
    assert 'data-testid="acceptance-material"' not in page and "自评估报告" not in page
    with pytest.raises(acceptance_experts.NotAllowed):
        acceptance_experts.save_score(third, programme, sheet(80, 80, 80, 80, 80), "意见")

    # A declared conflict removes the assignment, keeps the record and tells NDRC's reviewer.
    with pytest.raises(acceptance_experts.ExpertError, match="利益冲突说明"):
        acceptance_experts.declare_conflict(third, programme, "  ")
    unconfirmed = client.post(
        reverse("acceptance_declare", args=[programme.pk]), {"conflict": "1", "reason": "亲属"}
    )
    assert 'data-testid="confirm-conflict"' in unconfirmed.content.decode()
    assert AcceptanceAssignment.objects.filter(expert=third).exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("acceptance_declare", args=[programme.pk]),
            {"conflict": "1", "reason": "本人配偶在园区企业任职", "confirmed_act": "1"},
        )
    assert response.status_code == 302
    assert not AcceptanceAssignment.objects.filter(expert=third).exists()
    assert AcceptanceConflict.objects.get(expert=third).reason == "本人配偶在园区企业任职"
    assert [m.to for m in mail.outbox] == [[cast.national.email]]
    told = InboxItem.objects.get(recipient=cast.national, title__contains="利益冲突")
    assert told.link == reverse("acceptance_detail", args=[programme.pk])
    assert "本人配偶在园区企业任职" in told.body
    assert client.get(reverse("acceptance_review", args=[programme.pk])).status_code == 404
    with pytest.raises(acceptance_experts.ExpertError, match="利益冲突"):
        acceptance_experts.assign(cast.national, programme, third)

    # Declared no conflict: the material and the sheet; every criterion and the opinion needed.
    for expert in (cast.expert, second):
        acceptance_experts.declare_no_conflict(expert, programme)
    client.force_login(cast.expert)
    page = client.get(reverse("acceptance_review", args=[programme.pk])).content.decode()
    assert 'data-testid="acceptance-material"' in page and "自评估报告：任务完成。" in page
    assert 'data-testid="acceptance-score-form"' in page
    bad = {**sheet(80, 80, 80, 80, 80), "clean_energy": "101", "comment": "意见"}
    client.post(reverse("acceptance_score", args=[programme.pk]), bad)
    assert not AcceptanceScore.objects.exists()
    with pytest.raises(acceptance_experts.ExpertError, match="专家意见"):
        acceptance_experts.save_score(cast.expert, programme, sheet(80, 80, 80, 80, 80), " ")
    response = client.post(
        reverse("acceptance_score", args=[programme.pk]),
        {**sheet(90, 80, 70, 60, 100), "comment": "核心指标稳定达标。"},
    )
    assert response.status_code == 302
    mine = AcceptanceScore.objects.get(expert=cast.expert)
    # 90×40 + 80×15 + 70×10 + 60×15 + 100×20 = 8400 → 84.00
    assert mine.weighted_total == Decimal("84.00") and mine.comment == "核心指标稳定达标。"
    acceptance_experts.save_score(second, programme, sheet(40, 40, 40, 40, 40), "监测不完善。")
    # Revised, not added: one sheet per expert.
    acceptance_experts.save_score(
        cast.expert, programme, sheet(90, 80, 70, 60, 100), "核心指标稳定达标。"
    )
    assert AcceptanceScore.objects.filter(expert=cast.expert).count() == 1

    # NDRC reads each sheet, the totals and the spread; the park and its province do not.
    fourth = UserFactory(username="expert_e", role=Role.EXPERT)
    acceptance_experts.assign(cast.national, programme, fourth)
    acceptance_experts.declare_no_conflict(fourth, programme)
    acceptance_experts.save_score(fourth, programme, sheet(85, 85, 85, 85, 85), "同意通过。")
    client.force_login(cast.national)
    page = client.get(reverse("acceptance_detail", args=[programme.pk])).content.decode()
    assert 'data-testid="acceptance-scores"' in page
    assert "84.00" in page and "40.00" in page and "85.00" in page
    assert "监测不完善。" in page and "本人配偶在园区企业任职" in page
    # Median 84.00; 40.00 lies 44 points from it: the outlier (D22).
    assert 'data-expert="expert_b" class="table-warning" data-outlier="1"' in page
    assert "中位数 84.00 分" in page
    for person in (cast.applicant_a, cast.provincial_a):
        client.force_login(person)
        page = client.get(reverse("acceptance_detail", args=[programme.pk])).content.decode()
        assert 'data-testid="acceptance-experts"' not in page and "监测不完善" not in page

    # Experts never decide; NDRC does, and then the sheets are closed.
    for act in (workflow.accept, workflow.not_accept, workflow.accept_with_conditions):
        with pytest.raises(workflow.NotAllowed):
            act(cast.expert, programme, "专家决定")
    client.force_login(cast.expert)
    refused = client.post(
        reverse("acceptance_act", args=[programme.pk, "accept"]),
        {"comment": "专家决定", "confirmed_act": "1"},
    )
    assert refused.status_code == 404 and programme.stage == ProgrammeStage.ACCEPTANCE
    workflow.accept(cast.national, programme, "同意通过评估验收。")
    assert programme.stage == ProgrammeStage.DESIGNATED
    with pytest.raises(acceptance_experts.WrongState):
        acceptance_experts.save_score(cast.expert, programme, sheet(1, 1, 1, 1, 1), "改")
    with pytest.raises(acceptance_experts.WrongState):
        acceptance_experts.assign(cast.national, programme, UserFactory(role=Role.EXPERT))
    page = client.get(reverse("acceptance_review", args=[programme.pk])).content.decode()
    assert "评分不能再修改" in page and 'data-testid="acceptance-score-form"' not in page
    assert AcceptanceScore.objects.get(expert=cast.expert).weighted_total == Decimal("84.00")


def test_ndrc_assigns_through_the_page_after_confirming(client, cast, in_acceptance):
    programme = in_acceptance
    client.force_login(cast.national)
    page = client.get(reverse("acceptance_detail", args=[programme.pk])).content.decode()
    assert 'data-testid="acceptance-assign"' in page
    assert 'data-testid="decide-without-scores"' in page
    url = reverse("acceptance_assign", args=[programme.pk])
    asked = client.post(url, {"expert": cast.expert.pk})
    assert 'data-testid="confirm-assign"' in asked.content.decode()
    assert not AcceptanceAssignment.objects.exists()
    done = client.post(url, {"expert": cast.expert.pk, "confirmed_act": "1"}, follow=True)
    assert AcceptanceAssignment.objects.get().expert == cast.expert
    assert "专家已收到邮件" in done.content.decode()
    # A bad choice is named, nothing written.
    client.post(url, {"expert": "abc", "confirmed_act": "1"})
    client.post(url, {"expert": cast.applicant_a.pk, "confirmed_act": "1"})
    assert AcceptanceAssignment.objects.count() == 1
    # The expert finds it in their list.
    client.force_login(cast.expert)
    mine = client.get(reverse("acceptance_queue_mine")).content.decode()
    assert cast.park_a.name in mine and "待声明利益冲突" in mine


def test_ndrc_withdraws_an_expert_before_the_expert_scored(
    client, cast, in_acceptance, django_capture_on_commit_callbacks
):
    """D44: a reason and a confirmation; recorded; the expert is told in the inbox and by mail
    and loses access at once; once the expert scored it is refused with a clear message."""
    from applications.models import AcceptanceWithdrawal

    programme = in_acceptance
    second = UserFactory(username="expert_w", role=Role.EXPERT, email="expert_w@example.cn")
    acceptance_experts.assign(cast.national, programme, cast.expert)
    acceptance_experts.declare_no_conflict(cast.expert, programme)
    assignment = acceptance_experts.assign(cast.national, programme, second)
    acceptance_experts.declare_no_conflict(second, programme)
    # Nobody but NDRC withdraws; a reason is required and named.
    for person in (cast.applicant_a, cast.provincial_a, second):
        with pytest.raises(acceptance_experts.NotAllowed):
            acceptance_experts.unassign(person, programme, assignment.pk, "理由")
    with pytest.raises(acceptance_experts.ExpertError, match="撤回原因"):
        acceptance_experts.unassign(cast.national, programme, assignment.pk, "  ")
    url = reverse("acceptance_unassign", args=[programme.pk, assignment.pk])
    client.force_login(cast.national)
    page = client.get(reverse("acceptance_detail", args=[programme.pk])).content.decode()
    assert 'data-testid="withdraw-expert_w"' in page
    asked = client.post(url, {"reason": "专家时间冲突"})
    assert 'data-testid="confirm-withdraw"' in asked.content.decode()
    assert AcceptanceAssignment.objects.filter(expert=second).exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"reason": "专家时间冲突", "confirmed_act": "1"}, follow=True)
    assert "已撤回" in done.content.decode()
    assert not AcceptanceAssignment.objects.filter(expert=second).exists()
    record = AcceptanceWithdrawal.objects.get()
    assert (record.expert, record.withdrawn_by, record.reason) == (
        second,
        cast.national,
        "专家时间冲突",
    )
    assert "专家时间冲突" in done.content.decode()  # the record on NDRC's page
    item = InboxItem.objects.filter(recipient=second).latest("pk")
    assert "撤回" in item.title and "专家时间冲突" in item.body
    assert any(second.email in m.to and "专家时间冲突" in m.body for m in mail.outbox)
    # Access is gone at once.
    client.force_login(second)
    assert client.get(reverse("acceptance_review", args=[programme.pk])).status_code == 404
    # An expert who scored cannot be withdrawn.
    acceptance_experts.save_score(cast.expert, programme, sheet(80, 70, 60, 70, 90), "意见")
    scored = AcceptanceAssignment.objects.get(expert=cast.expert)
    with pytest.raises(acceptance_experts.WrongState, match="已对该园区的评估验收评分"):
        acceptance_experts.unassign(cast.national, programme, scored.pk, "理由")
    client.force_login(cast.national)
    page = client.get(reverse("acceptance_detail", args=[programme.pk])).content.decode()
    assert f'data-testid="withdraw-{cast.expert.username}"' not in page
    refused = client.post(
        reverse("acceptance_unassign", args=[programme.pk, scored.pk]),
        {"reason": "理由", "confirmed_act": "1"},
        follow=True,
    )
    assert "不能再撤回指派" in refused.content.decode()
    assert AcceptanceAssignment.objects.filter(expert=cast.expert).exists()
