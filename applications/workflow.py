"""The one door for every state change of an application.

Each transition function checks the user's role and scope itself (through permissions.py), locks the
application row, checks the guard, writes an append-only ApplicationEvent and runs the effects
its row of TRANSITIONS lists (`effects.py`: copy indicators, issue a letter, notify), all in one
transaction; what an effect owes after commit (rendering, mail) is recorded with the event and
survives a broker outage. Nothing else hangs off a transition. Views never set `status`.

    draft ──submit──▶ submitted ──recommend──▶ recommended ──start_national_review──▶
    under_national_review ──approve/reject──▶ approved | rejected
    submitted ──not_recommend──▶ not_recommended
    submitted | recommended | under_national_review ──return_for_revision──▶ returned ──submit──▶ …
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import acceptance, deadlines, effects, permissions, recommendations, services
from .models import (
    COUNTS_AGAINST_QUOTA,
    DECLARATION,
    NATIONAL_STAGE,
    Application,
    ApplicationEvent,
    Batch,
    BatchClosure,
    ConstructionProgramme,
    EventAction,
    ProgrammeStage,
    ProvinceBatchQuota,
    ProvincialRecommendation,
    RecommendationStatus,
    Status,
)

if TYPE_CHECKING:
    from .models import User


class WorkflowError(Exception):
    """A transition that cannot be made; `message` is meant for the user."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class NotAllowed(WorkflowError, PermissionDenied):
    """Wrong role or outside the user's scope."""


class WrongState(WorkflowError):
    """The application is not in a state this transition starts from."""


class DeadlinePassed(WorkflowError):
    """NDRC's date for the provinces' recommendations has passed (applications/deadlines.py)."""


class QuotaExceeded(WorkflowError):
    """The province has already recommended its two parks of this batch."""


class IncompleteApplication(WorkflowError):
    """Submission refused: `problems` lists what is missing or failing."""


class CommentRequired(WorkflowError):
    pass


class ReasonRequired(WorkflowError):
    """A park failing a basic condition or the core indicator is recommended only with a reason."""


class DeclarationRequired(WorkflowError):
    """Submission refused: the applicant has not made the declaration (承诺书)."""


@dataclass(frozen=True)
class Transition:
    """A transition's target, form and effects. Who may make it, from which states and where,
    is the permission of the same name in applications/permissions.py."""

    action: str
    label: str
    target: str
    comment_required: bool
    # Shown before the act (what will happen, who is told, that it cannot be undone) and after
    # it (what happened, what comes next); %(park)s and %(province)s name the application's.
    confirm_text: str = ""
    success_text: str = ""
    allows_section_comments: bool = False
    # What the transition does besides the state change, by name (effects.EFFECTS), in order.
    effects: tuple[str, ...] = ()

    @property
    def sources(self) -> frozenset[str]:
        return permissions.PERMISSIONS[self.action].states

    @property
    def roles(self) -> frozenset[str]:
        return permissions.roles_with(self.action)

    @property
    def submits(self) -> bool:
        """A submission asks for the declaration (承诺书) with its confirmation."""
        return self.action == "submit"

    def confirmation(self, application: Application) -> str:
        return str(self.confirm_text) % _names(application)

    def success(self, application: Application) -> str:
        return str(self.success_text) % _names(application)


def _names(application: Application) -> dict[str, str]:
    return {"park": application.park.name, "province": str(application.park.province)}


def _t(action, target, comment_required, **kw) -> Transition:
    return Transition(action, EventAction(action).label, target, comment_required, **kw)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t(
            "submit",
            Status.SUBMITTED,
            False,
            confirm_text=_(
                "提交后，申报书将送%(province)s发展改革委审核，本园区填报人员和省级评审人员将收到通知。"
                "提交的版本永久保存、不能撤回，审核期间申报书不可修改。"
            ),
            success_text=_(
                "已提交至%(province)s发展改革委，审核期间申报书不可修改。审核结果将通过邮件通知本园区。"
            ),
            effects=("copy_indicators", "notify"),
        ),
        _t(
            "return_for_revision",
            Status.RETURNED,
            True,
            confirm_text=_(
                "申报书将退回%(park)s修改，并出具整改意见，园区填报人员将收到通知。"
                "退回后须由园区修改并重新提交，此操作不能撤销。"
            ),
            success_text=_(
                "已退回%(park)s修改并出具整改意见，园区已收到通知；园区重新提交后，申报书将再次进入审核。"
            ),
            allows_section_comments=True,
            effects=("issue_letter", "notify"),
        ),
        _t(
            "recommend",
            Status.RECOMMENDED,
            False,
            confirm_text=_(
                "将推荐%(park)s参加国家级零碳园区评审，占用本省本批次一个推荐名额，并出具推荐函；"
                "园区和国家发展改革委评审人员将收到通知。此操作不能撤销。"
            ),
            success_text=_(
                "已推荐%(park)s并出具推荐函，园区和国家发展改革委评审人员已收到通知；下一步由国家发展改革委开展评审。"
            ),
            effects=("issue_letter", "notify"),
        ),
        _t(
            "not_recommend",
            Status.NOT_RECOMMENDED,
            True,
            confirm_text=_(
                "将不予推荐%(park)s，园区填报人员将收到通知，该申报书在本批次的申报随即结束。此操作不能撤销。"
            ),
            success_text=_(
                "已决定不予推荐%(park)s，园区已收到通知；该申报书在本批次的申报已结束。"
            ),
            effects=("notify",),
        ),
        _t(
            "start_national_review",
            Status.UNDER_NATIONAL_REVIEW,
            False,
            confirm_text=_(
                "%(park)s的申报书将进入国家级评审，园区填报人员将收到通知。此操作不能撤销。"
            ),
            success_text=_(
                "%(park)s的申报书已进入国家级评审，园区已收到通知；下一步请指派评审人员评分，再作出决定。"
            ),
            effects=("notify",),
        ),
        _t(
            "approve",
            Status.APPROVED,
            True,
            confirm_text=_(
                "将%(park)s纳入国家级零碳园区建设名单，出具评审意见书，园区填报人员将收到通知。"
                "这是最终决定，不能撤销。"
            ),
            success_text=_(
                "已将%(park)s纳入建设名单并出具评审意见书，园区已收到通知；%(province)s发展改革委将指导园区开展建设。"
            ),
            effects=("issue_letter", "notify", "open_programme"),
        ),
        _t(
            "reject",
            Status.REJECTED,
            True,
            confirm_text=_(
                "将%(park)s不纳入本批次建设名单，出具评审意见书，园区填报人员将收到通知。"
                "这是最终决定，不能撤销。"
            ),
            success_text=_(
                "已决定%(park)s不纳入本批次建设名单并出具评审意见书，园区已收到通知；该申报书在本批次的申报已结束。"
            ),
            effects=("issue_letter", "notify"),
        ),
    )
}


# The permission a page's button and the route of one park ask for a transition, where it is not
# the transition's own: one park is recommended on its own only again, after NDRC returned it; a
# first recommendation is the province's act (`submit_recommendation`, D26, D33).
ROUTE_PERMISSIONS = {"recommend": "recommend_again"}


def route_permission(action: str) -> str:
    return ROUTE_PERMISSIONS.get(action, action)


def available_actions(user: User, application: Application) -> list[Transition]:
    """The transitions this user may make now on this one application, as the pages offer them
    and `perform` makes them (the functions check again)."""
    return [
        t
        for t in TRANSITIONS.values()
        if permissions.may(user, route_permission(t.action), application)
    ]


page_actions = available_actions


def first_recommendation(user: User, application: Application) -> bool:
    """Whether recommending this park now would be its first recommendation, which the user
    makes only in the province's act (`submit_recommendation`)."""
    return not application.ever_recommended and permissions.may(user, "recommend", application)


def _run(
    user: User,
    application: Application,
    action: str,
    comment: str = "",
    section_comments: dict[str, str] | None = None,
    guard: Callable[[Application], dict] | None = None,
    permission: str | None = None,
) -> ApplicationEvent:
    """Make the transition `action`; who may is the permission of the same name unless
    `permission` names another (the route of one park's recommendation)."""
    transition = TRANSITIONS[action]
    comment = (comment or "").strip()
    section_comments = {
        k: v.strip() for k, v in (section_comments or {}).items() if v and v.strip()
    }
    if "\x00" in comment or any("\x00" in text for text in section_comments.values()):
        # PostgreSQL cannot store NUL in text or JSON; refuse it instead of failing on write.
        raise WorkflowError(str(_("意见中含有无效字符（NUL）。")))
    with transaction.atomic():
        # Lock the row and re-read it: the state checked below is the state we change.
        # of=("self",): lock only this row, not the joined batch and province rows, so that
        # unrelated transitions of the same batch do not queue behind each other.
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("park__province", "batch")
            .get(pk=application.pk)
        )
        verdict = permissions.verdict(user, permission or action, locked)
        if verdict is permissions.Verdict.NOT_ALLOWED:
            raise NotAllowed(
                str(_("您无权对该申报书执行“%(action)s”。") % {"action": transition.label})
            )
        if verdict is permissions.Verdict.WRONG_STATE:
            raise WrongState(
                str(_("申报书当前状态为“%(status)s”，不能执行“%(action)s”。"))
                % {"status": locked.get_status_display(), "action": transition.label}
            )
        if transition.comment_required and not comment:
            raise CommentRequired(
                str(_("请填写意见（“%(action)s”必须说明理由）。")) % {"action": transition.label}
            )
        if section_comments and not transition.allows_section_comments:
            raise WorkflowError(str(_("此操作不接受分部分意见。")))
        extra = guard(locked) if guard else {}
        from_status = locked.status
        locked.status = transition.target
        update_fields = ["status", "updated_at"]
        for field in ("submitted_at", "submission_count", "ever_recommended"):
            if field in extra:
                setattr(locked, field, extra[field])
                update_fields.append(field)
        locked.save(update_fields=update_fields)
        event = ApplicationEvent.objects.create(
            application=locked,
            actor=user,
            action=action,
            from_status=from_status,
            to_status=transition.target,
            comment=comment,
            section_comments=section_comments,
            submission=extra.get("submission"),
        )
        effects.apply(transition.effects, event)
    # The caller's instance follows the change, so that it can be rendered straight away.
    application.status = locked.status
    application.submitted_at = locked.submitted_at
    application.submission_count = locked.submission_count
    application.ever_recommended = locked.ever_recommended
    return event


def submit(user: User, application: Application, *, declaration: str) -> ApplicationEvent:
    """Freeze the application and send it to the province. Refused, with the list of what is
    missing, while a required section is incomplete or a basic condition fails; refused too
    unless `declaration` is the declaration (models.DECLARATION) the applicant has ticked,
    which is stored with the submission."""

    def guard(locked: Application) -> dict:
        if (declaration or "").strip() != DECLARATION:
            raise DeclarationRequired(
                str(_("请勾选承诺书，确认申报材料和数据真实、准确、完整后再提交。"))
            )
        problems = services.submission_problems(locked)
        if problems:
            raise IncompleteApplication(str(_("申报书尚不能提交，请先完善以下内容。")), problems)
        now = timezone.now()
        submission = services.create_submission(locked, user, now, DECLARATION)
        return {
            "submitted_at": now,
            "submission_count": submission.number,
            "submission": submission,
        }

    return _run(user, application, "submit", guard=guard)


def return_for_revision(
    user: User,
    application: Application,
    comment: str,
    section_comments: dict[str, str] | None = None,
) -> ApplicationEvent:
    return _run(user, application, "return_for_revision", comment, section_comments)


def _recommend_guard(locked: Application) -> dict:
    """NDRC's date (a first recommendation only), then the quota: at most
    RECOMMENDATIONS_PER_PROVINCE per province and batch, also under concurrency: the
    province-batch quota row is locked before counting, so a second reviewer waits and then
    counts the first one's recommendation."""
    refusal = deadlines.recommendation_refusal(locked)
    if refusal:
        raise DeadlinePassed(refusal)
    quota, _created = ProvinceBatchQuota.objects.get_or_create(
        batch_id=locked.batch_id, province_id=locked.park.province_id
    )
    quota = ProvinceBatchQuota.objects.select_for_update().get(pk=quota.pk)
    taken = (
        Application.objects.filter(
            batch_id=locked.batch_id,
            park__province_id=locked.park.province_id,
            status__in=COUNTS_AGAINST_QUOTA,
        )
        .exclude(pk=locked.pk)
        .count()
    )
    if taken >= quota.limit:
        raise QuotaExceeded(
            str(_("本省在该批次已推荐 %(n)s 个园区，已达上限（%(limit)s 个）。"))
            % {"n": taken, "limit": quota.limit}
        )
    return {"ever_recommended": True}


def recommend(user: User, application: Application, comment: str = "") -> ApplicationEvent:
    """One park's recommendation: the step the province's recommendation makes for each of its
    parks (`submit_recommendation`). No page or route calls it for one park (D33): they call
    `recommend_again`."""
    return _run(user, application, "recommend", comment, guard=_recommend_guard)


def recommend_again(user: User, application: Application, comment: str = "") -> ApplicationEvent:
    """One park recommended on its own: only a park recommended before, which NDRC returned and
    the park resubmitted (D26). A first recommendation is refused here: it is the province's act."""
    return _run(
        user,
        application,
        "recommend",
        comment,
        guard=_recommend_guard,
        permission="recommend_again",
    )


def submit_recommendation(
    user: User, recommendation: ProvincialRecommendation
) -> list[ApplicationEvent]:
    """The province's act (三(二)): its recommendation of the batch, submitted once. In one
    transaction: the recommendation row and every park's row are locked (parks in id order,
    before the quota row, as a single recommendation locks them), each park goes through the
    `recommend` transition (permission table, NDRC's date, quota, its event, its 推荐函 and
    notification owed after commit), and the recommendation is frozen. Any refusal leaves
    everything as it was."""
    with transaction.atomic():
        locked = ProvincialRecommendation.objects.select_for_update().get(pk=recommendation.pk)
        if not (
            permissions.may(user, "recommend_batch") and user.province_id == locked.province_id
        ):
            raise NotAllowed(str(_("只有本省的省级审核人员可以报送本省推荐。")))
        if locked.is_submitted:
            raise WrongState(
                str(_("本省推荐已于%(date)s报送，不能再次报送。"))
                % {"date": deadlines.label(locked.submitted_at)}
            )
        entries = list(locked.entries.order_by("position"))
        if not entries:
            raise WorkflowError(str(_("请至少选择一个推荐园区。")))
        if not locked.opinion.strip():
            raise CommentRequired(str(_("请填写省级推荐意见。")))
        parks = {
            a.pk: a
            for a in Application.objects.select_for_update(of=("self",))
            .select_related("park__province", "batch")
            .filter(pk__in=[e.application_id for e in entries])
            .order_by("pk")
        }
        missing = [
            parks[e.application_id].park.name
            for e in entries
            if recommendations.concerns(parks[e.application_id]) and not e.override_reason.strip()
        ]
        if missing:
            raise ReasonRequired(
                str(_("%(parks)s不符合基本条件或核心指标，推荐须确认并说明理由。"))
                % {"parks": "、".join(missing)}
            )
        # The notice has the province send the list *and* the construction plans (三(二)).
        plans = set(locked.plans.values_list("application_id", flat=True))
        planless = [
            parks[e.application_id].park.name for e in entries if e.application_id not in plans
        ]
        if planless:
            raise WorkflowError(
                str(_("%(parks)s尚未上传建设方案：每个推荐园区须附一份建设方案后才能报送。"))
                % {"parks": "、".join(planless)}
            )
        events = []
        for entry in entries:
            event = _run(
                user,
                parks[entry.application_id],
                "recommend",
                locked.opinion,
                guard=_recommend_guard,
            )
            entry.event = event
            entry.save(update_fields=["event"])
            events.append(event)
        locked.status = RecommendationStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.submitted_by = user
        locked.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    recommendation.status = locked.status
    recommendation.submitted_at = locked.submitted_at
    return events


def not_recommend(user: User, application: Application, comment: str) -> ApplicationEvent:
    return _run(user, application, "not_recommend", comment)


def start_national_review(
    user: User, application: Application, comment: str = ""
) -> ApplicationEvent:
    return _run(user, application, "start_national_review", comment)


def approve(user: User, application: Application, comment: str) -> ApplicationEvent:
    return _run(user, application, "approve", comment)


def reject(user: User, application: Application, comment: str) -> ApplicationEvent:
    return _run(user, application, "reject", comment)


ACTIONS: dict[str, Callable[..., ApplicationEvent]] = {
    "submit": submit,
    "return_for_revision": return_for_revision,
    "recommend": recommend_again,
    "not_recommend": not_recommend,
    "start_national_review": start_national_review,
    "approve": approve,
    "reject": reject,
}


def perform(
    action: str,
    user: User,
    application: Application,
    comment: str = "",
    section_comments: dict[str, str] | None = None,
    declaration: str = "",
) -> ApplicationEvent:
    """Dispatch by action name (for views that post an action)."""
    if action not in ACTIONS:
        raise WorkflowError(str(_("未知操作。")))
    if action == "submit":
        return submit(user, application, declaration=declaration)
    if action == "return_for_revision":
        return return_for_revision(user, application, comment, section_comments)
    return ACTIONS[action](user, application, comment)


# --- After approval: self-assessment, evaluation and acceptance (notice 三(四)) -------------------
#
#   building ──request_self_assessment (park) / open_self_assessment (province, period over)──▶
#   self_assessment ──put_forward (province)──▶ acceptance ──accept / accept_with_conditions──▶
#   designated;  acceptance ──not_accept──▶ not_passed;
#   self_assessment ──self_assessment_not_met (province)──▶ building
#
# The acts change the stage of the construction programme; the application stays approved and
# its history (ApplicationEvent) records them with the rest. Who may make each, in which stage,
# is the programme permission of the same name; each asks before it acts, like the others.


class BelowCoreIndicator(WorkflowError):
    """Put forward for acceptance while the core indicator is not met, without a reason."""


def _pt(action, target, comment_required, **kw) -> Transition:
    return Transition(action, EventAction(action).label, target, comment_required, **kw)


PROGRAMME_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _pt(
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
        _pt(
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
        _pt(
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
        _pt(
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
        _pt(
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
        _pt(
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
        _pt(
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
        verdict = permissions.verdict(user, action, locked)
        if verdict is permissions.Verdict.NOT_ALLOWED:
            raise NotAllowed(
                str(_("您无权对该建设方案执行“%(action)s”。") % {"action": transition.label})
            )
        if verdict is permissions.Verdict.WRONG_STATE:
            raise WrongState(
                str(_("建设方案当前阶段为“%(stage)s”，不能执行“%(action)s”。"))
                % {"stage": locked.get_stage_display(), "action": transition.label}
            )
        if transition.comment_required and not comment:
            raise CommentRequired(
                str(_("请填写意见（“%(action)s”必须说明理由）。")) % {"action": transition.label}
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


# --- The batch: NDRC closes it and publishes its construction list (construction_list.py) ---

BATCH_CLOSE_CONFIRMATION = _(
    "将关闭“%(batch)s”：本批次已纳入建设名单的 %(n)s 个园区形成建设名单，在公开页面按省份发布，"
    "任何人无需登录即可查看和导出。关闭后本批次不能重新打开，此操作不能撤销。"
)
BATCH_CLOSE_SUCCESS = _(
    "已关闭“%(batch)s”并发布建设名单（%(n)s 个园区），公开页面和导出文件即时可用。"
)


def close_batch(user: User, batch: Batch, comment: str = "") -> BatchClosure:
    """NDRC closes a batch once the provinces' date has passed and no application of it awaits
    NDRC's decision; its approved parks form the published construction list. The closing is
    recorded (`BatchClosure`, append-only) and never undone."""
    comment = (comment or "").strip()
    if "\x00" in comment:
        raise WorkflowError(str(_("说明中含有无效字符（NUL）。")))
    with transaction.atomic():
        if not permissions.may(user, "close_batch"):
            raise NotAllowed(str(_("只有国家发展改革委评审人员可以关闭批次、发布建设名单。")))
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        closed = BatchClosure.objects.filter(batch=locked).first()
        if closed is not None:
            raise WrongState(
                str(_("“%(batch)s”已于%(date)s关闭，建设名单已发布。"))
                % {"batch": locked.name, "date": deadlines.label(closed.created_at)}
            )
        if timezone.now() <= locked.deadline:
            raise WrongState(
                str(_("省级推荐报送截止时间（%(date)s）之前不能关闭“%(batch)s”。"))
                % {"batch": locked.name, "date": deadlines.label(locked.deadline)}
            )
        waiting = locked.applications.filter(status__in=NATIONAL_STAGE).count()
        if waiting:
            raise WrongState(
                str(_("“%(batch)s”还有 %(n)s 份申报书等待国家发展改革委作出决定，不能关闭。"))
                % {"batch": locked.name, "n": waiting}
            )
        closure = BatchClosure.objects.create(batch=locked, actor=user, comment=comment)
    return closure
