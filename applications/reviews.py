"""Reviewers' services: queue indicators, assignments, score sheets and comments.

- `record_indicators` copies tier / core pass / intensity from a new submission's snapshot onto
  the application (the `copy_indicators` effect of the submit transition, run inside its
  transaction, so the queue never shows a submitted application without them).
- `assign` / `unassign`: national reviewers (and administrators) put a national reviewer or an
  expert on an application, or withdraw them (with a reason, before they scored: D44);
  `save_score` / `add_comment` for whoever may score or comment on it now; who may is the
  permission table's (`assign`, `score`, `comment`, `comment_to_park`);
  `score_summary` gives each sheet, the averages and the spread between sheets (rubric.py).
- `declare_no_conflict` / `declare_conflict`: an assigned expert declares before reading the
  application (`declare_conflict` of the table); a conflict removes the assignment, keeps a
  `ConflictOfInterest` record and mails whoever assigned the expert. `assign` mails the expert
  the link to declare. Mail is owed in the outbox and sent after commit (`tasks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import experts, inbox, permissions, rubric, tasks
from .models import (
    Application,
    AssignmentKind,
    CommentVisibility,
    ConflictOfInterest,
    EffectKind,
    ReviewAssignment,
    ReviewComment,
    ReviewScore,
    ReviewWithdrawal,
    Role,
    Submission,
    User,
)

if TYPE_CHECKING:
    from collections.abc import Iterable


class ReviewError(Exception):
    """Refused input or action; the message names the field and is meant for the user."""


# --- Indicators copied from the submission -----------------------------------------------------


def indicators_from_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Tier, core pass and intensity of the latest year with a successful calculation."""
    runs = [
        c
        for c in snapshot.get("calculations") or []
        if c.get("status") == "succeeded" and c.get("result")
    ]
    if not runs:
        return {"tier": "", "core_pass": None, "intensity": None}
    result = max(runs, key=lambda c: c["year"])["result"]
    intensity = result.get("intensity")
    try:
        intensity = Decimal(str(intensity)) if intensity not in (None, "") else None
    except InvalidOperation:
        intensity = None
    return {
        "tier": result.get("tier") or "",
        "core_pass": result.get("core_pass"),
        "intensity": intensity,
    }


def record_indicators(submission: Submission) -> None:
    Application.objects.filter(pk=submission.application_id).update(
        **indicators_from_snapshot(submission.snapshot)
    )


# --- Assignments -------------------------------------------------------------------------------


# The kind of an assignment follows the assignee's role.
KIND_BY_ROLE = {Role.NATIONAL: AssignmentKind.REVIEWER, Role.EXPERT: AssignmentKind.EXPERT}


def assignable_users() -> Iterable[User]:
    """National reviewers and experts."""
    return User.objects.filter(role__in=KIND_BY_ROLE, is_active=True).order_by("username")


def assign(
    user: User, application: Application, assignee: User, kind: str | None = None
) -> ReviewAssignment:
    """Put a national reviewer or an expert on the application. `kind`, when given, must agree
    with the assignee's role (an expert is assigned as an expert, a reviewer as a reviewer)."""
    if not permissions.may(user, "assign", application):
        raise ReviewError(str(_("只有国家级评审人员可以指派评审人员和专家。")))
    if assignee.role not in KIND_BY_ROLE or not assignee.is_active:
        raise ReviewError(str(_("被指派人：只能指派国家级评审人员或评审专家。")))
    if kind not in (None, "", *AssignmentKind.values):
        raise ReviewError(str(_("类型：请选择评审人员或评审专家。")))
    if kind and kind != KIND_BY_ROLE[assignee.role]:
        raise ReviewError(
            str(_("类型：%(name)s 是%(role)s，只能指派为“%(kind)s”。"))
            % {
                "name": assignee,
                "role": assignee.get_role_display(),
                "kind": KIND_BY_ROLE[assignee.role].label,
            }
        )
    kind = KIND_BY_ROLE[assignee.role]
    try:
        with transaction.atomic():
            assignment = ReviewAssignment.objects.create(
                application=application, assignee=assignee, kind=kind, assigned_by=user
            )
            if kind == AssignmentKind.EXPERT:
                # The expert learns of it by mail, with the link to declare.
                tasks.dispatch_after_commit(
                    [inbox.owe(EffectKind.NOTIFY_ASSIGNED, assignment=assignment)]
                )
            return assignment
    except IntegrityError:
        raise ReviewError(str(_("被指派人：%(name)s 已被指派。")) % {"name": assignee}) from None


def _own_undeclared_assignment(user: User, application: Application) -> ReviewAssignment:
    if not permissions.may(user, "declare_conflict", application):
        raise ReviewError(str(_("您没有待声明的指派。")))
    assignment = (
        ReviewAssignment.objects.select_for_update()
        .filter(application=application, assignee=user, declared_at__isnull=True)
        .first()
    )
    if assignment is None:  # declared meanwhile, in another tab
        raise ReviewError(str(_("您已对该申报书作出声明。")))
    return assignment


@transaction.atomic
def declare_no_conflict(user: User, application: Application) -> ReviewAssignment:
    """The expert declares no conflict of interest; from now on they read and score."""
    assignment = _own_undeclared_assignment(user, application)
    assignment.declared_at = timezone.now()
    assignment.save(update_fields=["declared_at"])
    return assignment


REASON_MAX = experts.REASON_MAX


@transaction.atomic
def declare_conflict(user: User, application: Application, reason: str) -> ConflictOfInterest:
    """The expert declares a conflict: the assignment is removed (for good; NDRC may assign
    someone else), the declaration is recorded and whoever assigned the expert is mailed."""
    reason = experts.clean_reason(
        reason,
        str(_("利益冲突说明")),
        ReviewError,
        missing=str(_("利益冲突说明：请说明存在何种利益冲突。")),
    )
    assignment = _own_undeclared_assignment(user, application)
    conflict = experts.record_conflict(
        assignment, ConflictOfInterest, reason, application=application, expert=user
    )
    tasks.dispatch_after_commit([inbox.owe(EffectKind.NOTIFY_CONFLICT, conflict=conflict)])
    return conflict


@transaction.atomic
def unassign(user: User, assignment: ReviewAssignment, reason: str) -> ReviewWithdrawal:
    """Withdraw a reviewer's or expert's assignment before they scored, for a reason: the
    assignment goes (and the access with it), a `ReviewWithdrawal` records the act and the
    person is told (inbox now, mail after commit). Refused once they have scored."""
    if not permissions.may(user, "assign", assignment.application):
        raise ReviewError(str(_("只有国家级评审人员可以撤回指派。")))
    reason = experts.clean_reason(reason, str(_("撤回原因")), ReviewError)
    locked = ReviewAssignment.objects.select_for_update().filter(pk=assignment.pk).first()
    if locked is None:  # withdrawn or declared a conflict meanwhile
        raise ReviewError(str(_("该指派已不存在（已被撤回或专家已声明利益冲突）。")))
    if ReviewScore.objects.filter(
        application_id=locked.application_id, reviewer_id=locked.assignee_id
    ).exists():
        raise ReviewError(
            str(_("撤回指派：%(name)s 已对该申报书评分，不能再撤回指派。"))
            % {"name": locked.assignee}
        )
    withdrawal = experts.record_withdrawal(
        user,
        locked,
        ReviewWithdrawal,
        reason,
        application_id=locked.application_id,
        assignee_id=locked.assignee_id,
    )
    tasks.dispatch_after_commit([inbox.owe(EffectKind.NOTIFY_WITHDRAWN, withdrawal=withdrawal)])
    return withdrawal


# --- Scores ------------------------------------------------------------------------------------


def parse_score(label: str, raw: Any) -> int:
    """One criterion's score: a whole number within SCORE_LIMITS; the message names it."""
    return experts.parse_score(label, raw, ReviewError)


@transaction.atomic
def save_score(user: User, application: Application, values: dict[str, Any]) -> ReviewScore:
    """The reviewer's sheet for the current submission (created or revised) on the batch's
    rubric: every criterion is required and nothing is written unless all are valid. The sheet
    keeps the rubric it was scored on and its weighted total."""
    if not permissions.may(user, "score", application):
        raise ReviewError(str(_("您当前不能为该申报书打分。")))
    criteria = rubric.criteria_of(application.batch)
    parsed = experts.parse_scores(criteria, values, ReviewError)
    score, _created = ReviewScore.objects.update_or_create(
        application=application,
        reviewer=user,
        submission_number=application.submission_count,
        defaults={**experts.sheet_fields(criteria, parsed), "legacy": False},
    )
    return score


@dataclass(frozen=True)
class ScoreSummary:
    sheets: list[ReviewScore]
    criteria: list[rubric.Criterion]  # the columns: the rubric the sheets were scored on
    averages: dict[str, Decimal]  # per criterion key
    count: int
    spread: rubric.Spread
    outliers: frozenset[int]  # reviewer ids whose weighted total is an outlier (D22)


def score_summary(
    application: Application,
    scores: Iterable[ReviewScore],
    criteria: list[rubric.Criterion] | None = None,
) -> ScoreSummary:
    """Sheets for the current submission, the average of every criterion, and the spread of
    their weighted totals (no query: pass the scores, and the batch's criteria if known)."""
    sheets = [s for s in scores if s.submission_number == application.submission_count]
    found = experts.panel(
        sheets,
        lambda: criteria if criteria is not None else rubric.criteria_of(application.batch),
        lambda sheet: sheet.reviewer_id,
    )
    return ScoreSummary(
        sheets, found.criteria, found.averages, len(sheets), found.spread, found.outliers
    )


# --- Comments ----------------------------------------------------------------------------------


def add_comment(
    user: User, application: Application, text: str, visibility: str = CommentVisibility.INTERNAL
) -> ReviewComment:
    if not permissions.may(user, "comment", application):
        raise ReviewError(str(_("您当前不能对该申报书发表评审意见。")))
    text = (text or "").strip()
    if not text:
        raise ReviewError(str(_("评审意见：请填写内容。")))
    if "\x00" in text:  # PostgreSQL cannot store it
        raise ReviewError(str(_("评审意见：不能包含空字符（NUL）。")))
    if visibility not in CommentVisibility.values:
        raise ReviewError(str(_("可见范围：请选择仅评审人员可见或园区可见。")))
    if visibility == CommentVisibility.PUBLIC and not permissions.may(
        user, "comment_to_park", application
    ):
        raise ReviewError(str(_("可见范围：您的意见仅评审人员可见，不能直接发给园区。")))
    return ReviewComment.objects.create(
        application=application, author=user, text=text, visibility=visibility
    )


def public_comments(application: Application) -> list[ReviewComment]:
    """What the park may read: comments marked visible to it, never internal ones."""
    return list(
        application.review_comments.filter(visibility=CommentVisibility.PUBLIC).select_related(
            "author"
        )
    )
