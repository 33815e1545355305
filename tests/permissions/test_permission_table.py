"""The permission table, held to the policy written down here, through the real doors.

POLICY is the rule book in plain sight: for each permission on an application, who may, in which
state (a grid: one row per person, one column per state, x = may). ROLE_POLICY says which roles
hold the permissions that concern no single application (queues, menu entries).

The tests are generated from the table (applications/permissions.py): every permission of it must
have a line of policy and a door here, and for every permission × person × state they assert
1. that the table answers as the policy says (`may`), and
2. that the door answers the same: the HTTP route or the workflow or review service that the
   views call, tried for real and rolled back.
Loosening a rule of the table ("national reviewers may score in any state", "experts may decide")
makes the first fail; a door that stops asking the table makes the second fail.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications import (
    book_pdf,
    letter_content,
    letters,
    permissions,
    recommendations,
    reviews,
    rubric,
    workflow,
)
from applications.models import (
    Application,
    AssignmentKind,
    Batch,
    BatchClosure,
    CommentVisibility,
    DeadlineChange,
    Letter,
    LetterStatus,
    ReviewAssignment,
    ReviewComment,
    ReviewScore,
    Role,
    User,
)
from tests.applications.builders import (
    PDF_BYTES,
    answer_return,
    complete_application,
    drive_to,
    open_batch,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The columns of the grids. "returned_by_ndrc" is a returned application that NDRC had before it
# (the province's own return is "returned"): NDRC keeps seeing it.
STATES = (
    "draft",
    "submitted",
    "returned",
    "returned_by_ndrc",
    "recommended",
    "not_recommended",
    "under_national_review",
    "approved",
    "rejected",
)
# The people: A's applicant and B's (same province), A's province and another one, a national
# reviewer, the expert assigned to the application (who declared no conflict of interest), one
# assigned who has not declared yet, one who is not assigned, an administrator.
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

#                  draft sub ret retN rec notR under appr rej
_SEES = """
    applicant_a      x    x   x   x    x   x    x     x    x
    provincial_a     .    x   x   x    x   x    x     x    x
    national         .    .   .   x    x   .    x     x    x
    expert           .    x   x   x    x   x    x     x    x
    admin            x    x   x   x    x   x    x     x    x
"""
_REVIEW_MATERIAL = """
    provincial_a     .    x   x   x    x   x    x     x    x
    national         .    .   .   x    x   .    x     x    x
    expert           .    x   x   x    x   x    x     x    x
    admin            x    x   x   x    x   x    x     x    x
"""
# The expert who has not declared opens the review page, which shows only the declaration.
_UNDECLARED = """
    expert_new       .    x   x   x    x   x    x     x    x
"""
_REVIEW_PAGE = _REVIEW_MATERIAL + _UNDECLARED.strip("\n")
_PARK_EDITS = """
    applicant_a      x    .   x   x    .   .    .     .    .
"""
_SCORE = """
    provincial_a     .    x   .   .    .   .    .     .    .
    national         .    .   .   .    x   .    x     .    .
    expert           .    .   .   .    x   .    x     .    .
"""
# Persons not listed may not, in any state.
POLICY: dict[str, str] = {
    "view_application": _SEES,
    "download_letter": _SEES,
    "download_dossier": _SEES,
    "download_book": _SEES,
    "edit_application": _PARK_EDITS,
    "submit": _PARK_EDITS,
    "return_for_revision": """
    provincial_a     .    x   .   .    .   .    .     .    .
    national         .    .   .   .    x   .    x     .    .
    """,
    # The step of the province's act, for each of its parks (the act's own tests).
    "recommend": """
    provincial_a     .    x   .   .    .   .    .     .    .
    """,
    # One park on its own: only again, resubmitted after NDRC returned it, a state none of
    # these columns is (tests/applications/test_province_recommendation.py tries it).
    "recommend_again": "",
    "not_recommend": """
    provincial_a     .    x   .   .    .   .    .     .    .
    """,
    "start_national_review": """
    national         .    .   .   .    x   .    .     .    .
    """,
    "approve": """
    national         .    .   .   .    .   .    x     .    .
    """,
    "reject": """
    national         .    .   .   .    .   .    x     .    .
    """,
    "open_review": _REVIEW_PAGE,
    "score": _SCORE,
    "comment": _SCORE,
    "comment_to_park": """
    provincial_a     .    x   .   .    .   .    .     .    .
    national         .    .   .   .    x   .    x     .    .
    """,
    "declare_conflict": _UNDECLARED,
    "assign": """
    national         .    .   .   x    x   .    x     x    x
    admin            x    x   x   x    x   x    x     x    x
    """,
    "read_province_material": _REVIEW_MATERIAL,
    "read_ndrc_material": """
    national         .    .   .   x    x   .    x     x    x
    expert           .    x   x   x    x   x    x     x    x
    admin            x    x   x   x    x   x    x     x    x
    """,
    "retry_letter": """
    provincial_a     .    x   x   x    x   x    x     x    x
    national         .    .   .   x    x   .    x     x    x
    admin            x    x   x   x    x   x    x     x    x
    """,
    "reissue_letter": """
    national         .    .   .   x    x   .    x     x    x
    admin            x    x   x   x    x   x    x     x    x
    """,
    # A provincial DRC's letter: that province alone, never NDRC in the province's name.
    "reissue_provincial_letter": """
    provincial_a     .    x   x   x    x   x    x     x    x
    """,
}

ROLE_POLICY: dict[str, set[str]] = {
    "workbench": {Role.APPLICANT, Role.PROVINCIAL, Role.NATIONAL, Role.EXPERT, Role.ADMIN},
    "read_inbox": {Role.APPLICANT, Role.PROVINCIAL, Role.NATIONAL, Role.EXPERT, Role.ADMIN},
    "list_applications": {Role.APPLICANT, Role.PROVINCIAL, Role.NATIONAL, Role.EXPERT, Role.ADMIN},
    "start_application": {Role.APPLICANT},
    "browse_parks": {Role.PROVINCIAL, Role.NATIONAL, Role.ADMIN},
    "own_park": {Role.APPLICANT},
    "enter_energy_data": {Role.APPLICANT},
    "manage_api_tokens": {Role.APPLICANT},
    "read_api_docs": {Role.APPLICANT, Role.NATIONAL, Role.ADMIN},
    "list_programmes": {Role.APPLICANT, Role.PROVINCIAL, Role.NATIONAL, Role.ADMIN},
    "list_reports": {Role.PROVINCIAL, Role.NATIONAL, Role.ADMIN},
    "queue_provincial": {Role.PROVINCIAL, Role.ADMIN},
    "queue_national": {Role.NATIONAL, Role.ADMIN},
    "queue_mine": {Role.NATIONAL, Role.EXPERT, Role.ADMIN},
    "export_queue": {Role.PROVINCIAL, Role.NATIONAL, Role.ADMIN},
    # The experts' scores side by side: NDRC's internal material.
    "score_table": {Role.NATIONAL, Role.ADMIN},
    "edit_rubric": {Role.NATIONAL, Role.ADMIN},
    # NDRC's workbench: national statistics and the parks' map.
    "national_statistics": {Role.NATIONAL, Role.ADMIN},
    "set_submission_deadline": {Role.PROVINCIAL, Role.ADMIN},
    "recommend_batch": {Role.PROVINCIAL},
    # The construction plans of a recommendation: its province (checked per plan) and NDRC.
    "read_recommendation_plan": {Role.PROVINCIAL, Role.NATIONAL, Role.ADMIN},
    "extend_deadline": {Role.ADMIN},
    # Provincial guidance by province: the provinces (their own) and NDRC (all).
    "list_guidance": {Role.PROVINCIAL, Role.NATIONAL, Role.ADMIN},
    # Closing a batch publishes its construction list: NDRC's decision, like approving.
    "close_batch": {Role.NATIONAL},
    # The acceptances NDRC assigned to the expert.
    "queue_acceptance_mine": {Role.EXPERT},
}


def grid(text: str) -> dict[str, set[str]]:
    """Who may in which states, from a policy grid."""
    allowed = {actor: set() for actor in ACTORS}
    for line in text.strip().splitlines():
        actor, *marks = line.split()
        assert actor in allowed and len(marks) == len(STATES), f"bad policy line: {line!r}"
        allowed[actor] = {state for state, mark in zip(STATES, marks, strict=True) if mark == "x"}
    return allowed


# --- The world of one state ----------------------------------------------------------------------

PROVINCE_NOTE, NDRC_NOTE = "省级内部意见PROVMARK", "国家内部意见NDRCMARK"


@dataclass
class World:
    application: Application
    people: dict[str, User]
    spare_expert: User
    letter: Letter | None  # ready, with its PDF; None where no event issued a letter
    failed_letter: Letter | None
    provincial_letter: Letter | None  # ready, issued by park A's provincial DRC


def _letter(
    application: Application, status: str, n: int, issuer: str = "国家发展和改革委员会"
) -> Letter | None:
    """A letter of the latest event that issues one (None if none did: a draft, a first
    submission, a refusal by the province), its PDF in private storage."""
    event = application.events.filter(action__in=letters.KIND_BY_ACTION).order_by("pk").last()
    if event is None:
        return None
    root = Path(settings.PRIVATE_STORAGE_ROOT) / "letters"
    root.mkdir(parents=True, exist_ok=True)
    name = f"letters/test-{application.pk}-{n}.pdf"
    (Path(settings.PRIVATE_STORAGE_ROOT) / name).write_bytes(PDF_BYTES)
    sequence = 9000 + application.pk * 10 + n
    return Letter.objects.create(
        application=application,
        event=event,
        kind=letters.KIND_BY_ACTION[event.action],
        year=2025,
        sequence=sequence,
        reference=f"零碳评〔2025〕{sequence}号",
        issuer=issuer,
        decision="纳入",
        issued_at=timezone.now(),
        verification_code=f"code-{application.pk}-{n}",
        status=status,
        file=name if status == LetterStatus.READY else "",
    )


@pytest.fixture
def people(cast) -> dict[str, User]:
    """The cast by the names of ACTORS, with a second expert who is assigned to nothing."""
    found = {
        actor: getattr(cast, actor)
        for actor in ACTORS
        if actor not in ("expert_new", "expert_other")
    }
    found["expert_new"] = UserFactory(username="expert_new", role=Role.EXPERT)
    found["expert_other"] = UserFactory(username="expert_other", role=Role.EXPERT)
    found["spare"] = UserFactory(username="expert_spare", role=Role.EXPERT)
    return found


def build_world(cast, people: dict[str, User], state: str, batch: str = "2025年第一批") -> World:
    application = complete_application(cast.park_a, cast.applicant_a, open_batch(batch))
    if state == "returned_by_ndrc":
        drive_to(application, "recommended", cast)
        workflow.return_for_revision(cast.national, application, "请补充核算材料")
    else:
        drive_to(application, state, cast)
    if state.startswith("returned"):  # answered, so that the park may resubmit (整改说明)
        answer_return(application)
    application = Application.objects.select_related("park__province", "batch").get(
        pk=application.pk
    )
    # Arranged directly, in every state (a draft too): the rules must hold whatever exists.
    ReviewAssignment.objects.create(
        application=application,
        assignee=cast.expert,
        kind=AssignmentKind.EXPERT,
        assigned_by=cast.national,
        declared_at=timezone.now(),
    )
    ReviewAssignment.objects.create(
        application=application,
        assignee=people["expert_new"],
        kind=AssignmentKind.EXPERT,
        assigned_by=cast.national,
    )
    ReviewComment.objects.create(
        application=application,
        author=cast.provincial_a,
        text=PROVINCE_NOTE,
        visibility=CommentVisibility.INTERNAL,
    )
    ReviewComment.objects.create(
        application=application,
        author=cast.expert,
        text=NDRC_NOTE,
        visibility=CommentVisibility.INTERNAL,
    )
    criteria = rubric.default_criteria()
    for reviewer in (cast.provincial_a, cast.expert):
        ReviewScore.objects.create(
            application=application,
            reviewer=reviewer,
            submission_number=application.submission_count,
            criteria=[c.as_stored() for c in criteria],
            values={c.key: 50 for c in criteria},
            weighted_total=Decimal("50.00"),
        )
    return World(
        application=application,
        people=people,
        spare_expert=people["spare"],
        letter=_letter(application, LetterStatus.READY, 1),
        failed_letter=_letter(application, LetterStatus.FAILED, 2),
        provincial_letter=_letter(
            application,
            LetterStatus.READY,
            3,
            letter_content.provincial_issuer(cast.park_a.province.name_zh),
        ),
    )


@contextmanager
def undone() -> Iterator[None]:
    """Try a door for real, then leave the world as it was for the next person."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def fresh(world: World) -> Application:
    return Application.objects.select_related("park__province", "batch").get(
        pk=world.application.pk
    )


# --- The doors -----------------------------------------------------------------------------------
# Each answers whether the person got through (True), was refused (False), or None where the
# state holds nothing to try the door on (no letter before the first decision).


@dataclass
class Page:
    """What one GET answered: its status, its body, and whose score sheets its context held."""

    status: int
    body: bytes
    sheets: set[str]


class Visitor:
    """One person's browser in one state: logged in once, each page fetched once.

    A GET writes nothing that a door asks about, and every door that writes is rolled back
    (`undone`), so the same URL asked by the same person answers the same all through a state:
    the doors that share a page (the application page, the review page and the dossier are both
    their own permission's door and where `_shown` looks for the internal material) read the one
    response.
    """

    def __init__(self, user: User):
        self.user = user
        self.client = Client()
        self.client.force_login(user)
        self.pages: dict[str, Page] = {}

    def get(self, url: str) -> Page:
        if url not in self.pages:
            response = self.client.get(url)
            streamed = response.streaming  # the dossier and the letters are streamed
            body = b"".join(response.streaming_content) if streamed else response.content
            sheets: set[str] = set()
            if response.status_code == 200 and "summaries" in (response.context or {}):
                sheets = {
                    s.reviewer.username
                    for _title, summary in response.context["summaries"]
                    for s in summary.sheets
                }
            self.pages[url] = Page(response.status_code, body, sheets)
        return self.pages[url]


Door = Callable[[Visitor, World, User], bool | None]


def _get(visitor: Visitor, url: str) -> int:
    return visitor.get(url).status


def _page_status(url_name: str, **extra) -> Door:
    def door(visitor, world, user):
        status = _get(visitor, reverse(url_name, kwargs={"pk": world.application.pk, **extra}))
        assert status in (200, 403, 404), f"{url_name}: {status}"
        return status == 200

    return door


def _transition(action: str) -> Door:
    def door(visitor, world, user):
        application = fresh(world)
        offered = action in {t.action for t in workflow.available_actions(user, application)}
        with undone():
            try:
                if action == "submit":
                    workflow.submit(user, application, declaration=workflow.DECLARATION)
                else:
                    workflow.perform(action, user, application, comment="意见")
                made = True
            except (workflow.NotAllowed, workflow.WrongState):
                made = False
        assert offered == made, f"{action}: offered on the page={offered}, made={made}"
        return made

    return door


def _step(call: Callable[[User, Application], object]) -> Door:
    """A workflow step that no page offers on its own (the province's act makes it)."""

    def door(visitor, world, user):
        with undone():
            try:
                call(user, fresh(world))
            except (workflow.NotAllowed, workflow.WrongState):
                return False
        return True

    return door


def _service(call: Callable[[User, Application, World], object]) -> Door:
    def door(visitor, world, user):
        with undone():
            try:
                call(user, fresh(world), world)
            except reviews.ReviewError:
                return False
        return True

    return door


def _shown(visitor: Visitor, world: World) -> tuple[set[str], set[str]]:
    """Which internal notes and whose score sheets this person gets to read, on every page that
    could show them: the review page, the application page and the dossier."""
    notes: set[str] = set()
    sheets: set[str] = set()
    pk = world.application.pk
    for url in (reverse("review_detail", args=[pk]), reverse("application_detail", args=[pk])):
        page = visitor.get(url)
        body = page.body.decode()
        notes |= {note for note in (PROVINCE_NOTE, NDRC_NOTE) if note in body}
        sheets |= page.sheets
    page = visitor.get(reverse("application_dossier", args=[pk]))
    if page.status == 200:
        archive = zipfile.ZipFile(io.BytesIO(page.body))
        dossier = json.loads(archive.read("reviews.json"))
        notes |= {c["text"] for c in dossier["comments"]} & {PROVINCE_NOTE, NDRC_NOTE}
        sheets |= {s["reviewer"] for s in dossier.get("scores", [])}
    return notes, sheets


def _reads(note: str, author: str) -> Door:
    def door(visitor, world, user):
        notes, sheets = _shown(visitor, world)
        assert (note in notes) == (author in sheets), (
            f"the {author} side's comment and score sheet are shown to different people"
        )
        return note in notes

    return door


def _letter_post(url_name: str, which: str, changed: Callable[[Letter], bool]) -> Door:
    def door(visitor, world, user):
        letter = getattr(world, which)
        if letter is None:
            return None
        with undone():
            visitor.client.post(
                reverse(url_name, args=[world.application.pk, letter.pk]),
                {"confirmed_act": "1", "reason": "更正"},
            )
            return changed(letter)

    return door


def _download_letter(visitor, world, user):
    if world.letter is None:
        return None
    return (
        _get(visitor, reverse("letter_download", args=[world.application.pk, world.letter.pk]))
        == 200
    )


DOORS: dict[str, Door] = {
    "view_application": _page_status("application_detail"),
    "edit_application": _page_status("application_section", key="basic"),
    "submit": _transition("submit"),
    "return_for_revision": _transition("return_for_revision"),
    "recommend": _step(workflow.recommend),
    "recommend_again": _transition("recommend"),
    "not_recommend": _transition("not_recommend"),
    "start_national_review": _transition("start_national_review"),
    "approve": _transition("approve"),
    "reject": _transition("reject"),
    "open_review": _page_status("review_detail"),
    "score": _service(
        lambda user, app, w: reviews.save_score(
            user,
            app,
            {
                "representativeness": 80,
                "demonstration": 80,
                "reduction_potential": 80,
                "feasibility": 80,
            },
        )
    ),
    "comment": _service(lambda user, app, w: reviews.add_comment(user, app, "内部", "internal")),
    "comment_to_park": _service(
        lambda user, app, w: reviews.add_comment(user, app, "公开", "public")
    ),
    "declare_conflict": _service(lambda user, app, w: reviews.declare_no_conflict(user, app)),
    "assign": _service(lambda user, app, w: reviews.assign(user, app, w.spare_expert)),
    "read_province_material": _reads(PROVINCE_NOTE, "prov_js"),
    "read_ndrc_material": _reads(NDRC_NOTE, "expert_a"),
    "download_letter": _download_letter,
    "retry_letter": _letter_post(
        "letter_retry",
        "failed_letter",
        lambda letter: Letter.objects.get(pk=letter.pk).status == LetterStatus.PENDING,
    ),
    "reissue_letter": _letter_post(
        "letter_reissue", "letter", lambda letter: Letter.objects.filter(replaces=letter).exists()
    ),
    "reissue_provincial_letter": _letter_post(
        "letter_reissue",
        "provincial_letter",
        lambda letter: Letter.objects.filter(replaces=letter).exists(),
    ),
    "download_dossier": _page_status("application_dossier"),
    "download_book": _page_status("application_book"),
}


# --- The tests -----------------------------------------------------------------------------------


def application_permissions() -> list[str]:
    """The permissions on an application (those on a construction programme have their own
    grids: tests/permissions/test_programme_permissions.py)."""
    return sorted(
        k
        for k, p in permissions.PERMISSIONS.items()
        if p.on_application and p.subject == permissions.Subject.APPLICATION
    )


def role_permissions() -> list[str]:
    return sorted(k for k, p in permissions.PERMISSIONS.items() if not p.on_application)


def test_every_permission_of_the_table_has_a_written_policy_and_a_door():
    assert sorted(POLICY) == application_permissions()
    assert sorted(DOORS) == application_permissions()
    assert sorted(ROLE_POLICY) == role_permissions()
    for key in permissions.PERMISSIONS:
        assert str(permissions.PERMISSIONS[key].label), f"{key} has no label"


@pytest.mark.parametrize("state", STATES)
def test_every_permission_answers_every_person_in_this_state_as_the_policy_says(
    cast, people, state, monkeypatch
):
    # A draft's book is rendered at every download (a submission's is kept after the first):
    # the persons who may download it in this state get the one rendering of this application.
    rendered: dict[tuple[int, int | None], bytes] = {}
    render = book_pdf.render

    def render_once(application, submission):
        key = (application.pk, submission.pk if submission else None)
        if key not in rendered:
            rendered[key] = render(application, submission)
        return rendered[key]

    monkeypatch.setattr(book_pdf, "render", render_once)
    world = build_world(cast, people, state)
    visitors = {actor: Visitor(world.people[actor]) for actor in ACTORS}
    failures: list[str] = []
    for key in application_permissions():
        policy = grid(POLICY[key])
        for actor in ACTORS:
            user = world.people[actor]
            expected = state in policy[actor]
            if permissions.may(user, key, fresh(world)) != expected:
                failures.append(f"table: {key} for {actor} in {state} should be {expected}")
            through = DOORS[key](visitors[actor], world, user)
            if through is not None and through != expected:
                failures.append(
                    f"door: {key} for {actor} in {state} let through={through}, "
                    f"policy says {expected}"
                )
    assert not failures, "\n".join(failures)


def test_the_list_of_each_permission_is_what_the_table_allows_one_by_one(cast, people):
    """`permitted` (lists, queues, the API) and `may` (one application) never disagree."""
    worlds = [
        build_world(cast, people, state, batch=f"2025年第{n}批")
        for n, state in enumerate(("submitted", "returned_by_ndrc", "approved"), start=1)
    ]
    for key in application_permissions():
        for actor in ACTORS:
            user = people[actor]
            listed = set(permissions.permitted(user, key).values_list("pk", flat=True))
            one_by_one = {w.application.pk for w in worlds if permissions.may(user, key, fresh(w))}
            assert listed == one_by_one, f"{key} for {actor}"


NAV_KEYS = {
    "workbench": "home",
    "list_applications": "applications",
    "browse_parks": "parks",
    "own_park": "my_park",
    "enter_energy_data": "energy",
    "manage_api_tokens": "api_tokens",
    "read_api_docs": "api_docs",
    "list_programmes": "programmes",
    "list_reports": "reports",
    "list_guidance": "guidance",
    "queue_provincial": "review_provincial",
    "queue_national": "review_national",
    "queue_mine": "review_mine",
    "score_table": "score_table",
    "set_submission_deadline": "deadlines",
    "queue_acceptance_mine": "acceptance_mine",
}
QUEUE_URLS = {
    "queue_provincial": "review_queue_provincial",
    "queue_national": "review_queue_national",
    "queue_mine": "review_queue_mine",
    "queue_acceptance_mine": "acceptance_queue_mine",
}


def test_every_role_permission_answers_every_role_as_the_policy_says(client, cast):
    import re

    open_batch()
    # A construction plan of province A's recommendation (park B's application: park A's stays
    # without one, for the start door).
    plan_batch = open_batch("2025年方案批次")
    planned = drive_to(
        complete_application(cast.park_b, cast.applicant_b, plan_batch), "submitted", cast
    )
    plan = recommendations.attach_plan(
        cast.provincial_a,
        recommendations.for_user(cast.provincial_a, plan_batch),
        planned.pk,
        name="方案.pdf",
        content=PDF_BYTES,
    )
    people = {
        Role.APPLICANT: cast.applicant_a,
        Role.PROVINCIAL: cast.provincial_a,
        Role.NATIONAL: cast.national,
        Role.EXPERT: cast.expert,
        Role.ADMIN: cast.admin,
    }
    failures: list[str] = []
    for role, user in people.items():
        client.force_login(user)
        nav = set(re.findall(r'data-nav="([a-z_]+)"', client.get(reverse("home")).content.decode()))
        exports = {
            client.get(reverse("review_queue_export", args=[queue, "csv"])).status_code
            for queue in ("provincial", "national", "mine")
        }
        with undone():
            client.post(reverse("application_start"), {"batch": open_batch().pk})
            started = Application.objects.filter(park=cast.park_a).exists()
        for key in role_permissions():
            expected = role in ROLE_POLICY[key]
            if permissions.may(user, key) != expected:
                failures.append(f"table: {key} for {role} should be {expected}")
            doors = []
            if key in NAV_KEYS:
                doors.append(("menu", NAV_KEYS[key] in nav))
            if key in QUEUE_URLS:
                doors.append(("queue", client.get(reverse(QUEUE_URLS[key])).status_code == 200))
            if key == "export_queue":
                doors.append(("export", 200 in exports))
            if key == "start_application":
                doors.append(("start", started))
            if key == "national_statistics":
                page = client.get(reverse("workbench_map")).status_code
                doors.append(("workbench map", page == 200))
            if key == "set_submission_deadline":
                page = client.get(reverse("deadlines")).status_code
                doors.append(("deadlines page", page == 200))
            if key == "recommend_batch":
                with undone():
                    page = client.get(
                        reverse("province_recommendation", args=[open_batch().pk])
                    ).status_code
                doors.append(("recommendation page", page == 200))
            if key == "extend_deadline":
                with undone():
                    client.post(
                        reverse("deadlines"),
                        {
                            "batch": open_batch().pk,
                            "kind": "recommendation",
                            "reason": "延期",
                            "value": (open_batch().deadline + timedelta(days=1)).strftime(
                                "%Y-%m-%dT%H:%M"
                            ),
                        },
                    )
                    extended = DeadlineChange.objects.exists()
                doors.append(("extend", extended))
            if key == "close_batch":
                with undone():
                    batch = open_batch("2024年已截止批次")
                    Batch.objects.filter(pk=batch.pk).update(
                        deadline=timezone.now() - timedelta(days=1)
                    )
                    client.post(reverse("batch_close", args=[batch.pk]), {"confirmed_act": "1"})
                    closed = BatchClosure.objects.exists()
                doors.append(("close batch", closed))
            if key == "own_park":
                doors.append(
                    ("my park", client.get(reverse("my_park"))["Location"] != reverse("park_list"))
                )
            if key == "manage_api_tokens":
                doors.append(("tokens", client.get(reverse("api_tokens_mine")).status_code == 302))
            if key == "edit_rubric":
                page = client.get(reverse("batch_rubric", args=[open_batch().pk])).status_code
                doors.append(("rubric page", page == 200))
            if key == "read_recommendation_plan":
                page = client.get(reverse("recommendation_plan", args=[plan.pk])).status_code
                doors.append(("construction plan", page == 200))
            if key == "read_inbox":
                doors.append(("inbox", client.get(reverse("inbox")).status_code == 200))
            assert doors, f"{key} has no door in this test"
            failures += [
                f"door: {key} ({name}) for {role} let through={got}, policy says {expected}"
                for name, got in doors
                if got != expected
            ]
    assert not failures, "\n".join(failures)


def test_an_expert_assigned_as_a_reviewer_or_a_reviewer_as_an_expert_is_refused(cast):
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()),
        "under_national_review",
        cast,
    )
    with pytest.raises(reviews.ReviewError, match="类型"):
        reviews.assign(cast.national, application, cast.expert, AssignmentKind.REVIEWER)
    with pytest.raises(reviews.ReviewError, match="类型"):
        reviews.assign(cast.national, application, cast.national, AssignmentKind.EXPERT)
    assert not ReviewAssignment.objects.exists()
    assert reviews.assign(cast.national, application, cast.expert).kind == AssignmentKind.EXPERT


def test_an_experts_comment_never_goes_to_the_park_directly(cast):
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()),
        "under_national_review",
        cast,
    )
    reviews.assign(cast.national, application, cast.expert)
    reviews.declare_no_conflict(cast.expert, application)
    with pytest.raises(reviews.ReviewError, match="可见范围"):
        reviews.add_comment(cast.expert, application, "给园区的话", "public")
    assert not ReviewComment.objects.filter(visibility="public").exists()
    reviews.add_comment(cast.expert, application, "内部意见", "internal")
    assert ReviewComment.objects.get().author == cast.expert


def test_letters_reissue_is_refused_to_the_expert_through_the_service(cast):
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), "approved", cast
    )
    reviews.assign(cast.national, application, cast.expert)
    letter = _letter(application, LetterStatus.READY, 7)
    with pytest.raises(letters.LetterError):
        letters.reissue(cast.expert, letter, "更正")
    assert not Letter.objects.filter(replaces=letter).exists()
