"""The permissions on a construction programme, held to the policy written down here, through
their real doors, in every stage of the programme (the states its rules name).

As tests/permissions/test_permission_table.py does for applications: every programme permission
of the table must have a policy grid and a door here; for every permission × person × stage the
table (`may`) and the door answer as the grid says.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from applications import acceptance_experts, guidance, permissions, progress, workflow
from applications.models import (
    AcceptanceAssignment,
    ConstructionProgramme,
    GuidanceProblem,
    GuidanceVisit,
    ProgrammeStage,
    ProgressReport,
    ReportStatus,
    Role,
    User,
)
from tests.factories import UserFactory
from tests.programme.builders import approved_programme
from tests.reviews.conftest import add_energy_data

pytestmark = pytest.mark.django_db

STAGES = tuple(ProgrammeStage.values)
ACTORS = (
    "applicant_a",
    "applicant_b",
    "provincial_a",
    "provincial_other",
    "national",
    "expert",
    "expert_new",
    "expert_other",
    "admin",
)
# On the programmes' grids: "expert" is assigned to the park's acceptance and declared no
# conflict, "expert_new" is assigned and has not declared, "expert_other" is not assigned.

#                  building self accept designated not_passed
_FOLLOW = """
    applicant_a      x        x    x      x          x
    provincial_a     x        x    x      x          x
    national         x        x    x      x          x
    admin            x        x    x      x          x
"""
_BUILDING_ONLY = "x . . . ."
_PROVINCE_CONCLUDES = """
    provincial_a     .        x    .      .          .
"""
_NDRC_DECIDES = """
    national         .        .    x      .          .
"""
POLICY: dict[str, str] = {
    "view_programme": _FOLLOW,
    "view_acceptance": _FOLLOW,
    "request_self_assessment": """
    applicant_a      x        .    .      .          .
    """,
    "open_self_assessment": """
    provincial_a     x        .    .      .          .
    """,
    "put_forward": _PROVINCE_CONCLUDES,
    "self_assessment_not_met": _PROVINCE_CONCLUDES,
    "accept": _NDRC_DECIDES,
    "accept_with_conditions": _NDRC_DECIDES,
    "not_accept": _NDRC_DECIDES,
    # The park reports yearly while it builds; its province asks for reports then.
    # The acceptance's experts, as in the review: NDRC assigns while it evaluates; the assigned
    # expert declares first, then reads and scores; the sheets are NDRC's material.
    "assign_acceptance_experts": """
    national         .        .    x      .          .
    admin            .        .    x      .          .
    """,
    "declare_acceptance_conflict": """
    expert_new       .        .    x      .          .
    """,
    "open_acceptance_review": """
    expert           .        .    x      x          x
    expert_new       .        .    x      .          .
    """,
    "read_acceptance_material": """
    expert           .        .    x      x          x
    """,
    "score_acceptance": """
    expert           .        .    x      .          .
    """,
    "read_acceptance_scores": """
    national         .        .    x      x          x
    admin            .        .    x      x          x
    """,
    "start_report": f"applicant_a {_BUILDING_ONLY}",
    "request_report": f"provincial_a {_BUILDING_ONLY}",
    # Provincial guidance: the province records while the park builds; a problem raised then is
    # solved by the province, or answered by the park, in any stage; all who follow it read it.
    "view_guidance": _FOLLOW,
    "record_guidance": f"provincial_a {_BUILDING_ONLY}",
    "solve_problem": "provincial_a x x x x x",
    "respond_problem": "applicant_a x x x x x",
}

# The progress report's permissions, by the report's state.
REPORT_STATES = tuple(ReportStatus.values)
#                  draft submitted returned accepted
_REPORT_SENT = """
    applicant_a      x     x         x        x
    provincial_a     .     x         x        x
    national         .     x         x        x
    admin            x     x         x        x
"""
_PARK_WRITES = """
    applicant_a      x     .         x        .
"""
_PROVINCE_DECIDES = """
    provincial_a     .     x         .        .
"""
REPORT_POLICY: dict[str, str] = {
    "view_report": _REPORT_SENT,
    "edit_report": _PARK_WRITES,
    "submit_report": _PARK_WRITES,
    "return_report": _PROVINCE_DECIDES,
    "accept_report": _PROVINCE_DECIDES,
}


def grid(text: str, columns: tuple[str, ...] = STAGES) -> dict[str, set[str]]:
    allowed = {actor: set() for actor in ACTORS}
    for line in text.strip().splitlines():
        actor, *marks = line.split()
        assert actor in allowed and len(marks) == len(columns), f"bad policy line: {line!r}"
        allowed[actor] = {col for col, mark in zip(columns, marks, strict=True) if mark == "x"}
    return allowed


@contextmanager
def undone() -> Iterator[None]:
    """Try a door for real, then leave the world as it was for the next person."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _service(call: Callable) -> Callable:
    def door(visitor, subject, user):
        # A fresh copy: an act updates the instance it is given, and the rollback does not.
        subject = type(subject).objects.get(pk=subject.pk)
        with undone():
            try:
                call(user, subject)
            except (progress.NotAllowed, progress.WrongState):
                return False
        return True

    return door


class Visitor:
    """One person's browser: logged in once (at the first page it asks), and each page fetched
    once per stage. A GET writes nothing a door asks about and every writing door is rolled back,
    so within a stage the same URL asked by the same person answers the same: the doors that
    share a page (the acceptance review page for opening it and for its material, the
    acceptance page for viewing it and for the experts' scores) read the one response.
    `forget` when the stage changes."""

    def __init__(self, user: User):
        self.user = user
        self.client = Client()
        self.logged_in = False
        self.pages: dict[str, tuple[int, str]] = {}

    def get(self, url: str) -> tuple[int, str]:
        """The status and the text of the page."""
        if url not in self.pages:
            if not self.logged_in:
                self.client.force_login(self.user)
                self.logged_in = True
            response = self.client.get(url)
            self.pages[url] = (response.status_code, response.content.decode())
        return self.pages[url]

    def forget(self) -> None:
        self.pages.clear()


Door = Callable[[Visitor, ConstructionProgramme, User], bool]


def _guidance(call: Callable) -> Door:
    def door(visitor, programme, user):
        programme = ConstructionProgramme.objects.get(pk=programme.pk)
        with undone():
            try:
                call(user, programme)
            except (guidance.NotAllowed, guidance.WrongState):
                return False
        return True

    return door


def _open_problem(programme: ConstructionProgramme) -> GuidanceProblem:
    """An open problem of the programme, written directly (the door under test is the next)."""
    visit = GuidanceVisit.objects.create(
        programme=programme,
        visited_on=datetime.date.today(),
        form="on_site",
        participants="省发展改革委",
        content="现场指导",
        recorded_by=User.objects.filter(role="provincial").first(),
    )
    return GuidanceProblem.objects.create(programme=programme, visit=visit, description="问题")


def _page(url_name: str) -> Door:
    def door(visitor, programme, user):
        status, _text = visitor.get(reverse(url_name, args=[programme.pk]))
        assert status in (200, 403, 404), f"{url_name}: {status}"
        return status == 200

    return door


DUE = datetime.date.today() + datetime.timedelta(days=30)


def _act(action: str) -> Door:
    """The act through its workflow function, tried for real and rolled back; refused by the
    table (not this person, not this stage) or let through (a refusal after the table, such as
    the construction period not being over yet, counts as through)."""

    def door(visitor, programme, user):
        # A fresh copy each time: a successful act moves the caller's instance along.
        programme = ConstructionProgramme.objects.select_related("application__park__province").get(
            pk=programme.pk
        )
        offered = action in {
            t.action for t in workflow.available_programme_actions(user, programme)
        }
        act = workflow.PROGRAMME_ACTIONS[action]
        with transaction.atomic():
            try:
                if action in ("put_forward", "self_assessment_not_met"):
                    kwargs = {"year": programme.period_start, "report": "报告"}
                    if action == "put_forward":
                        kwargs["override_reason"] = "理由"
                    act(user, programme, **kwargs)
                else:
                    act(user, programme, "意见")
                made = True
            except (workflow.NotAllowed, workflow.WrongState):
                made = False
            except workflow.WorkflowError:
                made = True
            transaction.set_rollback(True)
        assert offered == made, f"{action}: offered={offered}, made={made}"
        return made

    return door


def _expert_act(call: Callable) -> Door:
    """An act of applications/acceptance_experts.py, tried for real and rolled back."""

    def door(visitor, programme, user):
        programme = ConstructionProgramme.objects.select_related("application__park__province").get(
            pk=programme.pk
        )
        with undone():
            try:
                call(user, programme)
            except (acceptance_experts.NotAllowed, acceptance_experts.WrongState):
                return False
        return True

    return door


def _expert_page(testid: str | None = None) -> Door:
    """The expert's acceptance page; with `testid`, only when it shows that part."""

    def door(visitor, programme, user):
        status, text = visitor.get(reverse("acceptance_review", args=[programme.pk]))
        assert status in (200, 404)
        if testid is None:
            return status == 200
        return status == 200 and f'data-testid="{testid}"' in text

    return door


def _scores_shown(visitor, programme, user) -> bool:
    status, text = visitor.get(reverse("acceptance_detail", args=[programme.pk]))
    return status == 200 and 'data-testid="acceptance-experts"' in text


SCORES = {key: "80" for key, *_rest in acceptance_experts.DEFAULT_ACCEPTANCE_RUBRIC}

DOORS: dict[str, Door] = {
    "assign_acceptance_experts": _expert_act(
        lambda user, programme: acceptance_experts.assign(
            user, programme, User.objects.get(username="expert_spare")
        )
    ),
    "declare_acceptance_conflict": _expert_act(acceptance_experts.declare_no_conflict),
    "open_acceptance_review": _expert_page(),
    "read_acceptance_material": _expert_page("acceptance-material"),
    "score_acceptance": _expert_act(
        lambda user, programme: acceptance_experts.save_score(user, programme, SCORES, "意见")
    ),
    "read_acceptance_scores": _scores_shown,
    "view_programme": _page("programme_detail"),
    "view_acceptance": _page("acceptance_detail"),
    **{action: _act(action) for action in workflow.PROGRAMME_TRANSITIONS},
    "start_report": _service(lambda user, programme: progress.start(user, programme, 2026)),
    "request_report": _service(
        lambda user, programme: progress.request(user, programme, 2026, DUE, "请报送")
    ),
    "view_guidance": _page("guidance_detail"),
    "record_guidance": _guidance(
        lambda user, programme: guidance.record_visit(
            user,
            programme,
            visited_on=datetime.date.today(),
            form="on_site",
            participants="省发展改革委",
            content="现场指导",
            problems=["问题"],
        )
    ),
    "solve_problem": _guidance(
        lambda user, programme: guidance.solve(
            user, _open_problem(programme), solved_on=datetime.date.today(), solution="已解决"
        )
    ),
    "respond_problem": _guidance(
        lambda user, programme: guidance.respond(user, _open_problem(programme), "园区反馈")
    ),
}
REPORT_DOORS: dict[str, Door] = {
    "view_report": _page("report_detail"),
    "edit_report": _page("report_edit"),
    "submit_report": _service(progress.submit),
    "return_report": _service(lambda user, report: progress.return_report(user, report, "改")),
    "accept_report": _service(progress.accept),
}


def programme_permissions() -> list[str]:
    return sorted(
        k for k, p in permissions.PERMISSIONS.items() if p.subject == permissions.Subject.PROGRAMME
    )


def report_permissions() -> list[str]:
    return sorted(
        k for k, p in permissions.PERMISSIONS.items() if p.subject == permissions.Subject.REPORT
    )


def test_every_programme_permission_has_a_written_policy_and_a_door():
    assert sorted(POLICY) == programme_permissions()
    assert sorted(DOORS) == programme_permissions()
    assert sorted(REPORT_POLICY) == report_permissions()
    assert sorted(REPORT_DOORS) == report_permissions()


def test_every_report_permission_answers_every_person_in_every_state(cast):
    programme = approved_programme(cast)
    add_energy_data(cast.park_a, 2025)  # so that a permitted submission goes through
    report = progress.start(cast.applicant_a, programme, 2025)
    people = {actor: user for actor, user in _people(cast).items() if user is not None}
    visitors = {actor: Visitor(user) for actor, user in people.items()}
    failures: list[str] = []
    for state in REPORT_STATES:
        ProgressReport.objects.filter(pk=report.pk).update(status=state)
        for visitor in visitors.values():
            visitor.forget()
        current = ProgressReport.objects.select_related(
            "programme__application__park__province"
        ).get(pk=report.pk)
        for key in report_permissions():
            policy = grid(REPORT_POLICY[key], REPORT_STATES)
            for actor, user in people.items():
                expected = state in policy[actor]
                if permissions.may(user, key, current) != expected:
                    failures.append(f"table: {key} for {actor} in {state} should be {expected}")
                through = REPORT_DOORS[key](visitors[actor], current, user)
                if through != expected:
                    failures.append(f"door: {key} for {actor} in {state} let through={through}")
                listed = set(permissions.permitted(user, key).values_list("pk", flat=True))
                if listed != ({current.pk} if expected else set()):
                    failures.append(f"list: {key} for {actor} in {state}")
    assert not failures, "\n".join(failures)


def _experts(cast, programme) -> dict[str, User]:
    """The cast's expert assigned (declared), one assigned (undeclared), one not assigned, and a
    spare one for NDRC to assign."""
    new, other = (UserFactory(username=n, role=Role.EXPERT) for n in ("expert_new", "expert_other"))
    UserFactory(username="expert_spare", role=Role.EXPERT)
    for expert, declared in ((cast.expert, True), (new, False)):
        AcceptanceAssignment.objects.create(
            programme=programme,
            expert=expert,
            assigned_by=cast.national,
            declared_at=datetime.datetime.now(datetime.UTC) if declared else None,
        )
    return {"expert_new": new, "expert_other": other}


def _people(cast, experts: dict[str, User] | None = None) -> dict[str, User]:
    experts = experts or {}
    return {actor: experts.get(actor) or getattr(cast, actor, None) for actor in ACTORS}


def test_every_programme_permission_answers_every_person_in_every_stage(cast):
    programme = approved_programme(cast)
    people = _people(cast, _experts(cast, programme))
    visitors = {actor: Visitor(user) for actor, user in people.items()}
    failures: list[str] = []
    for stage in STAGES:
        # Arranged directly: the rules must hold in every stage, however it was reached.
        ConstructionProgramme.objects.filter(pk=programme.pk).update(stage=stage)
        for visitor in visitors.values():
            visitor.forget()
        current = ConstructionProgramme.objects.select_related("application__park__province").get(
            pk=programme.pk
        )
        for key in programme_permissions():
            policy = grid(POLICY[key])
            for actor, user in people.items():
                expected = stage in policy[actor]
                if permissions.may(user, key, current) != expected:
                    failures.append(f"table: {key} for {actor} in {stage} should be {expected}")
                through = DOORS[key](visitors[actor], current, user)
                if through != expected:
                    failures.append(f"door: {key} for {actor} in {stage} let through={through}")
        # The list of each permission is what the table allows one by one.
        for key in programme_permissions():
            for user in people.values():
                listed = set(permissions.permitted(user, key).values_list("pk", flat=True))
                assert listed == ({current.pk} if permissions.may(user, key, current) else set())
    assert not failures, "\n".join(failures)


def test_a_programme_permission_is_never_asked_about_an_application(cast):
    programme = approved_programme(cast)
    with pytest.raises(TypeError):
        permissions.may(cast.applicant_a, "view_programme", programme.application)
    with pytest.raises(TypeError):
        permissions.may(cast.applicant_a, "view_application", programme)
