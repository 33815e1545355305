"""Provincial guidance of a park in construction: the door of every act and what its pages read.

Each act (`record_visit`, `solve`, `respond`) asks the permission of the same purpose in the
permission table (applications/permissions.py, subject programme: `record_guidance`,
`solve_problem`, `respond_problem`) on the programme locked for the act, checks its guard and
writes its records in one transaction, with the other side's notices (D45: a visit and a solved
problem tell the park's people, a park's answer the province's reviewers; inbox now, mail after
commit, `inbox.owe`). Nothing is changed afterwards: a visit and a park's answer
are append-only; a problem is written once open and once solved.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import inbox, permissions, tasks
from .models import (
    ConstructionProgramme,
    EffectKind,
    GuidanceForm,
    GuidanceProblem,
    GuidanceVisit,
    ProblemResponse,
    ProblemStatus,
)

MAX_TEXT = 10_000  # characters of a content, a problem, a solution or an answer
MAX_PROBLEMS = 30  # problems recorded with one visit


class GuidanceError(Exception):
    """An act that cannot be made; `message` is for the user and names the field."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(GuidanceError):
    pass


class WrongState(GuidanceError):
    pass


def _check(user, key: str, programme: ConstructionProgramme) -> None:
    verdict = permissions.verdict(user, key, programme)
    label = permissions.label(key)
    if verdict is permissions.Verdict.NOT_ALLOWED:
        raise NotAllowed(str(_("您无权执行“%(action)s”。")) % {"action": label})
    if verdict is permissions.Verdict.WRONG_STATE:
        raise WrongState(
            str(_("建设方案当前阶段为“%(stage)s”，不能执行“%(action)s”。"))
            % {"stage": programme.get_stage_display(), "action": label}
        )


def _text(value: str, field: str, required: bool = True) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        raise GuidanceError(str(_("%(field)s中含有无效字符（NUL）。")) % {"field": field})
    if required and not text:
        raise GuidanceError(str(_("请填写%(field)s。")) % {"field": field})
    if len(text) > MAX_TEXT:
        raise GuidanceError(
            str(_("%(field)s不能超过 %(n)s 字。")) % {"field": field, "n": f"{MAX_TEXT:,}"}
        )
    return text


def _date(value: datetime.date | None, field: str, not_before: datetime.date | None = None):
    if value is None:
        raise GuidanceError(str(_("请填写%(field)s。")) % {"field": field})
    if value > timezone.localdate():
        raise GuidanceError(str(_("%(field)s不能晚于今天。")) % {"field": field})
    if not_before and value < not_before:
        raise GuidanceError(
            str(_("%(field)s不能早于 %(date)s。"))
            % {"field": field, "date": not_before.isoformat()}
        )
    return value


def _lock(programme: ConstructionProgramme) -> ConstructionProgramme:
    return (
        ConstructionProgramme.objects.select_for_update(of=("self",))
        .select_related("application__park__province", "park__province")
        .get(pk=programme.pk)
    )


def problem_lines(text: str) -> list[str]:
    """The problems of a visit as the form gives them: one a line, empty lines left out."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def record_visit(
    user,
    programme: ConstructionProgramme,
    *,
    visited_on: datetime.date | None,
    form: str,
    participants: str,
    content: str,
    problems: list[str] = (),
) -> GuidanceVisit:
    """The province records a guidance visit and the problems it raised there."""
    participants = _text(participants, str(_("参加人员")))
    content = _text(content, str(_("指导内容")))
    problems = [_text(p, str(_("发现的问题"))) for p in problems]
    if len(problems) > MAX_PROBLEMS:
        raise GuidanceError(str(_("发现的问题一次最多记录 %(n)s 条。")) % {"n": MAX_PROBLEMS})
    if form not in GuidanceForm.values:
        raise GuidanceError(str(_("指导形式不是可选的值。")))
    with transaction.atomic():
        locked = _lock(programme)
        _check(user, "record_guidance", locked)
        visited_on = _date(
            visited_on, str(_("指导日期")), not_before=locked.opened_at.date().replace(day=1)
        )
        visit = GuidanceVisit.objects.create(
            programme=locked,
            visited_on=visited_on,
            form=form,
            participants=participants,
            content=content,
            recorded_by=user,
        )
        GuidanceProblem.objects.bulk_create(
            GuidanceProblem(programme=locked, visit=visit, description=p) for p in problems
        )
        tasks.dispatch_after_commit([inbox.owe(EffectKind.GUIDANCE_VISIT, guidance_visit=visit)])
    return visit


def _lock_problem(problem: GuidanceProblem) -> GuidanceProblem:
    locked = GuidanceProblem.objects.select_for_update(of=("self",)).get(pk=problem.pk)
    locked.programme = _lock(locked.programme)
    return locked


def solve(
    user, problem: GuidanceProblem, *, solved_on: datetime.date | None, solution: str
) -> GuidanceProblem:
    """The province records when and how a problem was solved (once: it stays solved)."""
    solution = _text(solution, str(_("解决方式")))
    with transaction.atomic():
        locked = _lock_problem(problem)
        _check(user, "solve_problem", locked.programme)
        if locked.status != ProblemStatus.OPEN:
            raise WrongState(
                str(_("该问题已于 %(date)s 记录为已解决。"))
                % {"date": locked.solved_on.isoformat()}
            )
        # Not before the visit that raised it.
        locked.solved_on = _date(solved_on, str(_("解决日期")), not_before=locked.visit.visited_on)
        locked.status = ProblemStatus.SOLVED
        locked.solution = solution
        locked.solved_by = user
        locked.save(update_fields=["status", "solved_on", "solution", "solved_by"])
        tasks.dispatch_after_commit(
            [inbox.owe(EffectKind.GUIDANCE_SOLVED, guidance_problem=locked)]
        )
    problem.status, problem.solved_on, problem.solution = (
        locked.status,
        locked.solved_on,
        locked.solution,
    )
    return locked


def respond(user, problem: GuidanceProblem, text: str) -> ProblemResponse:
    """The park answers an open problem (what it did or needs); the answer stays as written."""
    text = _text(text, str(_("园区反馈")))
    with transaction.atomic():
        locked = _lock_problem(problem)
        _check(user, "respond_problem", locked.programme)
        if locked.status != ProblemStatus.OPEN:
            raise WrongState(str(_("该问题已解决，不能再反馈。")))
        response = ProblemResponse.objects.create(problem=locked, author=user, text=text)
        tasks.dispatch_after_commit(
            [inbox.owe(EffectKind.GUIDANCE_ANSWER, problem_response=response)]
        )
        return response


# --- Reading ------------------------------------------------------------------------------------


def visits_of(programme: ConstructionProgramme) -> list[GuidanceVisit]:
    """The programme's visits, newest first, each with its problems and their answers."""
    return list(
        programme.guidance_visits.select_related("recorded_by").prefetch_related(
            Prefetch(
                "problems",
                queryset=GuidanceProblem.objects.select_related("solved_by").prefetch_related(
                    Prefetch("responses", queryset=ProblemResponse.objects.select_related("author"))
                ),
            )
        )
    )


def open_problems(programme: ConstructionProgramme) -> list[GuidanceProblem]:
    return list(
        programme.guidance_problems.filter(status=ProblemStatus.OPEN).select_related("visit")
    )


def problem_of(programme: ConstructionProgramme, problem_id: int) -> GuidanceProblem | None:
    return programme.guidance_problems.filter(pk=problem_id).first()


def overview(user) -> QuerySet[ConstructionProgramme]:
    """The programmes this user follows the guidance of, with their visits and problems counted
    (one query, whatever the number of programmes)."""
    return (
        permissions.permitted(user, "view_guidance")
        .select_related("park__province")
        .annotate(
            visit_count=Count("guidance_visits", distinct=True),
            last_visit=Max("guidance_visits__visited_on"),
            open_count=Count(
                "guidance_problems",
                filter=Q(guidance_problems__status=ProblemStatus.OPEN),
                distinct=True,
            ),
            solved_count=Count(
                "guidance_problems",
                filter=Q(guidance_problems__status=ProblemStatus.SOLVED),
                distinct=True,
            ),
        )
        .order_by("park__province__code", "park__name")
    )


def by_province(user) -> list[dict]:
    """Per province: programmes followed, visits, open and solved problems (NDRC's overview)."""
    return list(
        permissions.permitted(user, "view_guidance")
        .values("park__province")
        .annotate(
            programmes=Count("pk", distinct=True),
            visits=Count("guidance_visits", distinct=True),
            open=Count(
                "guidance_problems",
                filter=Q(guidance_problems__status=ProblemStatus.OPEN),
                distinct=True,
            ),
            solved=Count(
                "guidance_problems",
                filter=Q(guidance_problems__status=ProblemStatus.SOLVED),
                distinct=True,
            ),
        )
        .order_by("park__province")
    )
