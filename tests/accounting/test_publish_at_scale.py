"""Publishing a factor set marks every park-year it applies to in one statement inside the
admin's request; the recalculations are queued after commit by one task, in chunks; whatever that
queueing fails to do, the sweep finds (the park-years are behind their latest run)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounting import publishing, stored_factor_sets, tasks
from accounting.models import CalculationRun, ParkYear
from tests.factories import ParkFactory

pytestmark = pytest.mark.django_db

CODE = "ZCP-2025-trial"


@pytest.fixture
def park_years(trial_set, cast):
    """Seven park-years the new version applies to (its year 2025, or naming its code in
    another year) and two it does not."""
    parks = [cast.park_a, cast.park_b, *ParkFactory.create_batch(5)]
    applies = [ParkYear.objects.create(park=p, year=2025) for p in parks[:5]]
    applies += [ParkYear.objects.create(park=p, year=2024, factor_set_code=CODE) for p in parks[5:]]
    others = [ParkYear.objects.create(park=p, year=2024) for p in parks[:2]]
    return [py.pk for py in applies], [py.pk for py in others]


def _runs_with(version, ids) -> set[int]:
    return set(
        CalculationRun.objects.filter(park_year_id__in=ids, factor_set=version).values_list(
            "park_year_id", flat=True
        )
    )


def test_publishing_marks_every_park_year_it_applies_to_in_one_statement(
    trial_set, park_years, django_capture_on_commit_callbacks
):
    applies, others = park_years
    draft = stored_factor_sets.copy_as_draft(trial_set)
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        CaptureQueriesContext(connection) as captured,
    ):
        publishing.publish(draft)
    park_year_writes = [q["sql"] for q in captured if "accounting_parkyear" in q["sql"]]
    assert len(park_year_writes) == 1 and park_year_writes[0].startswith("UPDATE")
    assert len(captured) < 15  # whatever the number of park-years
    marked = set(
        ParkYear.objects.filter(inputs_changed_at__isnull=False).values_list("pk", flat=True)
    )
    assert marked == set(applies)
    # nothing is claimed or queued inside the request: one task, after commit (beside the page
    # cache's generation, D42, which every committed write raises)
    assert not ParkYear.objects.filter(recalc_queued_at__isnull=False).exists()
    ours = [c for c in callbacks if type(c).__module__ != "zcparks.page_cache"]
    assert len(ours) == 1


def test_published_park_years_are_recalculated_with_the_new_version_after_commit(
    trial_set, park_years, django_capture_on_commit_callbacks, monkeypatch
):
    applies, others = park_years
    monkeypatch.setattr(tasks, "FACTOR_SET_CHUNK", 3)  # three chunks
    draft = stored_factor_sets.copy_as_draft(trial_set)
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(draft)
    assert _runs_with(draft, applies) == set(applies)
    assert not CalculationRun.objects.filter(park_year_id__in=others).exists()
    assert not ParkYear.objects.filter(recalc_queued_at__isnull=False).exists()
    assert tasks.sweep() == []  # nothing left behind


def test_when_the_queueing_task_cannot_be_sent_the_sweep_recalculates_them(
    trial_set, park_years, django_capture_on_commit_callbacks, monkeypatch
):
    applies, _others = park_years

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.queue_factor_set_recalculations, "apply_async", broker_down)
    draft = stored_factor_sets.copy_as_draft(trial_set)
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(draft)  # the publication itself succeeds
    draft.refresh_from_db()
    assert draft.is_published
    assert _runs_with(draft, applies) == set()
    assert sorted(tasks.sweep()) == sorted(applies)
    assert _runs_with(draft, applies) == set(applies)


def test_when_the_queueing_dies_part_way_the_sweep_takes_the_rest(
    trial_set, park_years, django_capture_on_commit_callbacks, monkeypatch
):
    applies, _others = park_years
    monkeypatch.setattr(tasks, "FACTOR_SET_CHUNK", 3)
    chunks = []
    queue_chunk = tasks._queue_chunk

    def dies_after_the_first_chunk(ids):
        if chunks:
            raise RuntimeError("worker lost")
        chunks.append(ids)
        return queue_chunk(ids)

    monkeypatch.setattr(tasks, "_queue_chunk", dies_after_the_first_chunk)
    draft = stored_factor_sets.copy_as_draft(trial_set)
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(draft)  # the task fails (recorded by Celery); the publication stands
    assert len(chunks) == 1
    first = set(chunks[0])
    assert _runs_with(draft, applies) == first
    assert sorted(tasks.sweep()) == sorted(set(applies) - first)
    assert _runs_with(draft, applies) == set(applies)
