"""The world the access matrix walks: park A's objects in every shape a URL can point at.

Park A (province 32) has an approved application with its letters, a submitted one, and a draft
with an incident and evidence; energy data with a calculation run; an API token. Everyone in the
cast then tries every URL on A's objects.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import TestCase, override_settings
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounting.models import CalculationRun, ParkYear
from applications import (
    acceptance_experts,
    guidance,
    progress,
    recommendations,
    reviews,
    services,
    workflow,
)
from applications import programme as programmes
from applications.kernel import tokens
from applications.models import (
    ApiToken,
    Application,
    Batch,
    ConstructionProgramme,
    GuidanceProblem,
    InboxItem,
    Incident,
    Letter,
    ProgressReport,
    ReviewAssignment,
    Role,
    SecurityKey,
    User,
)
from tests.applications.builders import PDF_BYTES, complete_application, drive_to, open_batch
from tests.conftest import Cast, make_cast
from tests.factories import UserFactory
from tests.reviews.conftest import add_energy_data


@dataclass
class World:
    approved: Application
    submitted: Application
    draft: Application
    returned: Application  # returned by the province: the park answers its comments
    incident: Incident
    attachment_id: int
    letter: Letter | None
    assignment: ReviewAssignment
    park_year: ParkYear
    run: CalculationRun
    token: ApiToken
    expert: object
    reset_uid: str
    reset_token: str
    programme: ConstructionProgramme | None = None
    report: ProgressReport | None = None  # the park's draft report of 2025
    problem: GuidanceProblem | None = None  # raised by A's province at a guidance visit
    closable: Batch | None = None  # past the provinces' date, nothing awaiting NDRC
    # Another approved application of park A whose programme is in evaluation and acceptance,
    # with the cast's expert assigned to it (declared no conflict).
    accepting: ConstructionProgramme | None = None
    inbox_item: InboxItem | None = None  # A's applicant's one unread notice
    security_key: SecurityKey | None = None  # the national reviewer's, beside the matrix's TOTP
    # The construction plan province A uploaded for the submitted application (its draft act).
    plan_id: int | None = None


def build_world(cast) -> World:
    park, applicant = cast.park_a, cast.applicant_a
    first, second, third = (open_batch(f"2025年第{n}批") for n in ("一", "二", "三"))
    add_energy_data(park, first.year - 1)
    approved = drive_to(complete_application(park, applicant, first), "approved", cast)
    submitted = drive_to(complete_application(park, applicant, second), "submitted", cast)
    draft = complete_application(park, applicant, third)
    returned = drive_to(
        complete_application(park, applicant, open_batch("2025年退回修改批")), "returned", cast
    )
    incident = Incident.objects.create(
        application=draft,
        occurred_on="2024-03-01",
        kind="safety",
        severity="general",
        description="轻微设备故障",
    )
    attachment = services.add_attachment(
        draft, applicant, name="extra.pdf", content=PDF_BYTES, title="补充材料", section="other"
    )
    assignment = reviews.assign(cast.national, approved, cast.national)
    reviews.assign(cast.national, approved, cast.expert)
    reviews.declare_no_conflict(cast.expert, approved)
    accepted = drive_to(
        complete_application(park, applicant, open_batch("2025年验收批")), "approved", cast
    )
    accepting = programmes.open_for(accepted)  # as the approval's effect does, after commit
    workflow.request_self_assessment(applicant, accepting)
    workflow.put_forward(
        cast.provincial_a, accepting, year=2025, report="自评估报告", override_reason="理由"
    )
    acceptance_experts.assign(cast.national, accepting, cast.expert)
    acceptance_experts.declare_no_conflict(cast.expert, accepting)
    expert = UserFactory(username="expert", role=Role.EXPERT)  # not yet assigned
    park_year = ParkYear.objects.get(park=park, year=first.year - 1)
    issued = tokens.issue_token(applicant, park, "能碳平台")
    recommendation = recommendations.for_user(cast.provincial_a, second)
    plan = recommendations.attach_plan(
        cast.provincial_a, recommendation, submitted.pk, name="建设方案.pdf", content=PDF_BYTES
    )
    return World(
        approved=approved,
        submitted=submitted,
        draft=draft,
        returned=returned,
        incident=incident,
        attachment_id=attachment.pk,
        letter=None,  # rendered after commit: see finish_world
        assignment=assignment,
        park_year=park_year,
        run=CalculationRun.objects.filter(park_year=park_year).latest("pk"),
        token=issued.token,
        expert=expert,
        reset_uid=urlsafe_base64_encode(force_bytes(applicant.pk)),
        reset_token=default_token_generator.make_token(applicant),
        accepting=accepting,
        plan_id=plan.pk,
    )


def finish_world(world: World) -> World:
    """After the on-commit callbacks ran: the assessment letter exists and is rendered."""
    world.letter = world.approved.letters.get(kind="assessment")
    # Opened by the approval's effect, after commit.
    world.programme = ConstructionProgramme.objects.get(application=world.approved)
    applicant = world.approved.park.members.filter(role=Role.APPLICANT).first()
    world.report = progress.start(applicant, world.programme, 2025)
    # Everything the drive told people is read; A's applicant has one unread notice.
    InboxItem.objects.update(read_at=timezone.now())
    world.inbox_item = InboxItem.objects.create(
        recipient=applicant, title="通知", body="内容", link="/applications/"
    )
    world.security_key = SecurityKey.objects.create(
        user=User.objects.get(username="national"),
        name="matrix key",
        confirmed=True,
        credential_id="bWF0cml4LWtleQ",
        public_key=b"",
    )
    visit = guidance.record_visit(
        User.objects.get(role=Role.PROVINCIAL, province=world.approved.park.province),
        world.programme,
        visited_on=datetime.date.today(),
        form="on_site",
        participants="省发展改革委",
        content="现场指导",
        problems=["储能项目并网滞后"],
    )
    world.problem = visit.problems.get()
    world.closable = open_batch("2024年已截止批次")
    Batch.objects.filter(pk=world.closable.pk).update(
        deadline=timezone.now() - datetime.timedelta(days=1)
    )
    return world


def sign_in(client, user) -> None:
    """Sign `user` in as the matrix does: with the second factor already given when their role
    needs one (a confirmed TOTP device, named in the session as django-otp's login would)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from applications import two_factor

    client.force_login(user)
    if not two_factor.required_for(user):
        return
    device = TOTPDevice.objects.filter(
        user=user, confirmed=True
    ).first() or TOTPDevice.objects.create(user=user, name="matrix", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@contextmanager
def eager_tasks() -> Iterator[None]:
    """Celery tasks run inline, as the world's letters need them to."""
    from zcparks.celery import app as celery_app

    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = saved


# As in production: national reviewers, experts and administrators need the second factor (sign_in
# gives it); test_no_page_without_the_second_factor walks the site without it.
WORLD_SETTINGS = {"CELERY_TASK_ALWAYS_EAGER": True, "ZCP_TWO_FACTOR_REQUIRED": True}


@pytest.fixture
def world(cast, settings, django_capture_on_commit_callbacks):
    """The world built for the test's own cast (the hostile-parameter walks)."""
    for name, value in WORLD_SETTINGS.items():
        setattr(settings, name, value)
    with eager_tasks():
        with django_capture_on_commit_callbacks(execute=True):
            built = build_world(cast)
        yield finish_world(built)


@dataclass
class BuiltOnce:
    cast: Cast
    world: World
    folder: Path  # where its letters and attachments are stored


def files_settings(folder: Path) -> dict[str, Any]:
    return {"PRIVATE_STORAGE_ROOT": folder / "private", "MEDIA_ROOT": folder / "media"}


@contextmanager
def world_built_once(django_db_blocker, folder: Path, signing_dir) -> Iterator[BuiltOnce]:
    """A cast and its world built once (for a module), inside a transaction that stays open
    while the module's tests run, each in a savepoint of it (as pytest-django's `db` does), and
    is rolled back after the last one; its files are kept in `folder` until then."""
    from applications.models import Province
    from applications.models.people import read_provinces

    with (
        django_db_blocker.unblock(),
        override_settings(
            **WORLD_SETTINGS,
            **files_settings(folder),
            ZCP_SIGNING_DIR=str(signing_dir),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        eager_tasks(),
        transaction.atomic(),
    ):
        if not Province.objects.exists():
            Province.objects.bulk_create(Province(**row) for row in read_provinces())
        cast = make_cast()
        with TestCase.captureOnCommitCallbacks(execute=True):
            built = build_world(cast)
        yield BuiltOnce(cast=cast, world=finish_world(built), folder=folder)
        transaction.set_rollback(True)


@contextmanager
def world_settings(settings, folder: Path) -> Iterator[None]:
    """A test's settings (pytest-django's `settings`) as the world built once was built under."""
    for name, value in {**WORLD_SETTINGS, **files_settings(folder)}.items():
        setattr(settings, name, value)
    with eager_tasks():
        yield
