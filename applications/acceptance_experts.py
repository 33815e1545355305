"""The experts of a park's evaluation and acceptance: NDRC's assignments, the experts' conflict
declarations and score sheets, and what NDRC reads of them before it decides.

Each act is a door like those of workflow.py: the programme row is locked, the permission of the
same name in applications/permissions.py is asked on the locked row (a wrong person is told apart
from a wrong stage), the act is written, and the people it tells get their inbox item with it
and their mail after commit (`inbox.owe`). The acts, and who may make them:

- `assign` (`assign_acceptance_experts`: NDRC's reviewers, administrators; in acceptance): puts an
  expert on the acceptance and mails them the link to declare;
- `declare_no_conflict` / `declare_conflict` (`declare_acceptance_conflict`: the assigned expert
  who has not declared): before anything of the acceptance is shown; a conflict removes the
  assignment, keeps an `AcceptanceConflict` and mails whoever assigned the expert;
- `unassign` (`assign_acceptance_experts`, D44): withdraws an expert before they scored, with
  a reason; the expert is told and loses access at once;
- `save_score` (`score_acceptance`: an assigned expert who declared no conflict; in acceptance):
  every criterion of the acceptance rubric (D32) and a comment, revised until NDRC decides.

`summary` gives NDRC each sheet, the averages, the weighted totals' spread and the outliers
(rubric.spread, as the review: D22). The decision itself is NDRC's act in programme_workflow.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import experts, inbox, permissions, rubric, tasks
from .models import (
    DEFAULT_ACCEPTANCE_RUBRIC,
    AcceptanceAssignment,
    AcceptanceConflict,
    AcceptanceScore,
    AcceptanceWithdrawal,
    Application,
    ConstructionProgramme,
    EffectKind,
    Role,
    User,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

REASON_MAX = experts.REASON_MAX
COMMENT_MAX = 5000


class ExpertError(Exception):
    """A refused act or input; the message names the field and is meant for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(ExpertError, PermissionDenied):
    """Not this person, or not on this programme."""


class WrongState(ExpertError):
    """The right person, but not in this stage of the programme."""


def criteria() -> list[rubric.Criterion]:
    """The acceptance rubric (D32)."""
    return [
        rubric.Criterion(key, str(name), weight, str(guidance))
        for key, name, weight, guidance in DEFAULT_ACCEPTANCE_RUBRIC
    ]


def assignable_experts(programme: ConstructionProgramme) -> list[User]:
    """Active experts not yet on this acceptance and who have not declared a conflict on it."""
    taken = set(programme.expert_assignments.values_list("expert_id", flat=True))
    taken |= set(programme.expert_conflicts.values_list("expert_id", flat=True))
    return [
        u
        for u in User.objects.filter(role=Role.EXPERT, is_active=True).order_by("username")
        if u.pk not in taken
    ]


def _locked(user: User, programme: ConstructionProgramme, key: str) -> ConstructionProgramme:
    """The programme row locked (after its application's, the order of every transition), and
    the permission `key` asked on it."""
    Application.objects.select_for_update(of=("self",)).filter(pk=programme.application_id).get()
    locked = (
        ConstructionProgramme.objects.select_for_update(of=("self",))
        .select_related("application__park__province", "park__province")
        .get(pk=programme.pk)
    )
    verdict = permissions.verdict(user, key, locked)
    label = permissions.label(key)
    if verdict is permissions.Verdict.NOT_ALLOWED:
        raise NotAllowed(str(_("您无权对该建设方案执行“%(action)s”。") % {"action": label}))
    if verdict is permissions.Verdict.WRONG_STATE:
        raise WrongState(
            str(_("建设方案当前阶段为“%(stage)s”，不能执行“%(action)s”。"))
            % {"stage": locked.get_stage_display(), "action": label}
        )
    return locked


def assign(user: User, programme: ConstructionProgramme, expert: User) -> AcceptanceAssignment:
    """NDRC puts `expert` on the park's acceptance; the expert is mailed the link to declare."""
    with transaction.atomic():
        locked = _locked(user, programme, "assign_acceptance_experts")
        if expert.role != Role.EXPERT or not expert.is_active:
            raise ExpertError(str(_("验收专家：只能指派评审专家。")))
        if AcceptanceConflict.objects.filter(programme=locked, expert=expert).exists():
            raise ExpertError(
                str(_("验收专家：%(name)s 已声明与该园区存在利益冲突，不能再指派。"))
                % {"name": expert}
            )
        try:
            with transaction.atomic():
                assignment = AcceptanceAssignment.objects.create(
                    programme=locked, expert=expert, assigned_by=user
                )
        except IntegrityError:
            raise ExpertError(str(_("验收专家：%(name)s 已被指派。")) % {"name": expert}) from None
        tasks.dispatch_after_commit(
            [inbox.owe(EffectKind.ACCEPTANCE_ASSIGNED, acceptance_assignment=assignment)]
        )
        return assignment


def _own_undeclared(user: User, locked: ConstructionProgramme) -> AcceptanceAssignment:
    assignment = (
        AcceptanceAssignment.objects.select_for_update()
        .filter(programme=locked, expert=user, declared_at__isnull=True)
        .first()
    )
    if assignment is None:  # pragma: no cover - the permission asked this under the lock
        raise WrongState(str(_("您已对该园区的评估验收作出声明。")))
    return assignment


def declare_no_conflict(user: User, programme: ConstructionProgramme) -> AcceptanceAssignment:
    """The expert declares no conflict of interest; from now on they read and score."""
    with transaction.atomic():
        locked = _locked(user, programme, "declare_acceptance_conflict")
        assignment = _own_undeclared(user, locked)
        assignment.declared_at = timezone.now()
        assignment.save(update_fields=["declared_at"])
        return assignment


def declare_conflict(
    user: User, programme: ConstructionProgramme, reason: str
) -> AcceptanceConflict:
    """The expert declares a conflict: the assignment is removed for good (NDRC may assign
    someone else), the declaration is kept and whoever assigned the expert is mailed."""
    reason = experts.clean_reason(
        reason,
        str(_("利益冲突说明")),
        ExpertError,
        missing=str(_("利益冲突说明：请说明存在何种利益冲突。")),
    )
    with transaction.atomic():
        locked = _locked(user, programme, "declare_acceptance_conflict")
        assignment = _own_undeclared(user, locked)
        conflict = experts.record_conflict(
            assignment, AcceptanceConflict, reason, programme=locked, expert=user
        )
        tasks.dispatch_after_commit(
            [inbox.owe(EffectKind.ACCEPTANCE_CONFLICT, acceptance_conflict=conflict)]
        )
        return conflict


def unassign(
    user: User, programme: ConstructionProgramme, assignment_id: int, reason: str
) -> AcceptanceWithdrawal:
    """NDRC withdraws an expert's assignment before the expert scored, for a reason: the
    assignment goes (and the expert's access with it), an `AcceptanceWithdrawal` records the act
    and the expert is told (inbox now, mail after commit). Refused once the expert scored."""
    reason = experts.clean_reason(reason, str(_("撤回原因")), ExpertError)
    with transaction.atomic():
        locked = _locked(user, programme, "assign_acceptance_experts")
        assignment = (
            AcceptanceAssignment.objects.select_for_update()
            .select_related("expert")
            .filter(programme=locked, pk=assignment_id)
            .first()
        )
        if assignment is None:
            raise ExpertError(str(_("该指派已不存在（已被撤回或专家已声明利益冲突）。")))
        if AcceptanceScore.objects.filter(programme=locked, expert=assignment.expert).exists():
            raise WrongState(
                str(_("撤回指派：%(name)s 已对该园区的评估验收评分，不能再撤回指派。"))
                % {"name": assignment.expert}
            )
        withdrawal = experts.record_withdrawal(
            user,
            assignment,
            AcceptanceWithdrawal,
            reason,
            programme=locked,
            expert=assignment.expert,
        )
        tasks.dispatch_after_commit(
            [inbox.owe(EffectKind.ACCEPTANCE_WITHDRAWN, acceptance_withdrawal=withdrawal)]
        )
        return withdrawal


def save_score(
    user: User, programme: ConstructionProgramme, values: Mapping[str, Any], comment: str
) -> AcceptanceScore:
    """The expert's sheet (created or revised): every criterion of the acceptance rubric and a
    comment are required, and nothing is written unless all are valid."""
    with transaction.atomic():
        locked = _locked(user, programme, "score_acceptance")
        columns = criteria()
        parsed = experts.parse_scores(columns, values, ExpertError)
        comment = (comment or "").strip()
        if not comment:
            raise ExpertError(str(_("专家意见：请填写评估验收意见。")))
        if "\x00" in comment:
            raise ExpertError(str(_("专家意见：不能包含空字符（NUL）。")))
        if len(comment) > COMMENT_MAX:
            raise ExpertError(str(_("专家意见：不能超过 %(max)s 个字。")) % {"max": COMMENT_MAX})
        score, _created = AcceptanceScore.objects.update_or_create(
            programme=locked,
            expert=user,
            defaults={**experts.sheet_fields(columns, parsed), "comment": comment},
        )
        return score


@dataclass(frozen=True)
class Summary:
    sheets: list[AcceptanceScore]
    criteria: list[rubric.Criterion]
    averages: dict[str, Decimal]
    spread: rubric.Spread
    outliers: frozenset[int]  # expert ids whose weighted total is an outlier (D22)

    @property
    def rows(self) -> list[tuple[AcceptanceScore, list[int | None], bool]]:
        """Each sheet with its scores in the order of the columns, and whether it is an outlier."""
        return [
            (s, [s.values.get(c.key) for c in self.criteria], s.expert_id in self.outliers)
            for s in self.sheets
        ]

    @property
    def average_row(self) -> list[Decimal | None]:
        return [self.averages.get(c.key) for c in self.criteria]


def summary(scores: Iterable[AcceptanceScore]) -> Summary:
    """The sheets (experts selected with them), each criterion's average and the spread of the
    weighted totals with its outliers, as the review computes them (no query)."""
    found = experts.panel(list(scores), criteria, lambda sheet: sheet.expert_id)
    return Summary(found.sheets, found.criteria, found.averages, found.spread, found.outliers)
