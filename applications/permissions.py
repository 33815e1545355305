"""Who may do what: every permission of the system in one table.

A permission is granted by rules; a rule names a role, the states of the application in which it
holds (the named sets of applications/models/states.py) and a scope:

- `any`: wherever the role works (administrators; permissions that concern no application);
- `own_park`: the user's own park;
- `own_province`: the parks of the user's province;
- `reached_ndrc`: what a province recommended to NDRC (also after NDRC returned it);
- `assigned`: what NDRC assigned to the user;
- `declared`: assigned, and the user declared no conflict of interest (an expert reads nothing of
  an application before that);
- `undeclared`: assigned, and the user has not declared yet (all they may do is declare);
- `acceptance_declared`, `acceptance_undeclared`: the same of an expert NDRC assigned to a
  park's evaluation and acceptance (programme permissions only).

Everything asks the table, never a role: `may(user, key, application)` for one application
(without an application: whether the role holds the permission anywhere), `permitted(user, key)`
for the queryset of applications it holds on, `verdict(...)` for the workflow, which tells a
wrong state from a wrong person. The tests in tests/permissions are generated from this table and
hold it to the policy written down there: loosening a rule here fails them.

Internal material has an audience. Comments marked internal and score sheets belong to the side
that wrote them: a provincial reviewer writes the province's, national reviewers, experts and
administrators write NDRC's. `read_province_material` and `read_ndrc_material` say who reads which;
the park reads neither (it reads only what is marked visible to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import (
    ALL_REPORT_STATES,
    ALL_STAGES,
    ALL_STATES,
    EDITABLE_STATES,
    NATIONAL_STAGE,
    PROVINCIAL_STAGE,
    REACHED_NDRC,
    REACHED_NDRC_Q,
    REPORT_EDITABLE,
    SUBMITTED_ONCE,
    AcceptanceAssignment,
    Application,
    ConstructionProgramme,
    EventAction,
    ProgrammeStage,
    ProgressReport,
    ReportAction,
    ReportStatus,
    ReviewAssignment,
    Role,
    Status,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import AnonymousUser
    from django.utils.functional import Promise

    from .models import User


class Scope(StrEnum):
    ANY = "any"
    OWN_PARK = "own_park"
    OWN_PROVINCE = "own_province"
    # The province's own park that has been recommended before (NDRC returned it since).
    OWN_PROVINCE_RECOMMENDED_BEFORE = "own_province_recommended_before"
    REACHED_NDRC = "reached_ndrc"
    ASSIGNED = "assigned"
    DECLARED = "declared"
    UNDECLARED = "undeclared"
    # An expert of a programme's evaluation and acceptance (AcceptanceAssignment).
    ACCEPTANCE_DECLARED = "acceptance_declared"
    ACCEPTANCE_UNDECLARED = "acceptance_undeclared"


_ACCEPTANCE_SCOPES = frozenset({Scope.ACCEPTANCE_DECLARED, Scope.ACCEPTANCE_UNDECLARED})


class Subject(StrEnum):
    """What a permission is asked about, and so which states its rules name. The scope is
    always that of the application behind the subject (its park and province)."""

    APPLICATION = "application"  # states: Status
    PROGRAMME = "programme"  # the construction programme after approval; states: ProgrammeStage
    REPORT = "report"  # a progress report of a programme; states: ReportStatus


# Each subject: its states, the model its lists are of, and how its application is reached.
_SUBJECT_STATES = {
    Subject.APPLICATION: ALL_STATES,
    Subject.PROGRAMME: ALL_STAGES,
    Subject.REPORT: ALL_REPORT_STATES,
}
_SUBJECT_FIELD = {
    Subject.APPLICATION: "status",
    Subject.PROGRAMME: "stage",
    Subject.REPORT: "status",
}
_SUBJECT_PREFIX = {
    Subject.APPLICATION: "",
    Subject.PROGRAMME: "application__",
    Subject.REPORT: "programme__application__",
}


@dataclass(frozen=True)
class Rule:
    role: str
    scope: Scope = Scope.ANY
    states: frozenset[str] | None = None  # None: every state of the permission's subject


@dataclass(frozen=True)
class Permission:
    key: str
    label: Promise
    rules: tuple[Rule, ...]
    # False for what concerns no single application (a queue, a menu entry).
    on_application: bool = True
    subject: Subject = Subject.APPLICATION

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(rule.role for rule in self.rules)

    @property
    def all_states(self) -> frozenset[str]:
        """Every state of its subject."""
        return _SUBJECT_STATES[self.subject]

    def states_of(self, rule: Rule) -> frozenset[str]:
        return self.all_states if rule.states is None else rule.states

    @property
    def states(self) -> frozenset[str]:
        """Every state in which some role holds it (a transition's source states)."""
        return frozenset().union(*(self.states_of(rule) for rule in self.rules))


def _p(
    key: str,
    label: Promise,
    *rules: Rule,
    on_application: bool = True,
    subject: Subject = Subject.APPLICATION,
) -> Permission:
    return Permission(key, label, tuple(rules), on_application, subject)


def _programme(key: str, label: Promise, *rules: Rule) -> Permission:
    """A permission on a construction programme; its rules' states are programme stages."""
    return _p(key, label, *rules, subject=Subject.PROGRAMME)


def _report(key: str, label: Promise, *rules: Rule) -> Permission:
    """A permission on a progress report; its rules' states are the report's."""
    return _p(key, label, *rules, subject=Subject.REPORT)


def _roles(key: str, label: Promise, *roles: str) -> Permission:
    return _p(key, label, *(Rule(role) for role in roles), on_application=False)


A, P, N, E, ADMIN = Role.APPLICANT, Role.PROVINCIAL, Role.NATIONAL, Role.EXPERT, Role.ADMIN

# Who sees an application at all; the permissions that only read it share these rules.
# An expert sees an application only once they declared no conflict of interest.
_SEE = (
    Rule(A, Scope.OWN_PARK),
    Rule(P, Scope.OWN_PROVINCE, SUBMITTED_ONCE),
    Rule(N, Scope.REACHED_NDRC),
    Rule(E, Scope.DECLARED, SUBMITTED_ONCE),
    Rule(ADMIN),
)
# Reviewers' internal material: everyone who sees the application but the park.
_REVIEW_MATERIAL = tuple(rule for rule in _SEE if rule.role != A)
# Who opens the review page: the same, and an assigned expert before declaring (the page then
# shows the park's name and the declaration, nothing else).
_REVIEW_PAGE = tuple(
    Rule(E, Scope.ASSIGNED, SUBMITTED_ONCE) if rule.role == E else rule for rule in _REVIEW_MATERIAL
)
# The province while it decides, NDRC's reviewers and the assigned experts while NDRC reviews.
_SCORE = (
    Rule(P, Scope.OWN_PROVINCE, PROVINCIAL_STAGE),
    Rule(N, Scope.REACHED_NDRC, NATIONAL_STAGE),
    Rule(E, Scope.DECLARED, NATIONAL_STAGE),
)

# A report that has been submitted at least once (a draft is the park's own business).
_REPORT_SENT = ALL_REPORT_STATES - {ReportStatus.DRAFT}

# Who follows a construction programme, in every stage: the park, its province, NDRC.
_BUILDING = frozenset({ProgrammeStage.BUILDING})
_SELF_ASSESSMENT = frozenset({ProgrammeStage.SELF_ASSESSMENT})
_ACCEPTANCE = frozenset({ProgrammeStage.ACCEPTANCE})
# From the acceptance on: what the experts scored stays readable after NDRC's decision.
_FROM_ACCEPTANCE = frozenset(
    {ProgrammeStage.ACCEPTANCE, ProgrammeStage.DESIGNATED, ProgrammeStage.NOT_PASSED}
)
_FOLLOW = (
    Rule(A, Scope.OWN_PARK),
    Rule(P, Scope.OWN_PROVINCE),
    Rule(N, Scope.REACHED_NDRC),
    Rule(ADMIN),
)

PERMISSIONS: dict[str, Permission] = {
    p.key: p
    for p in (
        # --- The application and its workflow (the keys of the transitions are their actions) ---
        _p("view_application", _("查看申报书"), *_SEE),
        _p("edit_application", _("填写和修改申报书"), Rule(A, Scope.OWN_PARK, EDITABLE_STATES)),
        _p("submit", EventAction.SUBMIT.label, Rule(A, Scope.OWN_PARK, EDITABLE_STATES)),
        _p(
            "return_for_revision",
            EventAction.RETURN_FOR_REVISION.label,
            Rule(P, Scope.OWN_PROVINCE, PROVINCIAL_STAGE),
            Rule(N, Scope.REACHED_NDRC, NATIONAL_STAGE),
        ),
        # A first recommendation is the province's one act (`recommend_batch`, D26): "recommend"
        # is the step that act makes for each of its parks, offered on no page and no route of
        # one park. On its own, one park is recommended only again, once NDRC returned it.
        _p(
            "recommend",
            EventAction.RECOMMEND.label,
            Rule(P, Scope.OWN_PROVINCE, frozenset({Status.SUBMITTED})),
        ),
        _p(
            "recommend_again",
            _("再次推荐国家退回的园区"),
            Rule(P, Scope.OWN_PROVINCE_RECOMMENDED_BEFORE, frozenset({Status.SUBMITTED})),
        ),
        _p(
            "not_recommend",
            EventAction.NOT_RECOMMEND.label,
            Rule(P, Scope.OWN_PROVINCE, frozenset({Status.SUBMITTED})),
        ),
        _p(
            "start_national_review",
            EventAction.START_NATIONAL_REVIEW.label,
            Rule(N, Scope.REACHED_NDRC, frozenset({Status.RECOMMENDED})),
        ),
        _p(
            "approve",
            EventAction.APPROVE.label,
            Rule(N, Scope.REACHED_NDRC, frozenset({Status.UNDER_NATIONAL_REVIEW})),
        ),
        _p(
            "reject",
            EventAction.REJECT.label,
            Rule(N, Scope.REACHED_NDRC, frozenset({Status.UNDER_NATIONAL_REVIEW})),
        ),
        # --- Review ---
        _p("open_review", _("进入评审页"), *_REVIEW_PAGE),
        _p("score", _("评分"), *_SCORE),
        _p("comment", _("发表内部评审意见"), *_SCORE),
        # What the park will read is said by the side that decides, not by an expert.
        _p(
            "comment_to_park",
            _("发表园区可见的评审意见"),
            *(rule for rule in _SCORE if rule.role != E),
        ),
        _p("declare_conflict", _("声明有无利益冲突"), Rule(E, Scope.UNDECLARED, SUBMITTED_ONCE)),
        _p("assign", _("指派评审人员和专家"), Rule(N, Scope.REACHED_NDRC), Rule(ADMIN)),
        _p(
            "read_province_material",
            _("阅读省级内部意见和评分"),
            *(rule for rule in _REVIEW_MATERIAL),
        ),
        _p(
            "read_ndrc_material",
            _("阅读国家级内部意见、专家评分和指派"),
            *(rule for rule in _REVIEW_MATERIAL if rule.role != P),
        ),
        # --- Letters, dossier and exports ---
        _p("download_letter", _("下载正式文书"), *_SEE),
        _p(
            "retry_letter",
            _("重试生成文书"),
            *(rule for rule in _REVIEW_MATERIAL if rule.role != E),
        ),
        # A letter is reissued by the side that issued it (letters.reissue_permission): NDRC's by
        # NDRC, a provincial DRC's by that province alone, never by NDRC in the province's name.
        _p("reissue_letter", _("重新出具文书"), Rule(N, Scope.REACHED_NDRC), Rule(ADMIN)),
        _p(
            "reissue_provincial_letter",
            _("重新出具省级文书"),
            Rule(P, Scope.OWN_PROVINCE, SUBMITTED_ONCE),
        ),
        _p("download_dossier", _("下载审计档案"), *_SEE),
        _p("download_book", _("下载申报书（PDF）"), *_SEE),
        _roles("export_queue", _("导出评审队列"), P, N, ADMIN),
        # The experts' scores side by side for the decision meeting: NDRC's material, so its
        # rows are those the reader may read_ndrc_material on.
        _roles("score_table", _("专家评分汇总表"), N, ADMIN),
        # The batch's rubric (criteria, weights, guidance): NDRC sets what its experts score on.
        _roles("edit_rubric", _("修改评分标准"), N, ADMIN),
        # --- Queues and the menu ---
        _roles("workbench", _("工作台"), A, P, N, E, ADMIN),
        # Everyone reads their own notices (applications/inbox.py keeps to the owner's items).
        _roles("read_inbox", _("站内消息"), A, P, N, E, ADMIN),
        # NDRC's workbench: counts by province, state, tier and core indicator, the parks' map.
        _roles("national_statistics", _("全国统计和园区分布图"), N, ADMIN),
        _roles("start_application", _("发起申报"), A),
        _roles("list_applications", _("申报书列表"), A, P, N, E, ADMIN),
        _roles("queue_provincial", _("省级审核队列"), P, ADMIN),
        _roles("queue_national", _("国家评审队列"), N, ADMIN),
        _roles("queue_mine", _("指派给我的申报书"), N, E, ADMIN),
        _roles("browse_parks", _("浏览园区"), P, N, ADMIN),
        _roles("own_park", _("本园区"), A),
        _roles("enter_energy_data", _("填报能源数据"), A),
        _roles("manage_api_tokens", _("管理 API 令牌"), A),
        _roles("read_api_docs", _("阅读接口文档"), A, N, ADMIN),
        # --- After approval: the construction programme (states are its stages) ---
        # The park, its province and NDRC follow the programme; an expert does not.
        _programme("view_programme", _("查看建设方案"), *_FOLLOW),
        # Self-assessment, evaluation and acceptance (notice 三(四)); the keys are the acts of
        # programme_workflow.PROGRAMME_TRANSITIONS. The park asks for its self-assessment while
        # building; its province organises it (on its own once the period is over) and concludes;
        # NDRC decides.
        _programme("view_acceptance", _("查看自评估和评估验收"), *_FOLLOW),
        _programme(
            "request_self_assessment",
            EventAction.REQUEST_SELF_ASSESSMENT.label,
            Rule(A, Scope.OWN_PARK, _BUILDING),
        ),
        _programme(
            "open_self_assessment",
            EventAction.OPEN_SELF_ASSESSMENT.label,
            Rule(P, Scope.OWN_PROVINCE, _BUILDING),
        ),
        _programme(
            "put_forward",
            EventAction.PUT_FORWARD.label,
            Rule(P, Scope.OWN_PROVINCE, _SELF_ASSESSMENT),
        ),
        _programme(
            "self_assessment_not_met",
            EventAction.SELF_ASSESSMENT_NOT_MET.label,
            Rule(P, Scope.OWN_PROVINCE, _SELF_ASSESSMENT),
        ),
        _programme("accept", EventAction.ACCEPT.label, Rule(N, Scope.REACHED_NDRC, _ACCEPTANCE)),
        _programme(
            "accept_with_conditions",
            EventAction.ACCEPT_WITH_CONDITIONS.label,
            Rule(N, Scope.REACHED_NDRC, _ACCEPTANCE),
        ),
        _programme(
            "not_accept", EventAction.NOT_ACCEPT.label, Rule(N, Scope.REACHED_NDRC, _ACCEPTANCE)
        ),
        # The experts of the evaluation and acceptance (applications/acceptance_experts.py), as in
        # the review: NDRC assigns; the expert declares before reading anything, then scores the
        # acceptance rubric (D32); the sheets are NDRC's material; NDRC decides (above).
        _programme(
            "assign_acceptance_experts",
            _("指派验收专家"),
            Rule(N, Scope.REACHED_NDRC, _ACCEPTANCE),
            Rule(ADMIN, Scope.ANY, _ACCEPTANCE),
        ),
        _programme(
            "declare_acceptance_conflict",
            _("声明与验收园区有无利益冲突"),
            Rule(E, Scope.ACCEPTANCE_UNDECLARED, _ACCEPTANCE),
        ),
        # The expert's page: before declaring it shows the park's name and the declaration only
        # (while the acceptance lasts); once declared, also after NDRC's decision.
        _programme(
            "open_acceptance_review",
            _("进入验收评审页"),
            Rule(E, Scope.ACCEPTANCE_UNDECLARED, _ACCEPTANCE),
            Rule(E, Scope.ACCEPTANCE_DECLARED, _FROM_ACCEPTANCE),
        ),
        _programme(
            "read_acceptance_material",
            _("阅读验收材料"),
            Rule(E, Scope.ACCEPTANCE_DECLARED, _FROM_ACCEPTANCE),
        ),
        _programme(
            "score_acceptance",
            _("验收评分"),
            Rule(E, Scope.ACCEPTANCE_DECLARED, _ACCEPTANCE),
        ),
        _programme(
            "read_acceptance_scores",
            _("阅读验收专家评分和指派"),
            Rule(N, Scope.REACHED_NDRC, _FROM_ACCEPTANCE),
            Rule(ADMIN, Scope.ANY, _FROM_ACCEPTANCE),
        ),
        _roles("queue_acceptance_mine", _("指派给我的评估验收"), E),
        _roles("list_programmes", _("建设方案列表"), A, P, N, ADMIN),
        # The park starts its yearly report while it builds; the province asks for one.
        _programme(
            "start_report",
            _("填报年度进展报告"),
            Rule(A, Scope.OWN_PARK, frozenset({ProgrammeStage.BUILDING})),
        ),
        _programme(
            "request_report",
            ReportAction.REQUEST.label,
            Rule(P, Scope.OWN_PROVINCE, frozenset({ProgrammeStage.BUILDING})),
        ),
        # --- Progress reports (states are the report's) ---
        # A draft is the park's own business until it is submitted.
        _report(
            "view_report",
            _("查看进展报告"),
            Rule(A, Scope.OWN_PARK),
            Rule(P, Scope.OWN_PROVINCE, _REPORT_SENT),
            Rule(N, Scope.REACHED_NDRC, _REPORT_SENT),
            Rule(ADMIN),
        ),
        _report("edit_report", _("填写进展报告"), Rule(A, Scope.OWN_PARK, REPORT_EDITABLE)),
        _report(
            "submit_report", ReportAction.SUBMIT.label, Rule(A, Scope.OWN_PARK, REPORT_EDITABLE)
        ),
        _report(
            "return_report",
            ReportAction.RETURN.label,
            Rule(P, Scope.OWN_PROVINCE, frozenset({ReportStatus.SUBMITTED})),
        ),
        _report(
            "accept_report",
            ReportAction.ACCEPT.label,
            Rule(P, Scope.OWN_PROVINCE, frozenset({ReportStatus.SUBMITTED})),
        ),
        # NDRC's list of every province's reports (and the province's own).
        _roles("list_reports", _("进展报告列表"), P, N, ADMIN),
        # --- Provincial guidance of a park in construction (applications/guidance.py) ---
        # The park reads its own (and answers a problem), its province records, NDRC reads all.
        _programme("view_guidance", _("查看省级指导记录"), *_FOLLOW),
        _programme(
            "record_guidance",
            _("记录指导和发现的问题"),
            Rule(P, Scope.OWN_PROVINCE, _BUILDING),
        ),
        # A problem raised while building may be solved, or answered, in a later stage too.
        _programme("solve_problem", _("记录问题解决情况"), Rule(P, Scope.OWN_PROVINCE)),
        _programme("respond_problem", _("反馈指导中发现的问题"), Rule(A, Scope.OWN_PARK)),
        _roles("list_guidance", _("省级指导情况"), P, N, ADMIN),
        # Closing a batch publishes its construction list: NDRC's decision, like approving.
        _roles("close_batch", _("关闭批次并发布建设名单"), N),
        # The province's recommendation of a batch, assembled and submitted as one act.
        _roles("recommend_batch", _("编制和报送本省推荐"), P),
        # Its construction plans: the province that sent them (its own) and NDRC; never a park.
        _roles("read_recommendation_plan", _("下载省级推荐的建设方案"), P, N, ADMIN),
        # --- Deadlines (applications/deadlines.py) ---
        _roles("set_submission_deadline", _("设定本省园区申报截止时间"), P, ADMIN),
        _roles("extend_deadline", _("延长截止时间"), ADMIN),
    )
}


def role_of(user: User | AnonymousUser | None) -> str | None:
    """The role whose rules apply; None for anonymous and deactivated accounts."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return Role.ADMIN if user.is_superuser else user.role


def _rules(user: User | AnonymousUser | None, key: str) -> tuple[Rule, ...]:
    role = role_of(user)
    return tuple(rule for rule in PERMISSIONS[key].rules if rule.role == role)


def _assignment(user: User, application: Application) -> ReviewAssignment | None:
    # The review page prefetches the assignments: ask them instead of the database.
    cached = getattr(application, "_prefetched_objects_cache", {}).get("assignments")
    if cached is not None:
        return next((a for a in cached if a.assignee_id == user.pk), None)
    return ReviewAssignment.objects.filter(
        application_id=application.pk, assignee_id=user.pk
    ).first()


def _assignments(user: User, declared: bool | None = None) -> Q:
    mine = ReviewAssignment.objects.filter(application=OuterRef("pk"), assignee_id=user.pk)
    if declared is not None:
        mine = mine.filter(declared_at__isnull=not declared)
    return Q(Exists(mine))


def _acceptance_assignment(user: User, programme: ConstructionProgramme):
    cached = getattr(programme, "_prefetched_objects_cache", {}).get("expert_assignments")
    if cached is not None:
        return next((a for a in cached if a.expert_id == user.pk), None)
    return AcceptanceAssignment.objects.filter(programme_id=programme.pk, expert_id=user.pk).first()


def _in_scope(user: User, scope: Scope, application: Application, subject=None) -> bool:
    if scope in _ACCEPTANCE_SCOPES:
        if not isinstance(subject, ConstructionProgramme):
            return False
        assignment = _acceptance_assignment(user, subject)
        if assignment is None:
            return False
        return (assignment.declared_at is not None) == (scope == Scope.ACCEPTANCE_DECLARED)
    if scope == Scope.ANY:
        return True
    if scope == Scope.OWN_PARK:
        return user.park_id is not None and user.park_id == application.park_id
    if scope == Scope.OWN_PROVINCE:
        return user.province_id is not None and user.province_id == application.park.province_id
    if scope == Scope.OWN_PROVINCE_RECOMMENDED_BEFORE:
        return application.ever_recommended and _in_scope(user, Scope.OWN_PROVINCE, application)
    if scope == Scope.REACHED_NDRC:
        return application.status in REACHED_NDRC or application.ever_recommended
    if scope in (Scope.ASSIGNED, Scope.DECLARED, Scope.UNDECLARED):
        assignment = _assignment(user, application)
        if assignment is None or scope == Scope.ASSIGNED:
            return assignment is not None
        return (assignment.declared_at is not None) == (scope == Scope.DECLARED)
    raise ValueError(scope)


def scope_q(user: User, scope: Scope, prefix: str = "") -> Q:
    """The scope as a filter on applications (for lists and queues); `prefix` reaches the
    application from another model (`application__` from a programme)."""
    if scope in _ACCEPTANCE_SCOPES:
        # Only of a programme: its own assignments, not its application's.
        if prefix != _SUBJECT_PREFIX[Subject.PROGRAMME]:
            return Q(pk__in=[])
        mine = AcceptanceAssignment.objects.filter(
            programme=OuterRef("pk"),
            expert_id=user.pk,
            declared_at__isnull=scope == Scope.ACCEPTANCE_UNDECLARED,
        )
        return Q(Exists(mine))
    if prefix:
        if scope in (Scope.ASSIGNED, Scope.DECLARED, Scope.UNDECLARED):
            assigned = Application.objects.filter(scope_q(user, scope))
            return Q(**{f"{prefix}in": assigned})
        return _prefixed(scope_q(user, scope), prefix)
    if scope == Scope.ANY:
        return Q()
    if scope == Scope.OWN_PARK:
        return Q(park_id=user.park_id) if user.park_id else Q(pk__in=[])
    if scope == Scope.OWN_PROVINCE:
        return Q(park__province_id=user.province_id) if user.province_id else Q(pk__in=[])
    if scope == Scope.OWN_PROVINCE_RECOMMENDED_BEFORE:
        return scope_q(user, Scope.OWN_PROVINCE) & Q(ever_recommended=True)
    if scope == Scope.REACHED_NDRC:
        return REACHED_NDRC_Q
    if scope == Scope.ASSIGNED:
        return _assignments(user)
    if scope == Scope.DECLARED:
        return _assignments(user, declared=True)
    if scope == Scope.UNDECLARED:
        return _assignments(user, declared=False)
    raise ValueError(scope)


def _prefixed(q: Q, prefix: str) -> Q:
    """The same filter, its lookups reached through `prefix`."""
    copy = Q()
    copy.connector, copy.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            copy.children.append(_prefixed(child, prefix))
        else:
            lookup, value = child
            copy.children.append((prefix + lookup, value))
    return copy


class Verdict(Enum):
    ALLOWED = "allowed"
    WRONG_STATE = "wrong_state"  # the right person, but not now
    NOT_ALLOWED = "not_allowed"  # not this person, or not here


def _application_and_state(key: str, subject) -> tuple[Application, str]:
    """The application whose scope applies, and the state the rules name, of a permission's
    subject (an application, or a construction programme)."""
    kind = PERMISSIONS[key].subject
    expected = {
        Subject.APPLICATION: Application,
        Subject.PROGRAMME: ConstructionProgramme,
        Subject.REPORT: ProgressReport,
    }[kind]
    if not isinstance(subject, expected):
        raise TypeError(f"{key} is asked about a {kind}, not {type(subject).__name__}")
    if kind == Subject.APPLICATION:
        return subject, subject.status
    if kind == Subject.PROGRAMME:
        return subject.application, subject.stage
    return subject.programme.application, subject.status


def verdict(user: User | AnonymousUser | None, key: str, subject) -> Verdict:
    """`subject`: the application, or the construction programme for a programme permission."""
    application, state = _application_and_state(key, subject)
    permission = PERMISSIONS[key]
    in_scope = [
        rule for rule in _rules(user, key) if _in_scope(user, rule.scope, application, subject)
    ]
    if not in_scope:
        return Verdict.NOT_ALLOWED
    if any(state in permission.states_of(rule) for rule in in_scope):
        return Verdict.ALLOWED
    return Verdict.WRONG_STATE


def may(user: User | AnonymousUser | None, key: str, subject=None) -> bool:
    """May this user do `key` on this application (or programme) now? Without one: does the
    user's role hold the permission anywhere (menus, queues, buttons that lead further)?"""
    if subject is None:
        return bool(_rules(user, key))
    return verdict(user, key, subject) is Verdict.ALLOWED


def permitted(
    user: User | AnonymousUser | None, key: str, queryset: QuerySet | None = None
) -> QuerySet:
    """The applications (of `queryset`, all by default) on which the user may do `key` now;
    for a programme permission, the construction programmes."""
    permission = PERMISSIONS[key]
    subject = permission.subject
    if queryset is None:
        model = {
            Subject.APPLICATION: Application,
            Subject.PROGRAMME: ConstructionProgramme,
            Subject.REPORT: ProgressReport,
        }[subject]
        queryset = model.objects.all()
    rules = _rules(user, key)
    if not rules:
        return queryset.none()
    conditions = []
    for rule in rules:
        rule_states = permission.states_of(rule)
        states = (
            Q()
            if rule_states == permission.all_states
            else Q(**{f"{_SUBJECT_FIELD[subject]}__in": rule_states})
        )
        condition = states & scope_q(user, rule.scope, prefix=_SUBJECT_PREFIX[subject])
        if not condition:  # everywhere (an empty Q would vanish from the OR below)
            return queryset
        conditions.append(condition)
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return queryset.filter(combined)


def roles_with(key: str) -> frozenset[str]:
    return PERMISSIONS[key].roles


def label(key: str) -> str:
    return str(PERMISSIONS[key].label)


# --- Internal material and its audience ---------------------------------------------------------

PROVINCE_SIDE, NDRC_SIDE = "province", "ndrc"
_READ_SIDE = {PROVINCE_SIDE: "read_province_material", NDRC_SIDE: "read_ndrc_material"}


def side_of(author: User) -> str:
    """Whose internal material an author writes: the province's or NDRC's."""
    return PROVINCE_SIDE if author.role == Role.PROVINCIAL else NDRC_SIDE


def readable_sides(user: User | AnonymousUser | None, application: Application) -> frozenset[str]:
    return frozenset(side for side, key in _READ_SIDE.items() if may(user, key, application))


def readable_comments(user, application: Application, comments: Iterable) -> list:
    """Comments marked visible to the park, and the internal ones of the sides this user reads
    (authors' roles read from `comment.author`: select it with the comments)."""
    sides = readable_sides(user, application)
    return [c for c in comments if c.is_public or side_of(c.author) in sides]


def readable_scores(user, application: Application, scores: Iterable) -> list:
    """Score sheets are internal to the side of their reviewer (`score.reviewer` selected)."""
    sides = readable_sides(user, application)
    return [s for s in scores if side_of(s.reviewer) in sides]
