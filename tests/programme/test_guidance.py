"""Provincial guidance through its door and pages: the park's province records visits and the
problems raised, and when and how each was solved; the park reads its own and answers; NDRC reads
every province's. Everyone else is refused, and nothing is written when a person is refused."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import guidance
from applications.models import (
    ConstructionProgramme,
    GuidanceProblem,
    GuidanceVisit,
    ProblemResponse,
    ProgrammeStage,
)

from .builders import approved_programme
from .module_data import built_once

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with built_once(django_db_blocker, lambda cast: approved_programme(cast)) as built:
        yield built


@pytest.fixture
def cast(world, db):
    return world[0]


@pytest.fixture
def programme(world, db) -> ConstructionProgramme:
    return ConstructionProgramme.objects.get(pk=world[1].pk)


def _visit(cast, programme, problems=("储能项目并网滞后", "碳排放监测平台未接入企业数据")):
    return guidance.record_visit(
        cast.provincial_a,
        programme,
        visited_on=YESTERDAY,
        form="on_site",
        participants="省发展改革委环资处张三；园区管委会李四",
        content="现场查看光伏和储能项目，听取建设进展汇报。",
        problems=list(problems),
    )


def _counts() -> tuple[int, int, int, int]:
    return (
        GuidanceVisit.objects.count(),
        GuidanceProblem.objects.count(),
        GuidanceProblem.objects.filter(status="solved").count(),
        ProblemResponse.objects.count(),
    )


def test_the_province_records_a_visit_with_its_problems_open(cast, programme):
    visit = _visit(cast, programme)
    assert visit.recorded_by == cast.provincial_a
    assert [p.description for p in visit.problems.all()] == [
        "储能项目并网滞后",
        "碳排放监测平台未接入企业数据",
    ]
    assert {p.status for p in visit.problems.all()} == {"open"}
    assert len(guidance.open_problems(programme)) == 2


@pytest.mark.parametrize("who", ["applicant_a", "applicant_b", "provincial_other", "national"])
def test_only_the_parks_province_records_guidance(cast, programme, who):
    before = _counts()
    with pytest.raises(guidance.NotAllowed):
        guidance.record_visit(
            getattr(cast, who),
            programme,
            visited_on=YESTERDAY,
            form="meeting",
            participants="某人",
            content="内容",
            problems=["问题"],
        )
    assert _counts() == before


def test_guidance_is_recorded_only_while_the_park_builds(cast, programme):
    ConstructionProgramme.objects.filter(pk=programme.pk).update(
        stage=ProgrammeStage.SELF_ASSESSMENT
    )
    with pytest.raises(guidance.WrongState, match="自评估"):
        _visit(cast, programme)
    assert _counts() == (0, 0, 0, 0)


def test_bad_input_is_refused_with_the_field_named_and_nothing_written(cast, programme):
    for kwargs, field in (
        ({"content": "  "}, "指导内容"),
        ({"participants": ""}, "参加人员"),
        ({"visited_on": TODAY + datetime.timedelta(days=1)}, "指导日期"),
        ({"visited_on": None}, "指导日期"),
    ):
        arguments = {
            "visited_on": YESTERDAY,
            "form": "on_site",
            "participants": "张三",
            "content": "内容",
            "problems": ["问题一"],
            **kwargs,
        }
        with pytest.raises(guidance.GuidanceError, match=field):
            guidance.record_visit(cast.provincial_a, programme, **arguments)
    assert _counts() == (0, 0, 0, 0)


def test_a_problem_is_solved_once_with_its_date_and_way(cast, programme):
    problem = _visit(cast, programme).problems.first()
    with pytest.raises(guidance.GuidanceError, match="解决方式"):
        guidance.solve(cast.provincial_a, problem, solved_on=TODAY, solution="")
    with pytest.raises(guidance.GuidanceError, match="解决日期不能早于"):
        guidance.solve(
            cast.provincial_a, problem, solved_on=YESTERDAY - datetime.timedelta(1), solution="协调"
        )
    for who in ("applicant_a", "provincial_other", "national"):
        with pytest.raises(guidance.NotAllowed):
            guidance.solve(getattr(cast, who), problem, solved_on=TODAY, solution="协调")
    guidance.solve(cast.provincial_a, problem, solved_on=TODAY, solution="协调电网企业完成并网")
    problem.refresh_from_db()
    assert (problem.status, problem.solved_on, problem.solved_by) == (
        "solved",
        TODAY,
        cast.provincial_a,
    )
    with pytest.raises(guidance.WrongState, match="已于"):
        guidance.solve(cast.provincial_a, problem, solved_on=TODAY, solution="再次")
    assert len(guidance.open_problems(programme)) == 1


def test_the_park_answers_an_open_problem_and_only_the_park(cast, programme):
    problem = _visit(cast, programme).problems.first()
    for who in ("applicant_b", "provincial_a", "national"):
        with pytest.raises(guidance.NotAllowed):
            guidance.respond(getattr(cast, who), problem, "答复")
    guidance.respond(cast.applicant_a, problem, "已与电网企业对接，预计下月并网")
    guidance.solve(cast.provincial_a, problem, solved_on=TODAY, solution="已并网")
    with pytest.raises(guidance.WrongState):
        guidance.respond(cast.applicant_a, problem, "再答复")
    assert list(problem.responses.values_list("text", flat=True)) == [
        "已与电网企业对接，预计下月并网"
    ]


def test_the_page_shows_the_park_its_own_guidance_read_only_in_chinese(
    client, cast, programme, django_assert_max_num_queries
):
    _visit(cast, programme)
    client.force_login(cast.applicant_a)
    url = reverse("guidance_detail", args=[programme.pk])
    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()
    assert "现场指导" in page and "储能项目并网滞后" in page and "未解决" in page
    assert 'data-testid="visit-form"' not in page and 'data-testid="solve-form"' not in page
    assert 'data-testid="respond-form"' in page
    client.force_login(cast.applicant_b)
    assert client.get(url).status_code == 404
    client.force_login(cast.provincial_other)
    assert client.get(url).status_code == 404


def test_recording_through_the_page_asks_first_then_records(client, cast, programme):
    client.force_login(cast.provincial_a)
    url = reverse("guidance_visit", args=[programme.pk])
    data = {
        "visited_on": YESTERDAY.isoformat(),
        "form": "remote",
        "participants": "省发展改革委",
        "content": "视频调度建设进展",
        "problems": "项目融资困难\n\n用地指标不足\n",
    }
    asked = client.post(url, data)
    assert asked.status_code == 200 and "发现的问题 2 个" in asked.content.decode()
    assert _counts() == (0, 0, 0, 0)
    done = client.post(url, {**data, "confirmed_act": "1"}, follow=True)
    assert "已记录指导情况和发现的问题 2 个" in done.content.decode()
    assert _counts() == (1, 2, 0, 0)
    missing = client.post(url, {**data, "content": "", "confirmed_act": "1"})
    assert "指导内容" in missing.content.decode() and _counts() == (1, 2, 0, 0)
    client.force_login(cast.applicant_a)
    assert client.post(url, {**data, "confirmed_act": "1"}).status_code == 403
    problem = GuidanceProblem.objects.first()
    solve = reverse("guidance_solve", args=[programme.pk, problem.pk])
    assert client.post(solve, {"solved_on": TODAY.isoformat(), "solution": "x"}).status_code == 403
    respond = reverse("guidance_respond", args=[programme.pk, problem.pk])
    client.post(respond, {"text": "正在申请专项贷款", "confirmed_act": "1"})
    client.force_login(cast.provincial_a)
    client.post(solve, {"solved_on": TODAY.isoformat(), "solution": "银行授信落实"})
    assert _counts() == (1, 2, 0, 1)  # asked first: not solved yet
    client.post(
        solve, {"solved_on": TODAY.isoformat(), "solution": "银行授信落实", "confirmed_act": "1"}
    )
    assert _counts() == (1, 2, 1, 1)
    programme_page = client.get(reverse("programme_detail", args=[programme.pk])).content.decode()
    assert reverse("guidance_detail", args=[programme.pk]) in programme_page
    assert "1 个问题未解决" in programme_page


def test_ndrc_sees_every_province_and_a_province_only_its_own(
    client, cast, programme, django_assert_max_num_queries
):
    _visit(cast, programme)
    client.force_login(cast.national)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("guidance_list")).content.decode()
    assert "江苏" in page and cast.park_a.name in page
    rows = {r["park__province"]: r for r in guidance.by_province(cast.national)}
    assert rows[cast.park_a.province_id]["open"] == 2
    assert rows[cast.park_a.province_id]["visits"] == 1
    client.force_login(cast.provincial_other)
    assert cast.park_a.name not in client.get(reverse("guidance_list")).content.decode()
    client.force_login(cast.applicant_a)
    assert client.get(reverse("guidance_list")).status_code == 403


def test_the_self_assessment_sheet_shows_the_problems_still_open(client, cast, programme):
    problem = _visit(cast, programme).problems.first()
    guidance.solve(cast.provincial_a, problem, solved_on=TODAY, solution="已解决")
    ConstructionProgramme.objects.filter(pk=programme.pk).update(
        stage=ProgrammeStage.SELF_ASSESSMENT
    )
    client.force_login(cast.provincial_a)
    page = client.get(reverse("acceptance_detail", args=[programme.pk])).content.decode()
    section = page[page.index('data-testid="sheet-open-problems"') :]
    assert "碳排放监测平台未接入企业数据" in section and "储能项目并网滞后" not in section


def test_each_act_notifies_the_other_side_in_the_inbox_and_by_mail(
    cast, programme, django_capture_on_commit_callbacks, mailoutbox
):
    """D45: a visit (with its problems) and a solved problem reach the park's people; the park's
    answer reaches its province's reviewers; never the actor, never another province or park."""
    from applications.models import InboxItem

    def items(user):
        return list(InboxItem.objects.filter(recipient=user).order_by("pk"))

    before = {u: len(items(u)) for u in (cast.applicant_a, cast.provincial_a, cast.applicant_b)}
    with django_capture_on_commit_callbacks(execute=True):
        visit = _visit(cast, programme)
    park_item = items(cast.applicant_a)[-1]
    assert "省级指导记录" in park_item.title
    assert "储能项目并网滞后" in park_item.body and "现场查看光伏" in park_item.body
    assert park_item.link == reverse("guidance_detail", args=[programme.pk])
    assert len(items(cast.provincial_a)) == before[cast.provincial_a]  # the actor
    assert len(items(cast.applicant_b)) == before[cast.applicant_b]  # another park
    assert any(cast.applicant_a.email in m.to and "储能项目并网滞后" in m.body for m in mailoutbox)

    problem = visit.problems.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        guidance.respond(cast.applicant_a, problem, "已协调电网公司，预计下月并网。")
    answer = items(cast.provincial_a)[-1]
    assert "园区问题反馈" in answer.title and "预计下月并网" in answer.body
    assert any(cast.provincial_a.email in m.to and "预计下月并网" in m.body for m in mailoutbox)

    with django_capture_on_commit_callbacks(execute=True):
        guidance.solve(cast.provincial_a, problem, solved_on=TODAY, solution="已并网运行。")
    solved = items(cast.applicant_a)[-1]
    assert "指导问题已解决" in solved.title and "已并网运行" in solved.body
    # A refused act tells nobody.
    count = InboxItem.objects.count()
    with pytest.raises(guidance.GuidanceError):
        guidance.respond(cast.applicant_a, problem, "再反馈")
    assert InboxItem.objects.count() == count
