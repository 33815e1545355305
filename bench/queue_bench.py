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

from _setup import machine, median_p95, setup, teardown

TARGET_MS = 150


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    old = setup()
    try:
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.urls import reverse
        from generate import generate

        from applications.models import Application, Role, User

        started = time.perf_counter()
        generate(args.count)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
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
            durations, cpu = [], []
            for _ in range(args.requests):
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(url, params)
                durations.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                assert response.status_code == 200, response.status_code
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
                )
            )
        client.force_login(national)
        start = time.perf_counter()
        export = client.get(reverse("review_queue_export", args=["national", "csv"]))
        export_ms = (time.perf_counter() - start) * 1000
        rows = export.content.count(b"\n") - 1
        print(
            "| request | rows in queue | median ms | p95 ms | Django CPU median ms | SQL queries |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for name, median, p95, queries, count, cpu_median in results:
            print(f"| {name} | {count} | {median:.1f} | {p95:.1f} | {cpu_median:.1f} | {queries} |")
        print(
            f"| CSV export of the whole national queue ({rows} rows), once | | "
            f"{export_ms:.0f} | | | |"
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
