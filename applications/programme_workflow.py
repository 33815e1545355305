"""The door of every change of a construction programme's stage after approval: self-assessment,
evaluation and acceptance (notice 三(四)).

  building ──request_self_assessment (park) / open_self_assessment (province, period over)──▶
  self_assessment ──put_forward (province)──▶ acceptance ──accept / accept_with_conditions──▶
  designated;  acceptance ──not_accept──▶ not_passed;
  self_assessment ──self_assessment_not_met (province)──▶ building

The acts change the stage of the construction programme; the application stays approved and
its history (ApplicationEvent) records them with the rest. Who may make each, in which stage,
is the programme permission of the same name; each asks before it acts, like the others.

Each act works as the application's transitions in workflow.py do: rows locked, the permission
asked on the locked row, an append-only event, the effects its row lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import acceptance, effects, permissions
from .models import Application, ApplicationEvent, ConstructionProgramme, ProgrammeStage

# NotAllowed: the views catch it here, as the workflow's refusal of the person.
from .workflow_base import NotAllowed as NotAllowed
from .workflow_base import (
    Transition,
    WorkflowError,
    ask,
    transition,
)

if TYPE_CHECKING:
    from .models import User


class BelowCoreIndicator(WorkflowError):
    """Put forward for acceptance while the core indicator is not met, without a reason."""


PROGRAMME_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        transition(
            "request_self_assessment",
            ProgrammeStage.SELF_ASSESSMENT,
            False,
            confirm_text=_(
                "将申请%(province)s发展改革委组织%(park)s的自评估，建设方案随即进入自评估阶段，"
                "省级评审人员将收到通知。此操作不能撤销。"
            ),
            success_text=_("已申请开展自评估，%(province)s发展改革委已收到通知，将组织自评估。"),
            effects=("notify",),
        ),
        transition(
            "open_self_assessment",
            ProgrammeStage.SELF_ASSESSMENT,
            False,
            confirm_text=_(
                "%(park)s建设期已满，将组织自评估，建设方案随即进入自评估阶段，园区将收到通知。"
                "此操作不能撤销。"
            ),
            success_text=_("已组织%(park)s开展自评估，园区已收到通知。"),
            effects=("notify",),
        ),
        transition(
            "put_forward",
            ProgrammeStage.ACCEPTANCE,
            True,
            confirm_text=_(
                "将记录自评估结论和报告，并报请国家发展改革委对%(park)s开展评估验收；"
                "园区和国家发展改革委评审人员将收到通知。此操作不能撤销。"
            ),
            success_text=_(
                "已记录自评估结论并报请评估验收，园区和国家发展改革委已收到通知；"
                "下一步由国家发展改革委组织评估验收。"
            ),
            effects=("notify",),
        ),
        transition(
            "self_assessment_not_met",
            ProgrammeStage.BUILDING,
            True,
            confirm_text=_(
                "将记录自评估结论：%(park)s自评估不符合要求，不报请评估验收，建设方案回到建设阶段，"
                "园区将收到通知。此操作不能撤销。"
            ),
            success_text=_("已记录自评估结论，%(park)s继续建设，园区已收到通知。"),
            effects=("notify",),
        ),
        transition(
            "accept",
            ProgrammeStage.DESIGNATED,
            True,
            confirm_text=_(
                "将作出评估验收通过的决定：%(park)s正式成为国家级零碳园区，列入公开名录，"
                "出具验收意见书和国家级零碳园区证书，园区将收到通知。这是最终决定，不能撤销。"
            ),
            success_text=_(
                "%(park)s已通过评估验收，正式成为国家级零碳园区并列入公开名录；"
                "验收意见书和证书正在生成，园区已收到通知。"
            ),
            effects=("issue_letter", "issue_certificate", "notify"),
        ),
        transition(
            "accept_with_conditions",
            ProgrammeStage.DESIGNATED,
            True,
            confirm_text=_(
                "将作出评估验收有条件通过的决定：%(park)s正式成为国家级零碳园区，列入公开名录，"
                "所填条件写入验收意见书，并出具证书，园区将收到通知。这是最终决定，不能撤销。"
            ),
            success_text=_(
                "%(park)s已有条件通过评估验收，正式成为国家级零碳园区并列入公开名录；"
                "验收意见书（含条件）和证书正在生成，园区已收到通知。"
            ),
            effects=("issue_letter", "issue_certificate", "notify"),
        ),
        transition(
            "not_accept",
            ProgrammeStage.NOT_PASSED,
            True,
            confirm_text=_(
                "将作出评估验收未通过的决定，出具验收意见书，%(park)s将收到通知。"
                "这是最终决定，不能撤销。"
            ),
            success_text=_("已作出评估验收未通过的决定并出具验收意见书，园区已收到通知。"),
            effects=("issue_letter", "notify"),
        ),
    )
}


def available_programme_actions(user: User, programme: ConstructionProgramme) -> list[Transition]:
    return [t for t in PROGRAMME_TRANSITIONS.values() if permissions.may(user, t.action, programme)]


def _run_programme(
    user: User,
    programme: ConstructionProgramme,
    action: str,
    comment: str = "",
    guard: Callable[[ConstructionProgramme], dict] | None = None,
    record: Callable[[ConstructionProgramme, ApplicationEvent, dict], None] | None = None,
) -> ApplicationEvent:
    """The programme's counterpart of `_run`: the application row, then the programme row,
    locked (the order of every transition); the permission asked on the locked programme; the
    stage changed, the event written, `record` writes what the act records with the event, then
    the effects."""
    transition = PROGRAMME_TRANSITIONS[action]
    comment = (comment or "").strip()
    if "\x00" in comment:
        raise WorkflowError(str(_("意见中含有无效字符（NUL）。")))
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("park__province", "batch")
            .get(pk=programme.application_id)
        )
        locked = ConstructionProgramme.objects.select_for_update(of=("self",)).get(pk=programme.pk)
        locked.application = application
        ask(
            user,
            action,
            locked,
            transition,
            comment,
            refused=str(_("您无权对该建设方案执行“%(action)s”。")) % {"action": transition.label},
            wrong_state=str(_("建设方案当前阶段为“%(stage)s”，不能执行“%(action)s”。"))
            % {"stage": locked.get_stage_display(), "action": transition.label},
        )
        extra = guard(locked) if guard else {}
        locked.stage = transition.target
        locked.save(update_fields=["stage", "updated_at"])
        event = ApplicationEvent.objects.create(
            application=application,
            actor=user,
            action=action,
            from_status=application.status,
            to_status=application.status,
            comment=comment,
        )
        if record:
            record(locked, event, extra)
        effects.apply(transition.effects, event)
    programme.stage = locked.stage
    return event


def request_self_assessment(
    user: User, programme: ConstructionProgramme, comment: str = ""
) -> ApplicationEvent:
    """The park asks its province to organise the self-assessment (before the period ends)."""
    return _run_programme(user, programme, "request_self_assessment", comment)


def open_self_assessment(
    user: User, programme: ConstructionProgramme, comment: str = ""
) -> ApplicationEvent:
    """The province organises the self-assessment once the construction period has ended."""

    def guard(locked: ConstructionProgramme) -> dict:
        this_year = timezone.localdate().year
        if this_year <= locked.period_end:
            raise WorkflowError(
                str(_("建设期至 %(end)s 年底结束，期满后方可组织自评估；期满前由园区申请开展。"))
                % {"end": locked.period_end}
            )
        return {}

    return _run_programme(user, programme, "open_self_assessment", comment, guard=guard)


def _conclude(
    user: User,
    programme: ConstructionProgramme,
    action: str,
    year: int,
    report: str,
    override_reason: str = "",
) -> ApplicationEvent:
    override_reason = (override_reason or "").strip()

    def guard(locked: ConstructionProgramme) -> dict:
        if not (locked.period_start <= year <= timezone.localdate().year):
            raise WorkflowError(
                str(_("评估年度须在建设期内（%(start)s 年起）且不晚于今年。"))
                % {"start": locked.period_start}
            )
        sheet = acceptance.sheet_for(locked, year)
        if action == "put_forward" and not sheet.core_met and not override_reason:
            raise BelowCoreIndicator(acceptance.below_core_message(sheet))
        return {"sheet": sheet}

    def record(locked: ConstructionProgramme, event: ApplicationEvent, extra: dict) -> None:
        sheet = extra["sheet"]
        acceptance.record_self_assessment(
            locked,
            event,
            sheet,
            put_forward=action == "put_forward",
            override_reason=override_reason if not sheet.core_met else "",
        )

    return _run_programme(user, programme, action, report, guard=guard, record=record)


def put_forward(
    user: User,
    programme: ConstructionProgramme,
    *,
    year: int,
    report: str,
    override_reason: str = "",
) -> ApplicationEvent:
    """The province concludes that the self-assessment meets the requirements and puts the park
    forward for acceptance. A park below the core indicator of `year` is put forward only with
    `override_reason`, recorded with the conclusion (Att.3: "原则上不得申请验收")."""
    return _conclude(user, programme, "put_forward", year, report, override_reason)


def self_assessment_not_met(
    user: User, programme: ConstructionProgramme, *, year: int, report: str
) -> ApplicationEvent:
    """The province concludes that the self-assessment does not meet the requirements: the
    park goes on building."""
    return _conclude(user, programme, "self_assessment_not_met", year, report)


def _decide(
    user: User, programme: ConstructionProgramme, action: str, comment: str
) -> ApplicationEvent:
    def record(locked: ConstructionProgramme, event: ApplicationEvent, extra: dict) -> None:
        if locked.stage == ProgrammeStage.DESIGNATED:
            acceptance.designate(locked, event)

    return _run_programme(user, programme, action, comment, record=record)


def accept(user: User, programme: ConstructionProgramme, comment: str) -> ApplicationEvent:
    """NDRC: the park passes acceptance and becomes a national zero-carbon park."""
    return _decide(user, programme, "accept", comment)


def accept_with_conditions(
    user: User, programme: ConstructionProgramme, conditions: str
) -> ApplicationEvent:
    """NDRC: passes with conditions (required: they go into the acceptance letter)."""
    return _decide(user, programme, "accept_with_conditions", conditions)


def not_accept(user: User, programme: ConstructionProgramme, comment: str) -> ApplicationEvent:
    return _decide(user, programme, "not_accept", comment)


PROGRAMME_ACTIONS: dict[str, Callable[..., ApplicationEvent]] = {
    "request_self_assessment": request_self_assessment,
    "open_self_assessment": open_self_assessment,
    "put_forward": put_forward,
    "self_assessment_not_met": self_assessment_not_met,
    "accept": accept,
    "accept_with_conditions": accept_with_conditions,
    "not_accept": not_accept,
}
