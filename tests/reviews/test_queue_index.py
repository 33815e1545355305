"""The national queue reads a partial index (what NDRC sees, newest first) instead of sorting
every row it holds: same rows, same order, same counts; and PostgreSQL can use the index for the
queue's own filter (the planner uses a partial index only when the query's filter implies the
index's condition, so a change to one of them must not silently lose it)."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.db import connection, transaction
from django.urls import reverse

from applications import queues
from applications.models import REACHED_NDRC, Application, Status
from bench.generate import generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded_mix(cast):
    """60 generated applications in every state, plus the edge cases of the queue's filter: a
    decided application never flagged as recommended (reached by its state), one NDRC returned
    (reached by the flag), and submission times shared by several (the id breaks the tie)."""
    generate(60, batch_name="队列索引批次")
    ids = list(Application.objects.order_by("pk").values_list("pk", flat=True))
    Application.objects.filter(pk=ids[0]).update(status=Status.APPROVED, ever_recommended=False)
    Application.objects.filter(pk=ids[1]).update(status=Status.RETURNED, ever_recommended=True)
    Application.objects.filter(pk=ids[2]).update(status=Status.SUBMITTED, ever_recommended=False)
    tie = datetime.datetime(2025, 3, 1, 8, 0, tzinfo=datetime.UTC)
    Application.objects.filter(pk__in=ids[3:12]).update(submitted_at=tie)
    return ids


def _reference() -> list[int]:
    """The national queue by its definition, sorted in Python: newest submission first, then
    the highest id."""
    rows = [a for a in Application.objects.all() if a.status in REACHED_NDRC or a.ever_recommended]
    rows.sort(key=lambda a: (a.submitted_at, a.pk), reverse=True)
    return [a.pk for a in rows]


def test_national_queue_lists_what_ndrc_sees_newest_first_on_every_page(client, cast, seeded_mix):
    expected = _reference()
    assert seeded_mix[0] in expected and seeded_mix[1] in expected
    assert seeded_mix[2] not in expected
    client.force_login(cast.national)
    shown: list[int] = []
    page = 1
    while True:
        response = client.get(reverse("review_queue_national"), {"page": page})
        assert response.status_code == 200
        shown += [a.pk for a in response.context["page"].object_list]
        if not response.context["page"].has_next():
            break
        page += 1
    assert page == -(-len(expected) // queues.PAGE_SIZE)
    assert shown == expected


def test_national_queue_status_counts_are_those_of_its_rows(client, cast, seeded_mix):
    expected = Counter(Application.objects.get(pk=pk).status for pk in _reference())
    client.force_login(cast.national)
    response = client.get(reverse("review_queue_national"))
    assert {value: n for value, _label, n in response.context["counts"]} == expected
    assert response.context["page"].paginator.count == sum(expected.values())


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # On a few dozen rows a sequential scan is cheapest; forbid it to ask whether the index
        # CAN serve the query (its condition implied by the queue's filter, its order the page's)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_national_queue_first_page_walks_its_index_without_sorting(cast, seeded_mix):
    filters = queues.QueueFilters.from_query({})
    plan = _plan(queues.queue_rows(cast.national, "national", filters)[: queues.PAGE_SIZE])
    assert "application_ndrc_newest" in plan, plan
    assert "Sort" not in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_national_queue_status_counts_read_only_the_status_index(cast, seeded_mix):
    filters = queues.QueueFilters.from_query({})
    plan = _plan(queues.status_count_rows(cast.national, "national", filters))
    assert "Index Only Scan using application_ndrc_status" in plan, plan
