"""The permissions on a construction programme, held to the policy written down here, through
their real doors, in every stage of the programme (the states its rules name).

As tests/permissions/test_permission_table.py does for applications: every programme permission
of the table must have a policy grid and a door here; for every permission × person × stage the
table (`may`) and the door answer as the grid says.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import transaction
from django.urls import reverse

from applications import permissions, workflow
from applications.models import ConstructionProgramme, ProgrammeStage, User
from tests.programme.builders import approved_programme

pytestmark = pytest.mark.django_db

STAGES = tuple(ProgrammeStage.values)
ACTORS = ("applicant_a", "applicant_b", "provincial_a", "provincial_other", "national", "expert",
          "admin")

#                  building self accept designated not_passed
_FOLLOW = """
    applicant_a      x        x    x      x          x
    provincial_a     x        x    x      x          x
    national         x        x    x      x          x
    admin            x        x    x      x          x
"""
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
}


def grid(text: str) -> dict[str, set[str]]:
    allowed = {actor: set() for actor in ACTORS}
    for line in text.strip().splitlines():
        actor, *marks = line.split()
        assert actor in allowed and len(marks) == len(STAGES), f"bad policy line: {line!r}"
        allowed[actor] = {stage for stage, mark in zip(STAGES, marks, strict=True) if mark == "x"}
    return allowed


Door = Callable[[object, ConstructionProgramme, User], bool]


def _page(url_name: str) -> Door:
    def door(client, programme, user):
        client.force_login(user)
        status = client.get(reverse(url_name, args=[programme.pk])).status_code
        assert status in (200, 403, 404), f"{url_name}: {status}"
        return status == 200
    return door


def _act(action: str) -> Door:
    """The act through its workflow function, tried for real and rolled back; refused by the
    table (not this person, not this stage) or let through (a refusal after the table, such as
    the construction period not being over yet, counts as through)."""

    def door(client, programme, user):
        # A fresh copy each time: a successful act moves the caller's instance along.
        programme = ConstructionProgramme.objects.select_related(
            "application__park__province").get(pk=programme.pk)
        offered = action in {t.action for t in
                             workflow.available_programme_actions(user, programme)}
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


DOORS: dict[str, Door] = {
    "view_programme": _page("programme_detail"),
    "view_acceptance": _page("acceptance_detail"),
    **{action: _act(action) for action in workflow.PROGRAMME_TRANSITIONS},
}


def programme_permissions() -> list[str]:
    return sorted(k for k, p in permissions.PERMISSIONS.items()
                  if p.subject == permissions.Subject.PROGRAMME)


def test_every_programme_permission_has_a_written_policy_and_a_door():
    assert sorted(POLICY) == programme_permissions()
    assert sorted(DOORS) == programme_permissions()


def test_every_programme_permission_answers_every_person_in_every_stage(client, cast):
    programme = approved_programme(cast)
    people = {actor: getattr(cast, actor) for actor in ACTORS}
    failures: list[str] = []
    for stage in STAGES:
        # Arranged directly: the rules must hold in every stage, however it was reached.
        ConstructionProgramme.objects.filter(pk=programme.pk).update(stage=stage)
        current = ConstructionProgramme.objects.select_related(
            "application__park__province").get(pk=programme.pk)
        for key in programme_permissions():
            policy = grid(POLICY[key])
            for actor, user in people.items():
                expected = stage in policy[actor]
                if permissions.may(user, key, current) != expected:
                    failures.append(f"table: {key} for {actor} in {stage} should be {expected}")
                through = DOORS[key](client, current, user)
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
