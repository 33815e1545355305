#!/usr/bin/env python3
"""Server time and SQL query count of the monthly entry pages, shown and saved, in a
1,000-enterprise year.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zcparks_ebench \
        .venv/bin/python bench/entry_bench.py

Creates Django's throwaway test database of the configured one (`test_zcparks_ebench`), migrated
and dropped at the end (bench/_setup.py). In it, a park-year of 1,000 enterprises × 12 months ×
8 records (96,000 rows: 60,000 fuel rows, 24,000 electricity rows, 12,000 heat rows; the workbook
and import of bench/accounting_bench.py), imported and recalculated.

Cases, as the park's applicant unless said otherwise (and, last, the result page, whose table by
enterprise shows 20 enterprises a page; see result_cases): the fuel page of the first enterprise and
of the 500th (`?enterprise=`), of its second page; the electricity page; the enterprises page
(page 9 of 17); the fuel page as a provincial reviewer (read only); and **saving** a full fuel
page (60 rows and the 3 empty ones, posted as the page's form holds them, one quantity changed
each time, so every save writes a row, its history and the recalculation marker). A
recalculation is already queued when the saves run (the marker is set), as after any earlier
edit, so the save sends nothing to the broker; the recalculation itself is
bench/accounting_bench.py's.

Each case: one warm-up request, then --requests requests through the Django test client (server
time, no network), then one more under CaptureQueriesContext for the SQL query count. Rewrites
the `entry` section of bench/RESULTS.md (and its summary row) unless --no-write. Target: 200 ms
server time (median and p95), the issue's.

Before the cases the heap is settled as a server process settles it (`zcparks.wsgi.settle_heap`:
what is loaded is frozen out of the garbage collector's full collections). `ENTRY_OUTLIERS=1`
prints, per case, the objects the collector tracks and each request slower than twice the median
with its CPU time and the time spent in garbage collection.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import re
import shutil
import tempfile
import textwrap
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

from _setup import machine, median_p95, setup, teardown

TARGET_MS = 200
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
START, END = "<!-- entry:start -->", "<!-- entry:end -->"
SUMMARY_ROW = "| monthly entry pages, "


class FormData(HTMLParser):
    """What a browser posts from the page's entry form as shown."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._form = self._template = False
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post":
            self._form = True
        self._template = self._template or tag == "template"
        if not self._form or self._template:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") != "checkbox":
                self.data[a["name"]] = a.get("value", "")
            elif "checked" in a:
                self.data[a["name"]] = "on"
        elif tag == "select":
            self._select = a["name"]
            self.data[self._select] = ""
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        self._form = self._form and tag != "form"
        self._template = self._template and tag != "template"
        if tag == "select":
            self._select = None


def timed(call, requests: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    gc.collect()
    call(0)  # warm-up
    durations, cpu, in_gc = [], [], []
    collecting = {"since": 0.0, "ms": 0.0}

    def count_gc(phase, info):
        if phase == "start":
            collecting["since"] = time.perf_counter()
        else:
            collecting["ms"] += (time.perf_counter() - collecting["since"]) * 1000

    gc.callbacks.append(count_gc)
    try:
        for i in range(1, requests + 1):
            collecting["ms"] = 0.0
            start, start_cpu = time.perf_counter(), time.process_time()
            response = call(i)
            durations.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            in_gc.append(collecting["ms"])
    finally:
        gc.callbacks.remove(count_gc)
    if os.environ.get("ENTRY_OUTLIERS"):
        tracked, frozen = len(gc.get_objects()), gc.get_freeze_count()
        print(f"  objects tracked by gc: {tracked:,}; frozen: {frozen:,}")
        middle = sorted(durations)[len(durations) // 2]
        for wall, used, collected in zip(durations, cpu, in_gc, strict=True):
            if wall > 2 * middle:
                print(f"  outlier: {wall:.1f} ms wall, {used:.1f} ms CPU, {collected:.1f} ms in gc")
    with CaptureQueriesContext(connection) as captured:
        response = call(requests + 1)
    median, p95 = median_p95(durations)
    return {
        "median": median,
        "p95": p95,
        "cpu": median_p95(cpu)[0],
        "queries": len(captured),
        "bytes": len(response.content),
    }


def year() -> tuple:
    from accounting_bench import ENTERPRISES, MONTHS, workbook

    from accounting import data_entry, importers, publishing, services, stored_factor_sets
    from accounting.models import ParkYear
    from applications.models import Park, Province, Role, User

    publishing.load_bundled_factor_sets()
    park = Park.objects.create(
        name="录入页基准园区",
        province=Province.objects.get(code="32"),
        management_body="录入页基准园区管理委员会",
    )
    applicant = User.objects.create(username="e_applicant", role=Role.APPLICANT, park=park)
    reviewer = User.objects.create(
        username="e_provincial", role=Role.PROVINCIAL, province=park.province
    )
    code = "ZCP-2025-trial"
    started = time.perf_counter()
    parsed = importers.parse_upload(
        None,
        park_id=park.pk,
        year=2025,
        park_name=park.name,
        filename="bench.xlsx",
        content=workbook(),
        factor_set_code=code,
        fuels=stored_factor_sets.resolve_factor_set(code).fuels,
    )
    data_entry.apply_upload(park, 2025, importers.load_parsed(park.pk, 2025, parsed.sha256), None)
    park_year = ParkYear.objects.get(park=park, year=2025)
    run = services.recalculate(park_year.pk)
    assert run.status == "succeeded", run.error
    note = (
        f"{ENTERPRISES:,} enterprises × {MONTHS} months × 8 records imported and "
        f"recalculated in {time.perf_counter() - started:.1f} s"
    )
    print(note)
    return park, park_year, applicant, reviewer, note


def cases(park, park_year, applicant, reviewer, requests: int) -> list:
    from django.test import Client
    from django.urls import reverse

    from accounting.models import Enterprise, ParkYear

    client = Client()
    client.force_login(applicant)
    ids = list(
        Enterprise.objects.filter(park_year=park_year).order_by("name").values_list("pk", flat=True)
    )

    def url(kind: str) -> str:
        return reverse("accounting:records", args=[park.pk, park_year.year, kind])

    def get(c, kind: str, params: dict):
        def call(_i):
            response = c.get(url(kind), params)
            assert response.status_code == 200, (kind, params, response.status_code)
            return response

        return call

    results = [
        ("fuel page, first enterprise (60 of its 60 rows)", get(client, "fuels", {})),
        ("fuel page, 500th enterprise", get(client, "fuels", {"enterprise": ids[499]})),
        (
            "electricity page, 500th enterprise",
            get(client, "electricity", {"enterprise": ids[499]}),
        ),
        ("enterprises page 9 of 17", get(client, "enterprises", {"page": 9})),
    ]
    reader = Client()
    reader.force_login(reviewer)
    results.append(
        (
            "fuel page, provincial reviewer (read only)",
            get(reader, "fuels", {"enterprise": ids[499]}),
        )
    )

    page = FormData()
    page.feed(client.get(url("fuels"), {"enterprise": ids[499]}).content.decode())
    form = page.data
    assert int(form["fuels-INITIAL_FORMS"]) == 60, form["fuels-INITIAL_FORMS"]
    ParkYear.objects.filter(pk=park_year.pk).update(
        recalc_queued_at=datetime.datetime.now(datetime.UTC)
    )

    def save(i):
        data = dict(form, **{"fuels-0-quantity": f"{100 + i}.5"})
        response = client.post(  # as a browser posts the form (no enctype): URL-encoded
            f"{url('fuels')}?enterprise={ids[499]}",
            urlencode(data),
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 302, response.context and response.context["error_list"]
        return response

    if os.environ.get("ENTRY_PROFILE"):  # where the time goes (not written to RESULTS.md)
        import cProfile
        import pstats

        for name, call in (results[1], ("save", save)):
            call(0)
            profile = cProfile.Profile()
            profile.enable()
            call(1)
            profile.disable()
            print(name)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                call(2)
            for query in sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:6]:
                print(query["time"], query["sql"][:300])
    measured = [(name, timed(call, requests)) for name, call in results]
    measured.append(
        ("**save** a full fuel page (63 rows posted, one changed)", timed(save, requests))
    )
    measured += result_cases(park, park_year, client, requests)
    return measured


def result_cases(park, park_year, client, requests: int) -> list:
    """The result page, whose table by enterprise is paged (20 a page): the year's own run
    (1,000 enterprises), then the same run with its breakdown by enterprise widened to 10,000
    enterprises (the result JSON rewritten; importing a 10,000-enterprise year takes minutes)."""
    from decimal import Decimal

    from django.urls import reverse

    from accounting.models import CalculationRun

    url = reverse("accounting:result", args=[park.pk, park_year.year])

    def get(_i):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response

    cases = [
        ("result page, 1,000 enterprises (table by enterprise: 20 a page)", timed(get, requests))
    ]
    run = CalculationRun.objects.filter(park_year=park_year, status="succeeded").latest("id")
    run.result["breakdowns"]["emissions_t"]["by_enterprise"] = {
        f"企业{i:05d}": str(Decimal(i) / 7) for i in range(10_000)
    }
    run.save(update_fields=["result"])
    cases.append(
        ("result page, breakdown widened to 10,000 enterprises (20 a page)", timed(get, requests))
    )
    return cases


def wrap(text: str) -> str:
    return textwrap.fill(text, 100, break_long_words=False, break_on_hyphens=False)


def render(when: str, load_start, load_end, measured: list, note: str, args) -> tuple:
    worst = max(r["p95"] for _n, r in measured)
    verdict = "met" if worst <= TARGET_MS else "**missed**"
    lines = [
        "## Monthly entry pages (bench/entry_bench.py)",
        "",
        wrap(
            f"Run {when} with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/zcparks_ebench "
            f".venv/bin/python bench/entry_bench.py`; **load average (1 min) "
            f"{load_start[0]:.2f} when the measured requests began, {load_end[0]:.2f} at their "
            f"end**; {machine()}."
        ),
        "",
        wrap(
            f"A throwaway database (`test_zcparks_ebench`, created, migrated and dropped by the "
            f"script): {note}. One enterprise's rows a page (60 rows), the enterprise picker "
            f"listing the 1,000 enterprises with their row counts. Each case: one warm-up "
            f"request, then {args.requests} requests through the Django test client (server "
            f"time, no network), then one more for the SQL query count."
        ),
        "",
        "| request | median ms | p95 ms | Django CPU median ms | SQL queries | HTML KB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in measured:
        lines.append(
            f"| {name} | {r['median']:.1f} | {r['p95']:.1f} | {r['cpu']:.1f} "
            f"| {r['queries']} | {r['bytes'] / 1024:.0f} |"
        )
    lines += [
        "",
        f"Target ≤ {TARGET_MS} ms server time to show and to save: {verdict} (worst "
        f"p95 {worst:.1f} ms).",
    ]
    if load_start[0] > 2 * (os.cpu_count() or 1):
        lines += [
            "",
            wrap(
                f"The machine was shared (load {load_start[0]:.1f} on {os.cpu_count()} CPUs): the "
                f"wall times are mostly waiting for a CPU. The Django CPU column (this process's "
                f"own time per request) and the query counts are what the pages cost; re-run on a "
                f"quiet machine to judge the target."
            ),
        ]
    save = next(r for n, r in measured if n.startswith("**save**"))
    shows = [r for n, r in measured if not n.startswith(("**save**", "result page"))]
    summary = (
        f"{SUMMARY_ROW}1,000-enterprise year (96,000 rows) ({when}, load "
        f"{load_start[0]:.1f}) | ≤ {TARGET_MS} ms server time to show and to save "
        f"| show: worst median {max(r['median'] for r in shows):.0f} ms, worst p95 "
        f"{max(r['p95'] for r in shows):.0f} ms; save of a full page: median "
        f"{save['median']:.0f} ms, p95 {save['p95']:.0f} ms; result page with 10,000 "
        f"enterprises in its breakdown: median {measured[-1][1]['median']:.0f} ms, "
        f"{measured[-1][1]['bytes'] / 1024:.0f} KB | {verdict} |"
    )
    return "\n".join(lines), summary


def write(section: str, summary: str) -> None:
    text = RESULTS.read_text(encoding="utf-8")
    block = f"{START}\n{section}\n{END}"
    if START in text:
        text = re.sub(
            re.escape(START) + r".*?" + re.escape(END), lambda _m: block, text, flags=re.S
        )
    else:
        text = text.rstrip("\n") + f"\n\n{block}\n"
    lines = [line for line in text.split("\n") if not line.startswith(SUMMARY_ROW)]
    anchor = lines.index("## Summary")
    while not lines[anchor].startswith("|"):  # the summary table ...
        anchor += 1
    while lines[anchor + 1].startswith("|"):  # ... and its last row
        anchor += 1
    lines.insert(anchor + 1, summary)
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_DEBUG", "0")  # as production: no query log kept per request
    media = tempfile.mkdtemp(prefix="zcp-ebench-")
    old = setup()
    try:
        from django.conf import settings

        settings.MEDIA_ROOT = media
        park, park_year, applicant, reviewer, note = year()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        from zcparks.wsgi import settle_heap

        settle_heap()  # as a server process does once it has loaded the application
        load_start = os.getloadavg()
        measured = cases(park, park_year, applicant, reviewer, args.requests)
        load_end = os.getloadavg()
        when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        section, summary = render(when, load_start, load_end, measured, note, args)
        print(section)
        if not args.no_write:
            write(section, summary)
    finally:
        teardown(old)
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
