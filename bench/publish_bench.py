#!/usr/bin/env python3
"""Publishing a factor set over 10,000 park-years: the admin's request, and the queueing after it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zcparks_pubbench \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/publish_bench.py

Creates Django's throwaway test database of the configured one (bench/_setup.py), loads the
bundled factor sets, and --count parks each with a park-year of the set's year (bulk_create).
Then, with a real broker (CELERY_BROKER_URL, required: an eager Celery would run the queueing
inside the request and measure the wrong thing):

1. the admin's request: a superuser POSTs the changelist action "发布所选草稿" for a draft copy of
   the set, through the Django test client (server time, no network); its wall and CPU time and
   SQL statements are counted, the task sent after commit included;
2. the queueing task that request sent (`accounting.queue_factor_set_recalculations`), run here
   in-process as a worker would: claims and sends one recalculation per park-year, in chunks; its
   time and SQL statements;
3. for comparison, with --old-loop: the loop publishing ran inside the request before (one
   `request_recalculation` per park-year, two UPDATEs each), in one transaction, on the same data.

The recalculation messages are purged from the broker at the end (no worker takes them: the
recalculations themselves are the accounting benchmark's). Prints a table and rewrites the
`publish` section of bench/RESULTS.md unless --no-write.
"""

from __future__ import annotations

import argparse
import datetime
import os
import time
from pathlib import Path

from _setup import ROOT, machine, setup, teardown

TARGET_S = 2.0
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
START, END = "<!-- publish:start -->", "<!-- publish:end -->"


TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu() -> float:
    """CPU seconds used so far by PostgreSQL's backend of this connection (/proc): the
    database's share of the work, which wall time on a shared machine hides."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def timed(action):
    """(result, wall s, CPU s of this process, CPU s of PostgreSQL, SQL statements) of a call."""
    from django.db import connection

    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    pg_start = backend_cpu()
    with connection.execute_wrapper(count):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = action()
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return result, wall, cpu, backend_cpu() - pg_start, statements


def seed(count: int):
    from django.db import transaction

    from accounting import publishing, stored_factor_sets
    from accounting.models import ParkYear
    from applications.models import Park, Province

    publishing.load_bundled_factor_sets()
    published = stored_factor_sets.latest_published("ZCP-2025-trial")
    provinces = list(Province.objects.order_by("code"))
    with transaction.atomic():
        parks = Park.objects.bulk_create(
            [
                Park(
                    name=f"发布基准园区{i:05d}",
                    province=provinces[i % len(provinces)],
                    management_body=f"发布基准园区{i:05d}管理委员会",
                )
                for i in range(count)
            ],
            batch_size=2000,
        )
        ParkYear.objects.bulk_create(
            [ParkYear(park=park, year=published.year) for park in parks], batch_size=2000
        )
    return published


def section(when: str, load: tuple[float, float], rows: list, args, count: int) -> str:
    lines = [
        START,
        "## Publishing a factor set over 10,000 park-years (bench/publish_bench.py)",
        "",
        f"Run {when} with `DATABASE_URL=… CELERY_BROKER_URL=redis://… .venv/bin/python "
        f"bench/publish_bench.py{' --old-loop' if args.old_loop else ''}`; load average "
        f"(1 min) {load[0]:.2f} at the start, {load[1]:.2f} at the end; {machine()}.",
        "",
        f"A throwaway database with {count:,} parks, each with a park-year of the set's year "
        "(all of them affected by the publication); a real broker (Redis), no worker: the "
        "recalculation messages are purged at the end.",
        "",
        "| step | wall s | CPU s (Django) | CPU s (PostgreSQL) | SQL statements | park-years |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, wall, cpu, pg, queries, n in rows:
        lines.append(f"| {name} | {wall:.2f} | {cpu:.2f} | {pg:.2f} | {queries:,} | {n:,} |")
    request = rows[0]
    met = request[1] <= TARGET_S
    lines += [
        "",
        f"The admin's request: **{request[1]:.2f} s** and {request[4]} SQL statements, one of "
        f"them the UPDATE that marks the {request[5]:,} park-years (target ≤ {TARGET_S:.0f} s: "
        f"**{'met' if met else 'missed'}**). The queueing runs in the worker after commit, "
        "500 park-years a transaction; if it is lost, the sweep (every minute) finds the "
        "marked park-years behind their latest run and queues them.",
        "",
        END,
    ]
    return "\n".join(lines) + "\n"


def write(text: str) -> None:
    current = RESULTS.read_text(encoding="utf-8")
    if START in current and END in current:
        before, rest = current.split(START, 1)
        current = before + text + rest.split(END, 1)[1].lstrip("\n")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(current, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--old-loop", action="store_true", help="also time the old loop")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("CELERY_BROKER_URL"):
        raise SystemExit("CELERY_BROKER_URL (a Redis database) is needed; see the docstring")
    old = setup()
    try:
        from django.conf import settings
        from django.db import transaction
        from django.test import Client
        from django.urls import reverse

        from accounting import stored_factor_sets, tasks
        from accounting.models import FactorSetVersion, ParkYear
        from applications.models import User
        from zcparks.celery import app

        settings.ALLOWED_HOSTS = ["testserver"]
        app.conf.task_always_eager = False
        published = seed(args.count)
        count = ParkYear.objects.filter(year=published.year).count()
        print(f"{count} park-years of {published.year}")
        admin = User.objects.create_superuser("pub_admin", "pub@example.test", None)
        client = Client()
        client.force_login(admin)
        draft = stored_factor_sets.copy_as_draft(published)
        load_start = os.getloadavg()[0]
        url = reverse("admin:accounting_factorsetversion_changelist")
        response, wall, cpu, pg, queries = timed(
            lambda: client.post(url, {"action": "publish_selected", "_selected_action": [draft.pk]})
        )
        assert response.status_code == 302, response.status_code
        draft.refresh_from_db()
        assert draft.is_published
        marked = ParkYear.objects.filter(inputs_changed_at__isnull=False).count()
        assert marked == count, (marked, count)
        rows = [
            (
                "the admin's request: publish (POST of the admin action)",
                wall,
                cpu,
                pg,
                queries,
                marked,
            )
        ]
        sent, wall, cpu, pg, queries = timed(
            lambda: tasks.queue_factor_set_recalculations(draft.pk)
        )
        rows.append(
            (
                "the queueing task after commit (in the worker), chunks of 500",
                wall,
                cpu,
                pg,
                queries,
                sent,
            )
        )
        if args.old_loop:
            ParkYear.objects.update(inputs_changed_at=None, recalc_queued_at=None)
            ids = list(ParkYear.objects.values_list("pk", flat=True))

            def old_loop():
                with transaction.atomic():
                    for pk in ids:
                        tasks.request_recalculation(pk)

            _none, wall, cpu, pg, queries = timed(old_loop)
            rows.append(
                (
                    "before: the old loop inside the request (same data)",
                    wall,
                    cpu,
                    pg,
                    queries,
                    len(ids),
                )
            )
        load_end = os.getloadavg()[0]
        for name, wall, cpu, pg, queries, n in rows:
            print(
                f"{name}: {wall:.2f} s wall, {cpu:.2f} s CPU, {pg:.2f} s PostgreSQL CPU, "
                f"{queries} SQL, {n} park-years"
            )
        assert FactorSetVersion.objects.get(pk=draft.pk).is_published
        if not args.no_write:
            when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
            write(section(when, (load_start, load_end), rows, args, count))
            print(f"wrote {RESULTS.relative_to(ROOT)}")
    finally:
        from zcparks.celery import app

        # No worker was meant to take the recalculation messages: leave none on the broker.
        app.control.purge()
        teardown(old)


if __name__ == "__main__":
    main()
