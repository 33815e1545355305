"""A transition's effects are listed in its row of the table, written with its event, and never
lost or doubled: the broker failing at commit delays them until the sweep, a lost message is sent
again, and a second run does nothing. (tests/services covers the same with a real Redis.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.urls import reverse
from kombu.exceptions import OperationalError

from applications import effects, letters, outbox, tasks, workflow
from applications.models import (
    EffectStatus,
    Letter,
    LetterStatus,
    PendingEffect,
    Status,
    Submission,
)

pytestmark = pytest.mark.django_db

REFUSED = "Error 111 connecting to 127.0.0.1:6379. Connection refused."


def _owed(event) -> list[PendingEffect]:
    return list(PendingEffect.objects.filter(Q(event=event) | Q(letter__event=event)))


def _letter_files() -> list[Path]:
    root = Path(settings.PRIVATE_STORAGE_ROOT) / letters.LETTER_DIR
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _settled(application):
    """The drive to the decision ran inside the test's transaction, so its own letters and mail
    are still owed: produce them first, so that what follows is the decision's alone."""
    tasks.run_due_here()
    mail.outbox.clear()
    return application


def _broker_down(*args, **kwargs):
    raise OperationalError(REFUSED)


def test_every_transition_lists_its_effects_by_names_the_door_knows():
    for transition in workflow.TRANSITIONS.values():
        assert "notify" in transition.effects, transition.action
        assert set(transition.effects) <= set(effects.EFFECTS), transition.action
        # A letter exactly for the decisions that have a kind of letter.
        assert ("issue_letter" in transition.effects) == (
            transition.action in letters.KIND_BY_ACTION
        ), transition.action
    assert workflow.TRANSITIONS["submit"].effects == ("copy_indicators", "notify")
    assert workflow.TRANSITIONS["approve"].effects == ("issue_letter", "notify", "open_programme")


def test_nothing_hangs_off_a_transition_or_a_submission_by_a_signal():
    assert not hasattr(workflow, "application_transitioned")
    assert not post_save.has_listeners(Submission)


def test_submitting_copies_the_indicators_in_the_same_transaction(cast, submitted_with_energy):
    application = submitted_with_energy(status="submitted")
    application.refresh_from_db()
    assert application.tier and application.intensity is not None


def test_approving_writes_the_letter_and_the_owed_work_with_the_event(cast, submitted_with_energy):
    application = submitted_with_energy()
    event = workflow.approve(cast.national, application, "同意纳入建设名单")
    # The test's transaction has not committed: nothing was handed to the broker yet.
    letter = Letter.objects.get(event=event)
    assert letter.kind == "assessment" and letter.status == LetterStatus.PENDING
    owed = sorted((e.kind, e.event_id, e.letter_id) for e in _owed(event))
    assert owed == [
        ("notify", event.pk, None),
        ("open_programme", event.pk, None),
        ("render_letter", None, letter.pk),
    ]
    assert all(e.status == EffectStatus.PENDING and e.dispatched_at is None for e in _owed(event))
    assert mail.outbox == []


def test_a_decision_rolled_back_leaves_no_letter_and_owes_nothing(cast, submitted_with_energy):
    application = submitted_with_energy()
    letters_before, owed_before = Letter.objects.count(), PendingEffect.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.approve(cast.national, application, "同意")
        raise RuntimeError("the request failed after the decision")
    application.refresh_from_db()
    assert application.status == Status.UNDER_NATIONAL_REVIEW
    assert Letter.objects.count() == letters_before
    assert PendingEffect.objects.count() == owed_before


# Committed for real, as a request is: the hand-over runs before the view answers.
@pytest.mark.django_db(transaction=True)
def test_a_decision_whose_dispatch_raises_succeeds_and_its_letter_and_mail_follow_once(
    client, cast, submitted_with_energy, monkeypatch
):
    application = _settled(submitted_with_energy())
    monkeypatch.setattr(tasks.run_effect, "delay", _broker_down)
    client.force_login(cast.national)
    response = client.post(
        reverse("review_decide", args=[application.pk, "approve"]),
        {"comment": "同意纳入建设名单", "confirmed_act": "1"},
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "正式文书和通知邮件暂时无法排队，系统将自动补发" in page
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    event = application.events.get(action="approve")
    letter = Letter.objects.get(event=event)
    assert letter.status == LetterStatus.PENDING and not letter.file
    # The letter's rendering, the mail and the opening of the construction programme.
    assert all(e.dispatched_at is None for e in _owed(event)) and len(_owed(event)) == 3
    assert mail.outbox == []

    monkeypatch.undo()  # the broker is back
    call_command("sweep_effects")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.READY
    files = _letter_files()
    assert (Path(settings.PRIVATE_STORAGE_ROOT) / letter.file) in files
    assert {e.status for e in _owed(event)} == {EffectStatus.DONE}
    sent = [(m.subject, tuple(m.to)) for m in mail.outbox]
    assert sent and all(cast.applicant_a.email in to for _subject, to in sent)

    # Sweeping again, queued or here, issues nothing twice.
    call_command("sweep_effects")
    call_command("sweep_effects", "--here")
    assert Letter.objects.filter(event=event).count() == 1 and _letter_files() == files
    assert [(m.subject, tuple(m.to)) for m in mail.outbox] == sent


# Committed for real, as a request is: the hand-over runs before the view answers.
@pytest.mark.django_db(transaction=True)
def test_a_transition_with_no_letter_says_only_the_mail_will_follow(
    client, cast, submitted_with_energy, monkeypatch
):
    application = submitted_with_energy(status="recommended")
    monkeypatch.setattr(tasks.run_effect, "delay", _broker_down)
    client.force_login(cast.national)
    response = client.post(
        reverse("application_transition", args=[application.pk, "start_national_review"]),
        {"confirmed_act": "1"},
        follow=True,
    )
    page = response.content.decode()
    assert "“开始国家级评审”已保存。通知邮件暂时无法排队，系统将自动补发" in page
    assert "正式文书和通知邮件暂时无法排队" not in page


# Committed for real, as a request is: the hand-over runs before the view answers.
@pytest.mark.django_db(transaction=True)
def test_a_decision_queued_normally_says_nothing_about_delays(client, cast, submitted_with_energy):
    application = submitted_with_energy()
    client.force_login(cast.national)
    response = client.post(
        reverse("review_decide", args=[application.pk, "approve"]),
        {"comment": "同意", "confirmed_act": "1"},
        follow=True,
    )
    assert "暂时无法排队" not in response.content.decode()
    assert application.letters.get(kind="assessment").is_ready


def test_a_letter_whose_message_was_lost_is_rendered_by_the_sweep(
    cast, submitted_with_energy, django_capture_on_commit_callbacks, monkeypatch, settings
):
    application = _settled(submitted_with_energy())
    # The broker takes the message and loses it (restarted empty, or the worker killed -9).
    monkeypatch.setattr(tasks.run_effect, "delay", lambda *args, **kwargs: None)
    with django_capture_on_commit_callbacks(execute=True):
        event = workflow.approve(cast.national, application, "同意")
    letter = Letter.objects.get(event=event)
    assert letter.get_status_display() == "生成中"
    assert all(e.dispatched_at is not None for e in _owed(event))
    monkeypatch.undo()

    assert tasks.sweep() == []  # handed over just now: not yet taken as lost
    settings.ZCP_EFFECT_RETRY_SECONDS = 0
    files_before = _letter_files()
    assert len(tasks.sweep()) == 3
    letter.refresh_from_db()
    assert letter.status == LetterStatus.READY and len(_letter_files()) == len(files_before) + 1
    assert len(mail.outbox) >= 1


def test_a_pending_letter_that_owes_no_rendering_gets_one_from_the_sweep(
    cast, submitted_with_energy
):
    application = _settled(submitted_with_energy())
    event = workflow.approve(cast.national, application, "同意")
    letter = Letter.objects.get(event=event)
    PendingEffect.objects.filter(letter=letter).delete()  # e.g. queued before the outbox existed
    tasks.sweep()
    letter.refresh_from_db()
    assert letter.status == LetterStatus.READY
    assert PendingEffect.objects.filter(letter=letter, status=EffectStatus.DONE).count() == 1


def test_an_effect_run_twice_renders_one_file_and_sends_each_mail_once(cast, submitted_with_energy):
    application = _settled(submitted_with_energy())
    event = workflow.approve(cast.national, application, "同意")
    owed = _owed(event)
    assert [outbox.run(e.pk, tasks.HANDLERS) for e in owed] == ["done", "done", "done"]
    first = [(m.subject, tuple(m.to)) for m in mail.outbox]
    files = _letter_files()
    assert [outbox.run(e.pk, tasks.HANDLERS) for e in owed] == ["skipped"] * 3
    assert [(m.subject, tuple(m.to)) for m in mail.outbox] == first and first
    assert _letter_files() == files


def test_a_mail_that_fails_is_retried_and_given_up_only_after_its_attempts(
    cast, submitted_with_energy, monkeypatch
):
    application = _settled(submitted_with_energy())
    event = workflow.approve(cast.national, application, "同意")
    notify = PendingEffect.objects.get(event=event, kind="notify")

    def smtp_down(effect):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(
        tasks, "HANDLERS", {**tasks.HANDLERS, "notify": outbox.Handler(smtp_down, 2)}
    )
    with pytest.raises(outbox.AttemptFailed) as first:
        outbox.run(notify.pk, tasks.HANDLERS)
    assert not first.value.final
    notify.refresh_from_db()
    assert notify.status == EffectStatus.PENDING and notify.attempts == 1
    assert "smtp down" in notify.error
    with pytest.raises(outbox.AttemptFailed) as second:
        outbox.run(notify.pk, tasks.HANDLERS)
    assert second.value.final
    notify.refresh_from_db()
    assert notify.status == EffectStatus.FAILED and notify.attempts == 2
    assert outbox.due() == [e.pk for e in _owed(event) if e.kind != "notify"]


def test_with_the_broker_still_down_sweep_effects_here_issues_the_letter_and_mail_itself(
    cast, submitted_with_energy, django_capture_on_commit_callbacks, monkeypatch
):
    application = _settled(submitted_with_energy())
    monkeypatch.setattr(tasks.run_effect, "delay", _broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        event = workflow.approve(cast.national, application, "同意")
    assert mail.outbox == []

    call_command("sweep_effects")  # queueing still fails: nothing done, nothing lost
    assert {e.status for e in _owed(event)} == {EffectStatus.PENDING}
    call_command("sweep_effects", "--here")

    assert Letter.objects.get(event=event).is_ready
    assert {e.status for e in _owed(event)} == {EffectStatus.DONE}
    assert mail.outbox and all(cast.applicant_a.email in m.to for m in mail.outbox)


def test_beat_sweeps_the_outbox_every_minute_with_a_task_the_workers_know():
    entry = settings.CELERY_BEAT_SCHEDULE["applications-sweep-effects"]
    assert entry["task"] == tasks.sweep_effects.name and entry["schedule"] <= 60
