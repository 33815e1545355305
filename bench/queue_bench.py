#!/usr/bin/env python3
"""Server time of the national review queue with 10,000 applications.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zcparks .venv/bin/python bench/queue_bench.py

Creates Django's throwaway test database of the configured one (`test_zcparks` on PostgreSQL),
generates --count applications across all provinces (bench/generate.py), and requests the national
queue --requests times through the Django test client as a national reviewer: the first page, a
filtered page (tier, core fail, name search) and a deep page, plus the CSV export once. The
client's time is the server's time (no network). Prints median, p95 and the SQL query count of each;
the target is a median and p95 under 150 ms.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from _setup import machine, median_p95, setup, teardown

TARGET_MS = 150
TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu_ms(pid: int) -> float:
    """CPU time (user + system) PostgreSQL's backend of this connection has used so far, from
    /proc: unlike wall time, it does not grow while the process waits for a core, so it can be
    compared between runs on a shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / TICKS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument(
        "--without-queue-index",
        action="store_true",
        help="drop the national queue's partial indexes first (the figures before them)",
    )
    args = parser.parse_args()
    old = setup()
    try:
        from django.core.signals import request_finished, request_started
        from django.db import close_old_connections, connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.urls import reverse
        from generate import generate

        from applications.models import Application, Role, User

        # One connection for the whole run, as a persistent connection of a server, so that its
        # PostgreSQL backend's CPU time can be read
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        if args.without_queue_index:
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX application_ndrc_newest, application_ndrc_status")
        started = time.perf_counter()
        generate(args.count)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # VACUUM too, as autovacuum would have: the status counts are an index-only scan
                # of the national queue's partial index, which needs the visibility map
                cursor.execute("VACUUM ANALYZE")
        print(
            f"generated {Application.objects.count()} applications in "
            f"{time.perf_counter() - started:.1f} s"
        )
        national = User.objects.create(username="q_national", role=Role.NATIONAL)
        client = Client()
        client.force_login(national)
        queue = reverse("review_queue_national")
        cases = [
            ("first page", queue, {}),
            (
                "filtered: tier + core fail + name",
                queue,
                {"tier": "1m_plus", "core": "fail", "q": "园区0"},
            ),
            ("page 100, sorted by intensity", queue, {"page": "100", "sort": "intensity"}),
            ("assigned to me (bench_national)", reverse("review_queue_mine"), {}),
        ]
        results = []
        for name, url, params in cases:
            if name.startswith("assigned"):
                client.force_login(User.objects.get(username="bench_national"))
            client.get(url, params)  # warm caches
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend = cursor.fetchone()[0]
            backend_start = backend_cpu_ms(backend)
            durations, cpu = [], []
            for _ in range(args.requests):
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(url, params)
                durations.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                assert response.status_code == 200, response.status_code
            pg_cpu = (backend_cpu_ms(backend) - backend_start) / args.requests
            with CaptureQueriesContext(connection) as captured:
                client.get(url, params)
            median, p95 = median_p95(durations)
            results.append(
                (
                    name,
                    median,
                    p95,
                    len(captured),
                    response.context["page"].paginator.count,
                    median_p95(cpu)[0],
                    min(durations),
                    pg_cpu,
                )
            )
        client.force_login(national)
        start = time.perf_counter()
        export = client.get(reverse("review_queue_export", args=["national", "csv"]))
        export_ms = (time.perf_counter() - start) * 1000
        rows = export.content.count(b"\n") - 1
        print(
            "| request | rows in queue | median ms | p95 ms | fastest ms | Django CPU median ms "
            "| PostgreSQL CPU mean ms | SQL queries |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, median, p95, queries, count, cpu_median, fastest, pg_cpu in results:
            print(
                f"| {name} | {count} | {median:.1f} | {p95:.1f} | {fastest:.1f} "
                f"| {cpu_median:.1f} | {pg_cpu:.2f} | {queries} |"
            )
        print(
            f"| CSV export of the whole national queue ({rows} rows), once | | "
            f"{export_ms:.0f} | | | | | |"
        )
        print(f"load average during the run: {os.getloadavg()}")
        worst = max(r[2] for r in results)
        print(
            f"target p95 < {TARGET_MS} ms: {'met' if worst < TARGET_MS else 'MISSED'} "
            f"(worst p95 {worst:.1f} ms)"
        )
        print(f"machine: {machine()}")
    finally:
        teardown(old)


if __name__ == "__main__":
    main()
