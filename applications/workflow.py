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

The construction programme's acts after approval are in programme_workflow.py, the closing of a
batch in batch_closing.py, and what every door shares (the errors, `Transition`) in
workflow_base.py; their names are importable from here too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import deadlines, effects, permissions, recommendations, services

# The doors after approval and of the batch, and what every door shares, are importable from here
# as they were before they had modules of their own (workflow.put_forward, workflow.NotAllowed …).
from .batch_closing import BATCH_CLOSE_CONFIRMATION as BATCH_CLOSE_CONFIRMATION
from .batch_closing import BATCH_CLOSE_SUCCESS as BATCH_CLOSE_SUCCESS
from .batch_closing import close_batch as close_batch
from .models import (
    COUNTS_AGAINST_QUOTA,
    DECLARATION,
    Application,
    ApplicationEvent,
    ProvinceBatchQuota,
    ProvincialRecommendation,
    RecommendationStatus,
    Status,
)
from .programme_workflow import PROGRAMME_ACTIONS as PROGRAMME_ACTIONS
from .programme_workflow import PROGRAMME_TRANSITIONS as PROGRAMME_TRANSITIONS
from .programme_workflow import BelowCoreIndicator as BelowCoreIndicator
from .programme_workflow import accept as accept
from .programme_workflow import accept_with_conditions as accept_with_conditions
from .programme_workflow import available_programme_actions as available_programme_actions
from .programme_workflow import not_accept as not_accept
from .programme_workflow import open_self_assessment as open_self_assessment
from .programme_workflow import put_forward as put_forward
from .programme_workflow import request_self_assessment as request_self_assessment
from .programme_workflow import self_assessment_not_met as self_assessment_not_met
from .workflow_base import (
    CommentRequired,
    DeadlinePassed,
    DeclarationRequired,
    IncompleteApplication,
    NotAllowed,
    QuotaExceeded,
    ReasonRequired,
    Transition,
    WorkflowError,
    WrongState,
    ask,
    transition,
)

if TYPE_CHECKING:
    from .models import User


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        transition(
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
        transition(
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
        transition(
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
        transition(
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
        transition(
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
        transition(
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
        transition(
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
        ask(
            user,
            permission or action,
            locked,
            transition,
            comment,
            refused=str(_("您无权对该申报书执行“%(action)s”。")) % {"action": transition.label},
            wrong_state=str(_("申报书当前状态为“%(status)s”，不能执行“%(action)s”。"))
            % {"status": locked.get_status_display(), "action": transition.label},
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
