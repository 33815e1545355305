"""Recalculation: queued after commit, debounced to one task for many edits, safe when the
broker is down (the sweep catches up), failures recorded and shown, old runs kept."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from accounting import services, stored_case, tasks
from accounting.method.rules import METHOD_VERSION
from accounting.models import CalculationRun, ElectricityRecord, ParkYear, RunStatus

from .conftest import VALID_CASES, import_case, load_case, post_formset

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    calls: list[tuple] = []

    def fake_apply_async(args, **kwargs):
        calls.append((args, kwargs))

    monkeypatch.setattr(tasks.recalculate_park_year, "apply_async", fake_apply_async)
    return calls


def grid_row(mwh: str, month: int = 1) -> dict:
    return {"month": month, "direction": "import", "kind": "grid", "mwh": mwh}


def test_many_quick_edits_send_one_task(cast, client, trial_set, on_commit, sent):
    client.force_login(cast.applicant_a)
    for i in range(5):
        response = post_formset(client, cast.park_a, 2025, "electricity", [grid_row(str(100 + i))])
        assert response.status_code == 302
    park_year = ParkYear.objects.get()
    assert len(sent) == 1
    assert sent[0][0] == (park_year.pk,) and sent[0][1]["countdown"] > 0
    assert park_year.recalc_queued_at is not None
    assert ElectricityRecord.objects.count() == 5


def test_the_task_clears_the_marker_and_calculates_from_the_latest_data(
    cast, client, trial_set, on_commit, sent
):
    client.force_login(cast.applicant_a)
    post_formset(client, cast.park_a, 2025, "electricity", [grid_row("100")])
    post_formset(client, cast.park_a, 2025, "electricity", [grid_row("50")])
    park_year = ParkYear.objects.get()
    tasks.recalculate_park_year.apply(args=(park_year.pk,))
    run = CalculationRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED
    assert Decimal(run.result["electricity_mwh"]["consumption"]) == 150
    park_year.refresh_from_db()
    assert park_year.recalc_queued_at is None
    # The next edit queues a new task.
    post_formset(client, cast.park_a, 2025, "electricity", [grid_row("1")])
    assert len(sent) == 2


def test_nothing_is_queued_before_the_transaction_commits(
    cast, trial_set, sent, django_capture_on_commit_callbacks
):
    park_year = ParkYear.objects.create(park=cast.park_a, year=2025)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.request_recalculation(park_year)
    assert sent == [] and len(callbacks) == 1


def test_broker_down_keeps_the_save_and_the_sweep_requeues_it(
    cast, client, trial_set, on_commit, monkeypatch, caplog
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis. Connection refused.")

    monkeypatch.setattr(tasks.recalculate_park_year, "apply_async", broker_down)
    client.force_login(cast.applicant_a)
    response = post_formset(client, cast.park_a, 2025, "electricity", [grid_row("100")])
    assert response.status_code == 302
    assert ElectricityRecord.objects.count() == 1
    assert "could not queue recalculation" in caplog.text
    park_year = ParkYear.objects.get()
    assert park_year.recalc_queued_at is None and park_year.inputs_changed_at is not None
    # The broker is back: the periodic sweep finds the park-year behind and queues it.
    calls = []
    monkeypatch.setattr(
        tasks.recalculate_park_year, "apply_async", lambda args, **kw: calls.append(args)
    )
    assert tasks.sweep_recalculations() == [park_year.pk]
    assert calls == [(park_year.pk,)]
    # Once calculated, the sweep has nothing to do.
    services.recalculate(park_year.pk)
    assert tasks.sweep_recalculations() == []


def test_the_sweep_is_in_the_beat_schedule(settings):
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "accounting.sweep_recalculations" in entries


def test_invalid_data_is_a_failed_run_with_the_message_shown_on_the_page(
    cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[0]))
    # Data the engine refuses: utilised solid waste above the amount generated.
    park_year = ParkYear.objects.get()
    park_year.guiding.solid_waste_utilized_t = Decimal("999999999")
    park_year.guiding.save()
    services.recalculate(park_year.pk)
    failed = CalculationRun.objects.latest("started_at", "id")
    assert failed.status == RunStatus.FAILED
    assert failed.error == "guiding.solid_waste.utilized_t：不得超过产生量（吨）"
    page = client.get(reverse("accounting:result", args=[cast.park_a.pk, 2025])).content.decode()
    assert "最近一次核算失败" in page and failed.error in page
    # The last good result is still shown, and both runs are kept.
    assert "0.1918" in page
    assert CalculationRun.objects.count() == 2


def test_a_missing_factor_set_is_a_failed_run_not_an_exception(cast, db):
    park_year = ParkYear.objects.create(park=cast.park_a, year=2025)
    run = services.recalculate(park_year.pk)
    assert run.status == RunStatus.FAILED and "no published factor set" in run.error


def test_unexpected_errors_are_retried_but_case_errors_are_not():
    task = tasks.recalculate_park_year
    assert task.max_retries == 3 and task.acks_late
    assert Exception in task.autoretry_for
    from accounting.method.case import CaseError

    assert CaseError in task.dont_autoretry_for


def test_old_runs_are_kept_and_each_can_be_opened(cast, client, trial_set, on_commit):
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[0]))
    import_case(client, cast.park_a, load_case(VALID_CASES[1]))
    first, second = CalculationRun.objects.order_by("id")
    assert first.result["intensity"] != second.result["intensity"]
    page = client.get(
        reverse("accounting:result", args=[cast.park_a.pk, 2025]) + f"?run={first.pk}"
    )
    assert page.status_code == 200
    assert f"核算 #{first.pk}" in page.content.decode()


def test_a_newer_pending_run_is_said_plainly(cast, client, trial_set, on_commit, sent):
    client.force_login(cast.applicant_a)
    post_formset(client, cast.park_a, 2025, "electricity", [grid_row("100")])
    latest = services.latest_result(cast.park_a, 2025)
    assert latest.pending and latest.run is None
    page = client.get(reverse("accounting:park_year", args=[cast.park_a.pk, 2025])).content.decode()
    assert "新的核算正在排队或进行中" in page
    tasks.recalculate_park_year.apply(args=(latest.park_year.pk,))
    latest = services.latest_result(cast.park_a, 2025)
    assert not latest.pending and latest.run.succeeded


def test_the_run_records_factor_set_digest_trace_and_duration(cast, client, trial_set, on_commit):
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[2]))
    run = CalculationRun.objects.get()
    assert (run.factor_set_id, run.factor_set_code, run.factor_set_version) == (
        trial_set.pk,
        "ZCP-2025-trial",
        3,
    )
    park_year = ParkYear.objects.get()
    assert run.input_digest == services.engine.case_digest(stored_case.build_case(park_year))
    assert run.trace["columns"][:3] == ["category", "section", "enterprise"]
    line = dict(zip(run.trace["columns"], run.trace["rows"][0], strict=True))
    # Twelve monthly rows of washed coal add up to the year's quantity in one trace line.
    assert (line["enterprise"], line["energy_type"], Decimal(line["quantity"]), line["rows"]) == (
        "焦化公司",
        "washed_coal",
        Decimal(100000),
        12,
    )
    assert run.finished_at >= run.started_at and run.duration_ms >= 0


def test_the_run_records_the_method_version_and_the_result_page_shows_it(
    cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[0]))
    run = CalculationRun.objects.get()
    assert run.method_version == METHOD_VERSION
    assert run.result["method"] == {"version": METHOD_VERSION}
    assert run.result["factor_set"] == {"code": "ZCP-2025-trial", "version": 3}
    page = client.get(reverse("accounting:result", args=[cast.park_a.pk, 2025])).content.decode()
    assert f"<code>{METHOD_VERSION}</code>" in page
    assert "未记录" not in page


def test_a_run_made_before_the_method_had_a_version_says_so_instead_of_guessing(
    cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[0]))
    CalculationRun.objects.update(method_version=None)  # as migration 0008 leaves older runs
    page = client.get(reverse("accounting:result", args=[cast.park_a.pk, 2025])).content.decode()
    assert "方法版本 未记录" in " ".join(page.split())
    assert METHOD_VERSION not in page


def test_exports_above_all_use_are_a_failed_run_naming_energy(cast, client, trial_set, on_commit):
    client.force_login(cast.applicant_a)
    export = {"month": 1, "direction": "export", "kind": "non_fossil", "mwh": "1000"}
    assert post_formset(client, cast.park_a, 2025, "electricity", [export]).status_code == 302
    run = services.recalculate(ParkYear.objects.get().pk)
    assert run.status == RunStatus.FAILED
    assert run.error.startswith("综合能源消费量：不得为负数：送出量超过全部消费量")
    assert run.result is None and not run.trace_chunks.exists()
    page = client.get(reverse("accounting:result", args=[cast.park_a.pk, 2025])).content.decode()
    assert "最近一次核算失败" in page and "综合能源消费量：不得为负数" in page
    assert "must not be negative" not in page
