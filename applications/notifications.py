"""What the system tells people, composed once for two ways out: the e-mails (sent after commit by
the effects: a transition's `notify`, an expert's assignment, a declared conflict of interest, a
progress report's act, a deadline reminder) and the in-app inbox (`applications/inbox.py`, written
with the act). Each `*_notices` function says who is told what; each `send_for_*` mails it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from zcparks.dates import label

from .models import (
    AFTER_APPROVAL,
    APPLICANT_LABELS,
    AcceptanceAssignment,
    AcceptanceConflict,
    AcceptanceWithdrawal,
    ApplicationEvent,
    ConflictOfInterest,
    DeadlineKind,
    DeadlineReminder,
    EventAction,
    GuidanceProblem,
    GuidanceVisit,
    ProblemResponse,
    ReportAction,
    ReportEvent,
    ReviewAssignment,
    ReviewWithdrawal,
    Role,
    Status,
    User,
)


@dataclass(frozen=True)
class Notice:
    """One person told one thing: a subject, its lines, and the page it concerns."""

    person: User
    subject: str
    lines: tuple[str, ...]
    path: str
    # How the mail gives the page's address (the inbox links to it instead).
    link_line: str = ""

    def mail(self) -> tuple[str, str, str, list[str]]:
        link = settings.ZCP_PUBLIC_BASE_URL.rstrip("/") + self.path
        line = (self.link_line or _("查看：%(link)s")) % {"link": link}
        return (
            self.subject,
            "\n".join([*self.lines, line]),
            settings.DEFAULT_FROM_EMAIL,
            [self.person.email],
        )


def _send(notices: list[Notice]) -> int:
    """Mail the notices whose person has an address and is active; returns how many went."""
    messages = [n.mail() for n in notices if n.person.email and n.person.is_active]
    if messages:
        send_mass_mail(messages, fail_silently=False)
    return len(messages)


def _sender(
    compose: Callable[[Any], list[Notice]], queryset: QuerySet, *, may_be_gone: bool = False
) -> Callable[[int | None], int]:
    """The mailer the effects call with a row's id (after commit): it loads the row, composes its
    notices and mails them, returning how many went. `may_be_gone`: the row (an assignment, a
    reminder) may have been removed since the act, and then nobody is told; any other row must
    still be there."""

    def send(pk: int | None) -> int:
        if may_be_gone:
            subject = queryset.filter(pk=pk).first() if pk else None
            if subject is None:
                return 0
        else:
            subject = queryset.get(pk=pk)
        return _send(compose(subject))

    return send


def _in_language(compose):
    """Notices are written in the system's language (Chinese), whatever the actor's."""

    def composed(*args, **kwargs) -> list[Notice]:
        with translation.override(settings.LANGUAGE_CODE):
            return compose(*args, **kwargs)

    composed.__doc__ = compose.__doc__
    return composed


def _tell(
    people: Iterable[User],
    subject: str,
    lines: Iterable[str],
    path: str,
    *,
    link_line: str = "",
    actor_id: int | None = None,
) -> list[Notice]:
    """The one shape of every notice: each person concerned (the actor aside) is told the same
    subject and lines about the same page."""
    lines = tuple(str(line) for line in lines)
    return [
        Notice(person, str(subject), lines, path, link_line)
        for person in people
        if person.pk != actor_id
    ]


# Who is concerned: active people only (the inbox reaches them with or without an address).


def _applicants(park_id: int) -> list[User]:
    return list(User.objects.filter(role=Role.APPLICANT, park_id=park_id, is_active=True))


def _provincial_reviewers(province_id: int) -> list[User]:
    return list(User.objects.filter(role=Role.PROVINCIAL, province_id=province_id, is_active=True))


def _national_reviewers() -> list[User]:
    return list(User.objects.filter(role=Role.NATIONAL, is_active=True))


@_in_language
def assignment_notices(assignment: ReviewAssignment) -> list[Notice]:
    """The expert learns they were assigned, with the way to declare."""
    park = assignment.application.park
    return _tell(
        [assignment.assignee],
        _("【零碳园区申报】评审指派：%(park)s") % {"park": park.name},
        [
            _("您已被指派为 %(park)s（%(province)s）申报书（%(batch)s）的评审专家。")
            % {
                "park": park.name,
                "province": park.province,
                "batch": assignment.application.batch,
            },
        ],
        reverse("review_detail", args=[assignment.application_id]),
        link_line=_("查看申报材料前，请先声明与该园区有无利益冲突：%(link)s"),
    )


# Tell the expert they were assigned, with the link to declare (nothing if the assignment has been
# removed since).
send_for_assignment = _sender(
    assignment_notices,
    ReviewAssignment.objects.select_related(
        "application__park__province", "application__batch", "assignee"
    ),
    may_be_gone=True,
)


@_in_language
def conflict_notices(conflict: ConflictOfInterest) -> list[Notice]:
    """Whoever assigned the expert learns that the expert declared a conflict and left."""
    park = conflict.application.park
    return _tell(
        [conflict.assigned_by],
        _("【零碳园区申报】专家声明利益冲突：%(park)s") % {"park": park.name},
        [
            _("评审专家 %(expert)s 声明与 %(park)s 存在利益冲突，已退出对该申报书的评审。")
            % {"expert": conflict.expert, "park": park.name},
            _("说明：%(reason)s") % {"reason": conflict.reason},
        ],
        reverse("review_detail", args=[conflict.application_id]),
        link_line=_("请另行指派专家：%(link)s"),
    )


# Tell whoever assigned the expert that the expert declared a conflict and left.
send_for_conflict = _sender(
    conflict_notices,
    ConflictOfInterest.objects.select_related("application__park", "expert", "assigned_by"),
)


@_in_language
def reminder_notices(reminder: DeadlineReminder) -> list[Notice]:
    """Remind one person of a date that comes within the week (applications/deadlines.py)."""
    person = reminder.recipient
    date = label(reminder.deadline)
    kind = DeadlineKind(reminder.kind).label
    if person.role == Role.PROVINCIAL:
        what = _("请在截止前完成本省推荐，将推荐园区名单及建设方案报送国家发展改革委。")
        path = reverse("review_queue_provincial")
    else:
        what = _("本园区的申报书尚未提交，请在截止前完成填写并提交。")
        path = reverse("application_list")
    return _tell(
        [person],
        _("【零碳园区申报】截止时间提醒：%(kind)s %(date)s") % {"kind": kind, "date": date},
        [
            _("%(batch)s的%(kind)s为%(date)s。")
            % {"batch": reminder.batch, "kind": kind, "date": date},
            what,
        ],
        path,
    )


# Remind one person of a date that comes within the week (applications/deadlines.py).
send_for_reminder = _sender(
    reminder_notices,
    DeadlineReminder.objects.select_related("batch", "province", "recipient"),
    may_be_gone=True,
)


@_in_language
def acceptance_assignment_notices(assignment: AcceptanceAssignment) -> list[Notice]:
    """The expert learns they were assigned to a park's evaluation and acceptance, with the way
    to declare."""
    park = assignment.programme.park
    return _tell(
        [assignment.expert],
        _("【零碳园区建设】评估验收专家指派：%(park)s") % {"park": park.name},
        [
            _("您已被指派为 %(park)s（%(province)s）国家级零碳园区评估验收的专家。")
            % {"park": park.name, "province": park.province},
        ],
        reverse("acceptance_review", args=[assignment.programme_id]),
        link_line=_(
            "查看验收材料前，请先声明与该园区有无利益冲突，再按验收评分标准评分并填写意见：%(link)s"
        ),
    )


# Tell the expert they were assigned to a park's evaluation and acceptance, with the link to
# declare (nothing if the assignment has been removed since).
send_for_acceptance_assignment = _sender(
    acceptance_assignment_notices,
    AcceptanceAssignment.objects.select_related("programme__park__province", "expert"),
    may_be_gone=True,
)


@_in_language
def acceptance_conflict_notices(conflict: AcceptanceConflict) -> list[Notice]:
    """Whoever assigned the expert learns that the expert declared a conflict and left."""
    park = conflict.programme.park
    return _tell(
        [conflict.assigned_by],
        _("【零碳园区建设】验收专家声明利益冲突：%(park)s") % {"park": park.name},
        [
            _("验收专家 %(expert)s 声明与 %(park)s 存在利益冲突，已退出该园区的评估验收。")
            % {"expert": conflict.expert, "park": park.name},
            _("说明：%(reason)s") % {"reason": conflict.reason},
        ],
        reverse("acceptance_detail", args=[conflict.programme_id]),
        link_line=_("请另行指派专家：%(link)s"),
    )


# Tell whoever assigned the expert that the expert declared a conflict and left.
send_for_acceptance_conflict = _sender(
    acceptance_conflict_notices,
    AcceptanceConflict.objects.select_related("programme__park", "expert", "assigned_by"),
)


@_in_language
def withdrawal_notices(withdrawal: ReviewWithdrawal) -> list[Notice]:
    """The reviewer or expert learns that their assignment was withdrawn, and why."""
    application = withdrawal.application
    park = application.park
    return _tell(
        [withdrawal.assignee],
        _("【零碳园区申报】评审指派已撤回：%(park)s") % {"park": park.name},
        [
            _(
                "%(who)s 已撤回您对 %(park)s（%(province)s）申报书（%(batch)s）的评审指派，"
                "您不再能查看或评审该申报书。"
            )
            % {
                "who": withdrawal.withdrawn_by,
                "park": park.name,
                "province": park.province,
                "batch": application.batch,
            },
            _("原因：%(reason)s") % {"reason": withdrawal.reason},
        ],
        reverse("review_queue_mine"),
        link_line=_("您的其他评审任务：%(link)s"),
    )


# Tell the reviewer or expert that their assignment was withdrawn.
send_for_withdrawal = _sender(
    withdrawal_notices,
    ReviewWithdrawal.objects.select_related(
        "application__park__province", "application__batch", "assignee", "withdrawn_by"
    ),
)


@_in_language
def acceptance_withdrawal_notices(withdrawal: AcceptanceWithdrawal) -> list[Notice]:
    """The expert learns that their assignment to a park's acceptance was withdrawn, and why."""
    park = withdrawal.programme.park
    return _tell(
        [withdrawal.expert],
        _("【零碳园区建设】验收专家指派已撤回：%(park)s") % {"park": park.name},
        [
            _(
                "%(who)s 已撤回您对 %(park)s（%(province)s）国家级零碳园区评估验收的专家指派，"
                "您不再能查看该园区的验收材料或评分。"
            )
            % {"who": withdrawal.withdrawn_by, "park": park.name, "province": park.province},
            _("原因：%(reason)s") % {"reason": withdrawal.reason},
        ],
        reverse("acceptance_queue_mine"),
        link_line=_("您的其他评估验收任务：%(link)s"),
    )


# Tell the expert that their assignment to a park's acceptance was withdrawn.
send_for_acceptance_withdrawal = _sender(
    acceptance_withdrawal_notices,
    AcceptanceWithdrawal.objects.select_related(
        "programme__park__province", "expert", "withdrawn_by"
    ),
)


def people_for(event: ApplicationEvent) -> list[User]:
    """The people concerned, the actor aside: the park's applicants always; the province's
    reviewers when the application arrives at them; national reviewers when it is recommended
    to them."""
    application = event.application
    people = _applicants(application.park_id)
    if event.to_status == Status.SUBMITTED:
        people += _provincial_reviewers(application.park.province_id)
    if event.to_status == Status.RECOMMENDED or event.action == EventAction.PUT_FORWARD:
        people += _national_reviewers()
    if event.action == EventAction.REQUEST_SELF_ASSESSMENT:
        people += _provincial_reviewers(application.park.province_id)
    return [p for p in people if p.pk != event.actor_id]


def recipients_for(event: ApplicationEvent) -> list[User]:
    """Those of `people_for` who are mailed: the ones with an address."""
    return [p for p in people_for(event) if p.email]


@_in_language
def event_notices(event: ApplicationEvent) -> list[Notice]:
    """A transition's notices, one per person concerned."""
    application = event.application
    # After approval the acts concern the programme's stage: the act itself says what happened.
    after_approval = event.action in AFTER_APPROVAL
    path = (
        reverse("acceptance_detail", args=[application.programme.pk])
        if after_approval
        else reverse("application_detail", args=[application.pk])
    )
    notices = []
    for person in people_for(event):
        if after_approval:
            state = EventAction(event.action).label
        else:
            state = (
                APPLICANT_LABELS[event.to_status]
                if person.role == Role.APPLICANT
                else Status(event.to_status).label
            )
        values = {"park": application.park.name, "batch": application.batch, "state": state}
        lines = [
            (
                _("%(park)s 的零碳园区建设：%(state)s。")
                if after_approval
                else _("%(park)s 的申报书（%(batch)s）状态已更新为：%(state)s。")
            )
            % values
        ]
        if event.comment:
            lines.append(_("意见：%(comment)s") % {"comment": event.comment})
        notices += _tell([person], _("【零碳园区申报】%(park)s：%(state)s") % values, lines, path)
    return notices


# Mail everyone concerned by the event; returns how many messages went out.
send_for_event = _sender(
    event_notices,
    ApplicationEvent.objects.select_related(
        "application__park__province", "application__batch", "actor"
    ),
)


@_in_language
def report_notices(event: ReportEvent) -> list[Notice]:
    """A progress report's act: the province's reviewers are told of a submission; the park's
    people of a request, a return (with the comments) and an acceptance."""
    report = event.report
    park = report.programme.park
    if event.action == ReportAction.SUBMIT:
        people = _provincial_reviewers(park.province_id)
    else:
        people = _applicants(park.pk)
    subject = _("【零碳园区建设】%(park)s %(year)s 年度进展报告：%(act)s") % {
        "park": park.name,
        "year": report.year,
        "act": event.get_action_display(),
    }
    lines = [
        _("%(park)s 的 %(year)s 年度进展报告（%(kind)s）：%(act)s，当前状态为“%(state)s”。")
        % {
            "park": park.name,
            "year": report.year,
            "kind": report.get_kind_display(),
            "act": event.get_action_display(),
            "state": report.get_status_display(),
        },
    ]
    if report.due_date and event.action == ReportAction.REQUEST:
        lines.append(_("报送期限：%(date)s") % {"date": report.due_date.isoformat()})
    if event.comment:
        lines.append(_("意见：%(comment)s") % {"comment": event.comment})
    path = reverse("report_detail", args=[report.pk])
    return _tell(people, subject, lines, path, actor_id=event.actor_id)


# Mail the people a progress report's act concerns.
send_for_report_event = _sender(
    report_notices,
    ReportEvent.objects.select_related("report__programme__park__province"),
)


# --- Provincial guidance: the other side is told (park ↔ province, D45) ---------------------------


@_in_language
def guidance_visit_notices(visit: GuidanceVisit) -> list[Notice]:
    """The park's people learn of the province's guidance visit and the problems it raised."""
    park = visit.programme.park
    problems = list(visit.problems.all())
    lines = [
        _("%(province)s发展改革委于 %(date)s 对 %(park)s 进行了%(form)s。")
        % {
            "province": park.province,
            "date": visit.visited_on.isoformat(),
            "park": park.name,
            "form": visit.get_form_display(),
        },
        _("指导内容：%(content)s") % {"content": visit.content},
    ]
    if problems:
        lines.append(_("发现的问题（%(n)s 条，请在指导页逐条反馈）：") % {"n": len(problems)})
        lines += [f"{n}. {p.description}" for n, p in enumerate(problems, start=1)]
    subject = _("【零碳园区建设】省级指导记录：%(park)s %(date)s") % {
        "park": park.name,
        "date": visit.visited_on.isoformat(),
    }
    path = reverse("guidance_detail", args=[visit.programme_id])
    return _tell(_applicants(park.pk), subject, lines, path, actor_id=visit.recorded_by_id)


# Tell the park's people of the province's guidance visit.
send_for_guidance_visit = _sender(
    guidance_visit_notices,
    GuidanceVisit.objects.select_related("programme__park__province"),
)


@_in_language
def problem_solved_notices(problem: GuidanceProblem) -> list[Notice]:
    """The park's people learn that the province recorded a problem as solved, and how."""
    park = problem.programme.park
    lines = [
        _("问题：%(problem)s") % {"problem": problem.description},
        _("%(province)s发展改革委记录该问题已于 %(date)s 解决。")
        % {"province": park.province, "date": problem.solved_on.isoformat()},
        _("解决方式：%(solution)s") % {"solution": problem.solution},
    ]
    subject = _("【零碳园区建设】指导问题已解决：%(park)s") % {"park": park.name}
    path = reverse("guidance_detail", args=[problem.programme_id])
    return _tell(_applicants(park.pk), subject, lines, path, actor_id=problem.solved_by_id)


# Tell the park's people that a problem raised in guidance was solved.
send_for_problem_solved = _sender(
    problem_solved_notices,
    GuidanceProblem.objects.select_related("programme__park__province"),
)


@_in_language
def problem_answer_notices(response: ProblemResponse) -> list[Notice]:
    """The province's reviewers learn that the park answered a problem raised in guidance."""
    problem = response.problem
    park = problem.programme.park
    lines = [
        _("%(park)s 对省级指导中发现的问题作出了反馈。") % {"park": park.name},
        _("问题：%(problem)s") % {"problem": problem.description},
        _("园区反馈：%(text)s") % {"text": response.text},
    ]
    subject = _("【零碳园区建设】园区问题反馈：%(park)s") % {"park": park.name}
    path = reverse("guidance_detail", args=[problem.programme_id])
    return _tell(
        _provincial_reviewers(park.province_id), subject, lines, path, actor_id=response.author_id
    )


# Tell the province's reviewers that the park answered a problem raised in guidance.
send_for_problem_answer = _sender(
    problem_answer_notices,
    ProblemResponse.objects.select_related("problem__programme__park__province"),
)
