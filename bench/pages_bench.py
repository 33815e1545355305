#!/usr/bin/env python3
"""Server time and SQL query count of the review page and of a park's result page, at scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zcparks_pbench \
        .venv/bin/python bench/pages_bench.py

Creates Django's throwaway test database of the configured one (`test_zcparks_pbench`), migrated
and dropped at the end (bench/_setup.py); uploaded files go to a temporary folder. In it:

- 10,000 generated applications across all provinces (bench/generate.py), so both pages are
  measured inside a full database;
- the park's result page (`accounting:result`): a park-year of 1,000 enterprises × 12 months ×
  8 records (96,000 rows; the workbook and import of bench/accounting_bench.py), recalculated
  (services.recalculate), requested as the park's applicant and as a national reviewer, on the
  first trace page and on later ones (`?page=N`, 200 trace lines a page);
- the public register of national zero-carbon parks (`register`, no login): 300 of the generated
  approved applications made designated parks (programme, passing decision, register entry and
  certificate written directly), 50 a page, the first and the last page;
- each role's workbench (`home`, applications/workbench.py): a park applicant with a draft and
  three calculated years, the provincial reviewer of Jiangsu, a national reviewer and an
  administrator (NDRC's statistics over everything they see, with the charts' data), an expert
  with 60 assignments; and NDRC's map data (`workbench_map`: the outlines of every application
  NDRC sees, each generated with a 40-vertex boundary). `--only workbench` measures these alone
  (no 96,000-row import) and rewrites only their section;
- the review page (`review_detail`): a complete application with calculated energy data taken
  through the workflow to national review by the test builders (tests/applications/builders.py
  `complete_application`, `drive_to`; tests/reviews/conftest.py `add_energy_data`), so its
  submission snapshot carries calculation results; requested as the national reviewer.

Each case: one warm-up request, then --requests requests through the Django test client (its time
is the server's time: no network), then one more under CaptureQueriesContext for the SQL query
count. Prints a table and rewrites the `pages` section of bench/RESULTS.md (and the two rows of
its summary) unless --no-write. The target compared against is the issue's page target for the
queue: < 150 ms server time (median and p95).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import re
import shutil
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from _setup import ROOT, machine, median_p95, setup, teardown

TARGET_MS = 150
WB_START, WB_END = "<!-- workbench:start -->", "<!-- workbench:end -->"
WB_SUMMARY = "| role workbenches (home page), "
EXPERT_ASSIGNED = 60
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
START, END = "<!-- pages:start -->", "<!-- pages:end -->"
SUMMARY_ROWS = (
    "| park's result page, ",
    "| review page (national reviewer), ",
    "| public register of designated parks, ",
    "| progress reports (list and one report), ",
    "| construction list (建设名单) and its export, ",
    "| provincial guidance (by province and one park), ",
)
AFTER_APPROVAL_CASES = ("progress report", "guidance", "construction list")


def measure(client, url: str, params: dict, requests: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    gc.collect()
    response = client.get(url, params)  # warm-up
    assert response.status_code == 200, (url, params, response.status_code)
    durations, cpu = [], []
    for _ in range(requests):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, params)
        durations.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as captured:
        client.get(url, params)
    median, p95 = median_p95(durations)
    # the context of the last response is kept only for the caller to read the page count; held
    # longer, its 15,000 trace dicts would slow the garbage collector in the cases that follow
    return {
        "median": median,
        "p95": p95,
        "cpu": median_p95(cpu)[0],
        "queries": len(captured),
        "bytes": len(response.content),
        "context": response.context,
        "sql": [q["sql"] for q in captured.captured_queries],
    }


def result_park() -> tuple[str, object, str]:
    """The 96,000-row park-year, imported and recalculated: its result page's URL and applicant."""
    from accounting_bench import ENTERPRISES, MONTHS, workbook
    from django.urls import reverse

    from accounting import data_entry, importers, publishing, services, stored_factor_sets
    from accounting.models import ParkYear
    from applications.models import Park, Province, Role, User

    publishing.load_bundled_factor_sets()
    park = Park.objects.create(
        name="结果页基准园区",
        province=Province.objects.get(code="32"),
        management_body="结果页基准园区管理委员会",
    )
    applicant = User.objects.create(username="p_applicant", role=Role.APPLICANT, park=park)
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
    trace_lines = run.trace_lines
    setup_note = (
        f"{ENTERPRISES:,} enterprises × {MONTHS} months × 8 records imported and "
        f"recalculated in {time.perf_counter() - started:.1f} s; {trace_lines:,} trace "
        f"lines"
    )
    print(setup_note)
    return reverse("accounting:result", args=[park.pk, 2025]), applicant, setup_note


def measure_result(url: str, applicant, national, requests: int) -> list:
    from django.test import Client

    cases = []
    for who, user in (("park applicant", applicant), ("national reviewer", national)):
        client = Client()
        client.force_login(user)
        first = measure(client, url, {}, requests)
        pages = first.pop("context")["trace"].paginator.num_pages
        cases.append((f"result page, {who}, trace page 1 of {pages}", first))
        for page in (pages // 2, pages):
            later = measure(client, url, {"page": str(page)}, requests)
            later.pop("context")
            cases.append((f"result page, {who}, trace page {page} (?page={page})", later))
    return cases


def review_application(cast) -> tuple[str, str]:
    """An application with calculated energy data under national review: its review page URL."""
    from django.urls import reverse

    from applications.models import Park, Province, Role, User
    from tests.applications.builders import complete_application, drive_to, open_batch
    from tests.reviews.conftest import add_energy_data

    park = Park.objects.create(
        name="评审页基准园区",
        province=Province.objects.get(code="32"),
        management_body="评审页基准园区管理委员会",
    )
    applicant = User.objects.create(username="r_applicant", role=Role.APPLICANT, park=park)
    batch = open_batch()
    add_energy_data(park, batch.year - 1)
    application = drive_to(
        complete_application(park, applicant, batch), "under_national_review", cast
    )
    snapshot = application.submissions.order_by("-number").first().snapshot
    calc = "calculations"
    assert snapshot.get(calc), sorted(snapshot)
    note = (
        f"application {application.pk} under national review; its snapshot carries "
        f"`{calc}` (the calculated {batch.year - 1} data of acceptance case "
        f"01-green-medium)"
    )
    print(note)
    return reverse("review_detail", args=[application.pk]), note


def measure_review(url: str, national, requests: int) -> list:
    from django.test import Client

    client = Client()
    client.force_login(national)
    review = measure(client, url, {}, requests)
    review.pop("context")
    return [("review page, national reviewer", review)]


REGISTER_PARKS = 300  # designated parks on the register (six pages of 50)


def register_parks(national) -> str:
    """REGISTER_PARKS approved applications of the generated ones made designated parks, each
    with its programme, passing decision, register entry and certificate (rows written directly:
    the page reads them, it does not make them)."""
    from django.utils import timezone

    from applications.models import (
        Application,
        ApplicationEvent,
        ConstructionProgramme,
        Designation,
        Letter,
        LetterKind,
        LetterStatus,
        ProgrammeStage,
    )

    approved = list(
        Application.objects.filter(status="approved", programme__isnull=True).select_related(
            "park"
        )[:REGISTER_PARKS]
    )
    now = timezone.now()
    programmes = ConstructionProgramme.objects.bulk_create(
        [
            ConstructionProgramme(
                application=a,
                park=a.park,
                period_start=2025,
                period_end=2028,
                stage=ProgrammeStage.DESIGNATED,
            )
            for a in approved
        ]
    )
    events = ApplicationEvent.objects.bulk_create(
        [
            ApplicationEvent(
                application=a,
                actor=national,
                action="accept",
                from_status="approved",
                to_status="approved",
                comment="同意通过评估验收。",
            )
            for a in approved
        ]
    )
    Designation.objects.bulk_create(
        [
            Designation(
                programme=p,
                event=e,
                year=2029 - i % 3,
                assessment_year=2028,
                tier="200k_1m" if i % 4 else "1m_plus",
                emissions_t=Decimal("60000") + i,
                energy_tce=Decimal("333000") + 7 * i,
                threshold=Decimal("0.2") if i % 4 else Decimal("0.3"),
                conditions="" if i % 5 else "一年内补充完善碳排放监测平台。",
            )
            for i, (p, e) in enumerate(zip(programmes, events, strict=True))
        ]
    )
    Letter.objects.bulk_create(
        [
            Letter(
                application=a,
                event=e,
                kind=LetterKind.CERTIFICATE,
                year=2029,
                sequence=i + 1,
                reference=f"零碳园证〔2029〕{i + 1:04d}号",
                issuer="国家发展和改革委员会",
                decision="国家级零碳园区",
                issued_at=now,
                verification_code=f"bench-cert-{i}",
                status=LetterStatus.READY,
            )
            for i, (a, e) in enumerate(zip(approved, events, strict=True))
        ]
    )
    note = (
        f"{len(approved)} designated parks (programme, passing decision, register entry and "
        f"certificate each), 50 a page"
    )
    print(note)
    return note


def measure_register(requests: int) -> list:
    from django.test import Client
    from django.urls import reverse

    client = Client()  # public: nobody signed in
    url = reverse("register")
    cases = []
    first = measure(client, url, {}, requests)
    pages = first.pop("context")["page"].paginator.num_pages
    cases.append((f"register of designated parks, public, page 1 of {pages}", first))
    last = measure(client, url, {"page": str(pages)}, requests)
    last.pop("context")
    cases.append((f"register of designated parks, public, page {pages} (?page={pages})", last))
    return cases


REPORT_PROGRAMMES = 600  # construction programmes in building with two reports each


def progress_world(cast) -> tuple[dict, str]:
    """Progress reports at scale: the review page's application approved (its programme opened
    by the approval, as in use), a year of its data calculated, its annual report filled,
    submitted and accepted through progress.py; then REPORT_PROGRAMMES generated approved
    applications made programmes in building (rows written directly), each with an accepted
    2025 report and a submitted 2026 one carrying the real report's calculation, and a guidance
    visit with an open problem. Returns the URLs to measure and a note."""
    from django.urls import reverse

    from applications import guidance, progress, workflow
    from applications.models import (
        Application,
        ConstructionProgramme,
        GuidanceProblem,
        GuidanceVisit,
        ProgressReport,
        User,
    )
    from tests.reviews.conftest import add_energy_data

    application = Application.objects.get(park__name="评审页基准园区")
    workflow.approve(cast.national, application, "纳入建设名单")
    programme = ConstructionProgramme.objects.get(application=application)
    applicant = User.objects.get(username="r_applicant")
    add_energy_data(programme.park, programme.period_start)
    report = progress.start(applicant, programme, programme.period_start)
    progress.submit(applicant, report)
    progress.accept(cast.provincial_a, report, "同意")
    guidance.record_visit(
        cast.provincial_a,
        programme,
        visited_on=programme.opened_at.date(),
        form="on_site",
        participants="省发展改革委环资处",
        content="现场指导",
        problems=["储能项目并网滞后"],
    )
    approved = list(
        Application.objects.filter(status="approved", programme__isnull=True).select_related(
            "park"
        )[:REPORT_PROGRAMMES]
    )
    programmes = ConstructionProgramme.objects.bulk_create(
        [
            ConstructionProgramme(application=a, park=a.park, period_start=2025, period_end=2028)
            for a in approved
        ]
    )
    ProgressReport.objects.bulk_create(
        [
            ProgressReport(
                programme=p,
                year=year,
                status=status,
                calculation=report.calculation,
                submitted_at=report.submitted_at,
            )
            for p in programmes
            for year, status in ((2025, "accepted"), (2026, "submitted"))
        ]
    )
    visits = GuidanceVisit.objects.bulk_create(
        [
            GuidanceVisit(
                programme=p,
                visited_on=programme.opened_at.date(),
                form="meeting",
                participants="省发展改革委",
                content="座谈",
                recorded_by=cast.provincial_a,
            )
            for p in programmes
        ]
    )
    GuidanceProblem.objects.bulk_create(
        [GuidanceProblem(programme=v.programme, visit=v, description="融资困难") for v in visits]
    )
    urls = {
        "report_list": reverse("report_list"),
        "report_detail": reverse("report_detail", args=[report.pk]),
        "guidance_list": reverse("guidance_list"),
        "guidance_detail": reverse("guidance_detail", args=[programme.pk]),
    }
    note = (
        f"{ProgressReport.objects.count():,} progress reports of "
        f"{ConstructionProgramme.objects.count():,} programmes; the report measured is the "
        f"approved review application's {report.year} report (its calculation from acceptance "
        f"case 01-green-medium), filled, submitted and accepted through progress.py; "
        f"{len(visits) + 1:,} guidance visits each with an open problem"
    )
    print(note)
    return urls, note


def measure_progress(urls: dict, cast, requests: int) -> list:
    from django.test import Client

    from applications.models import User

    cases = []
    national, provincial = Client(), Client()
    national.force_login(cast.national)
    provincial.force_login(cast.provincial_a)
    applicant = Client()
    applicant.force_login(User.objects.get(username="r_applicant"))
    for name, client, url in (
        ("progress report list, national reviewer, page 1", national, urls["report_list"]),
        ("progress report list, provincial reviewer, page 1", provincial, urls["report_list"]),
        ("progress report, national reviewer", national, urls["report_detail"]),
        ("progress report, park applicant", applicant, urls["report_detail"]),
        ("guidance by province, national reviewer, page 1", national, urls["guidance_list"]),
        ("guidance of one park, provincial reviewer", provincial, urls["guidance_detail"]),
    ):
        result = measure(client, url, {}, requests)
        result.pop("context")
        cases.append((name, result))
    return cases


def construction_list_world(national) -> str:
    """The generated batch closed as NDRC closes one (its record written directly): its
    approved applications, about a tenth of all, form the published construction list, far
    more than a real batch (at most two parks a province) would hold."""
    from applications.models import Application, Batch, BatchClosure

    batch = Batch.objects.get(name="基准测试批次")
    BatchClosure.objects.create(batch=batch, actor=national, comment="基准")
    count = Application.objects.filter(batch=batch, status="approved").count()
    note = f"the generated batch closed: {count:,} approved parks on its list, on one page"
    print(note)
    return note


def measure_construction_list(requests: int) -> list:
    from django.test import Client
    from django.urls import reverse

    client = Client()  # public: nobody signed in
    cases = []
    for name, url in (
        ("construction list (建设名单), public", reverse("construction_list")),
        (
            "construction list export (CSV), public",
            reverse("construction_list_export", args=["csv"]),
        ),
    ):
        result = measure(client, url, {}, requests)
        result.pop("context")
        cases.append((name, result))
    return cases


def workbench_people(cast) -> tuple[list, str]:
    """(label, user) of the workbenches measured: a park with a draft in the generated batch and
    three calculated years (runs written directly: the page reads them), the provincial and
    national reviewers of the cast, an administrator, an expert with EXPERT_ASSIGNED of the
    generated applications under NDRC's review (half declared)."""
    from django.utils import timezone

    from accounting.models import CalculationRun, ParkYear, RunStatus
    from applications import services
    from applications.models import (
        Application,
        AssignmentKind,
        Batch,
        Park,
        Province,
        ReviewAssignment,
        Role,
        User,
    )

    park = Park.objects.create(
        name="工作台基准园区",
        province=Province.objects.get(code="32"),
        management_body="工作台基准园区管理委员会",
    )
    applicant = User.objects.create(username="w_applicant", role=Role.APPLICANT, park=park)
    services.start_application(applicant, Batch.objects.get(name="基准测试批次"))
    now = timezone.now()
    for year in (2022, 2023, 2024):
        CalculationRun.objects.create(
            park_year=ParkYear.objects.create(park=park, year=year),
            status=RunStatus.SUCCEEDED,
            result={"tier": "200k_1m", "core_pass": True, "intensity": "0.15", "threshold": "0.2"},
            started_at=now,
            finished_at=now,
            duration_ms=1,
        )
    expert = User.objects.create(username="w_expert", role=Role.EXPERT)
    national = cast.national
    ReviewAssignment.objects.bulk_create(
        [
            ReviewAssignment(
                application=a,
                assignee=expert,
                assigned_by=national,
                kind=AssignmentKind.EXPERT,
                declared_at=now if i % 2 else None,
            )
            for i, a in enumerate(
                Application.objects.filter(
                    status__in=["recommended", "under_national_review"]
                ).order_by("pk")[:EXPERT_ASSIGNED]
            )
        ]
    )
    admin = User.objects.create(username="w_admin", role=Role.ADMIN, is_staff=True)
    people = [
        ("park applicant (draft, 3 calculated years)", applicant),
        ("provincial reviewer (Jiangsu)", cast.provincial_a),
        ("national reviewer", national),
        ("administrator (every application)", admin),
        (f"expert ({EXPERT_ASSIGNED} assigned, half declared)", expert),
    ]
    with_boundary = Application.objects.filter(boundary_geojson__isnull=False).count()
    note = (
        f"{with_boundary:,} applications with a 40-vertex boundary; the expert's "
        f"{EXPERT_ASSIGNED} assignments among the applications under NDRC's review; the park's "
        f"three years with a stored calculation run each"
    )
    print(note)
    return people, note


def measure_workbench(people: list, national, requests: int) -> list:
    from django.test import Client
    from django.urls import reverse

    cases = []
    for who, user in people:
        client = Client()
        client.force_login(user)
        result = measure(client, reverse("home"), {}, requests)
        result.pop("context")
        cases.append((f"workbench, {who}", result))
    client = Client()
    client.force_login(national)
    result = measure(client, reverse("workbench_map"), {}, requests)
    result.pop("context")
    cases.append(("workbench map data (JSON, loaded by the page), national reviewer", result))
    return cases


def wb_verdict(pages: list, load) -> str:
    """Met or missed; on a machine busier than twice its CPUs the wall time is mostly waiting
    for a CPU, so the verdict is left to a quiet run (the CPU column says what the page costs)."""
    if load[0] > 2 * (os.cpu_count() or 1):
        return (
            f"not judged (load {load[0]:.1f} on {os.cpu_count()} CPUs: re-run on a quiet machine)"
        )
    return verdict(pages)


def workbench_section(when: str, load_start, load_end, cases: list, note: str, args) -> str:
    pages = [c for c in cases if c[0].startswith("workbench,")]
    only = " --only workbench" if args.only == "workbench" else ""
    return "\n".join(
        [
            "## Workbenches: each role's home page (bench/pages_bench.py)",
            "",
            wrap(
                f"Run {when} with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/zcparks_pbench "
                f".venv/bin/python bench/pages_bench.py{only}`; "
                f"**load average (1 min) {load_start[0]:.2f} when the measured requests began, "
                f"{load_end[0]:.2f} at their end** (5 and 15 min: {load_end[1]:.2f}, "
                f"{load_end[2]:.2f}); {machine()}."
            ),
            "",
            wrap(
                f"The same throwaway database of {args.count:,} generated applications (bench/"
                f"generate.py, every one with a drawn boundary), vacuumed and analysed; {note}. "
                f"Each case: one warm-up request, then {args.requests} requests through the Django "
                f"test client (server time, no network), then one more for the SQL query count. "
                f"The map's outlines are not in the page: the page fetches them from "
                f"`workbench/map.json` once it shows (decision D35), measured as its own row."
            ),
            "",
            *table(cases),
            "",
            wrap(
                f"Target ≤ {TARGET_MS} ms server time (the page benchmarks' target, issue 14): "
                f"workbench pages {wb_verdict(pages, load_start)} (worst p95 "
                f"{max(r['p95'] for _n, r in pages):.1f} ms, worst median "
                f"{max(r['median'] for _n, r in pages):.1f} ms; Django's own CPU per request "
                f"at most {max(r['cpu'] for _n, r in pages):.1f} ms)."
            ),
        ]
    )


def write_workbench(section_text: str, summary_row: str) -> None:
    text = RESULTS.read_text(encoding="utf-8")
    block = f"{WB_START}\n{section_text}\n{WB_END}"
    if WB_START in text:
        text = re.sub(
            re.escape(WB_START) + r".*?" + re.escape(WB_END), lambda _m: block, text, flags=re.S
        )
    elif "<!-- entry:start -->" in text:
        text = text.replace("<!-- entry:start -->", f"{block}\n\n<!-- entry:start -->", 1)
    else:
        text = f"{text.rstrip()}\n\n{block}\n"
    lines = [line for line in text.split("\n") if not line.startswith(WB_SUMMARY)]
    anchor = next(i for i, line in enumerate(lines) if line.startswith("| national queue page"))
    lines[anchor + 1 : anchor + 1] = [summary_row]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


def workbench_summary(when: str, load, cases: list) -> str:
    pages = [c for c in cases if c[0].startswith("workbench,")]
    worst = max(pages, key=lambda c: c[1]["p95"])
    queries = sorted({r["queries"] for _n, r in pages})
    map_case = next(r for n, r in cases if n.startswith("workbench map"))
    return (
        f"{WB_SUMMARY}park, province, NDRC (national, admin), expert; 10,000 applications "
        f"({when}, load {load[0]:.1f}) | ≤ {TARGET_MS} ms server time | worst median "
        f"{max(r['median'] for _n, r in pages):.0f} ms, worst p95 {worst[1]['p95']:.0f} ms "
        f"({worst[0].split(', ', 1)[1]}); {queries[0]}–{queries[-1]} queries; map data "
        f"(separate JSON) median {map_case['median']:.0f} ms, "
        f"{map_case['bytes'] / 1024:.0f} KB; Django CPU ≤ "
        f"{max(r['cpu'] for _n, r in pages):.0f} ms a page | {wb_verdict(pages, load)} |"
    )


def result_breakdown(url: str, requests: int) -> str:
    """Time the view's two data steps on their own: loading the latest run (its result; the
    trace stays in its chunks) and reading and formatting one page of the trace."""
    from django.urls import resolve

    from accounting import presentation, services
    from applications.models import Park

    kwargs = resolve(url).kwargs
    park = Park.objects.get(pk=kwargs["park_id"])
    load, fmt = [], []
    for _ in range(requests):
        start = time.perf_counter()
        run = services.latest_result(park, kwargs["year"]).last_success
        middle = time.perf_counter()
        presentation.trace_page(run, "1", {})
        load.append((middle - start) * 1000)
        fmt.append((time.perf_counter() - middle) * 1000)
    return (
        f"Where the result page's time goes (the same steps timed alone, median of "
        f"{requests}): loading the latest run with its result (`services.latest_result`; "
        f"the {run.trace_lines:,}-line trace stays in its chunks) {median_p95(load)[0]:.0f} "
        f"ms; `presentation.trace_page`, which reads the one 1,000-line chunk holding the "
        f"page and formats its 200 lines, {median_p95(fmt)[0]:.0f} ms; the rest of the "
        f"median is the template (200 trace lines and the result tables) and the "
        f"middleware."
    )


def wrap(text: str) -> str:
    import textwrap

    return textwrap.fill(text, 100, break_long_words=False, break_on_hyphens=False)


def table(cases: list) -> list[str]:
    lines = [
        "| request | median ms | p95 ms | Django CPU median ms | SQL queries | HTML KB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in cases:
        lines.append(
            f"| {name} | {r['median']:.1f} | {r['p95']:.1f} | {r['cpu']:.1f} "
            f"| {r['queries']} | {r['bytes'] / 1024:.0f} |"
        )
    return lines


def verdict(results: list) -> str:
    worst = max(r["p95"] for _n, r in results)
    return "met" if worst < TARGET_MS else "**missed**"


def write_results(section: str, summary: list[str]) -> None:
    text = RESULTS.read_text(encoding="utf-8")
    block = f"{START}\n{section}\n{END}"
    if START in text:
        text = re.sub(
            re.escape(START) + r".*?" + re.escape(END), lambda _m: block, text, flags=re.S
        )
    else:
        text = text.replace("<!-- reviews:end -->", f"<!-- reviews:end -->\n\n{block}", 1)
    lines = [line for line in text.split("\n") if not line.startswith(SUMMARY_ROWS)]
    anchor = next(i for i, line in enumerate(lines) if line.startswith("| national queue page"))
    lines[anchor + 1 : anchor + 1] = summary
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


def section(
    when: str,
    load_start,
    load_end,
    cases: list,
    result_note: str,
    review_note: str,
    register_note: str,
    breakdown: str,
    args,
    after_approval_note: str = "",
) -> str:
    result_cases = [c for c in cases if c[0].startswith("result")]
    review_cases = [c for c in cases if c[0].startswith("review")]
    register_cases = [c for c in cases if c[0].startswith("register")]
    return "\n".join(
        [
            "## Pages: the review page and a park's result page (bench/pages_bench.py)",
            "",
            wrap(
                f"Run {when} with "
                f"`DATABASE_URL=postgres://postgres@127.0.0.1:5432/zcparks_pbench "
                f".venv/bin/python bench/pages_bench.py`; "
                f"**load average (1 min) {load_start[0]:.2f} "
                f"when the measured requests began, {load_end[0]:.2f} at their end** "
                f"(5 and 15 min: {load_end[1]:.2f}, {load_end[2]:.2f}); {machine()}."
            ),
            "",
            wrap(
                f"A throwaway database (`test_zcparks_pbench`, created, migrated and dropped by "
                f"the "
                f"script) holding {args.count:,} generated applications (bench/generate.py), then "
                f"vacuumed and analysed. Result page: {result_note}. "
                f"Review page: {review_note}. Public register: {register_note}. "
                f"{after_approval_note}. Each case: one "
                f"warm-up request, then {args.requests} requests through the Django test client "
                f"(server time, no network), then one more for the SQL query count "
                f"(CaptureQueriesContext)."
            ),
            "",
            *table(cases),
            "",
            wrap(
                f"Compared with the queue's page target (< {TARGET_MS} ms server time, median and "
                f"p95): "
                f"result page {verdict(result_cases)} (worst p95 "
                f"{max(r['p95'] for _n, r in result_cases):.1f} ms), review page "
                f"{verdict(review_cases)} (p95 {review_cases[0][1]['p95']:.1f} ms), "
                f"public register "
                f"{verdict(register_cases)} (worst p95 "
                f"{max(r['p95'] for _n, r in register_cases):.1f} ms); "
                + "; ".join(
                    f"{name} {verdict([(name, r)])} (p95 {r['p95']:.1f} ms)"
                    for name, r in cases
                    if name.startswith(AFTER_APPROVAL_CASES)
                )
                + "."
            ),
            "",
            wrap(breakdown),
        ]
    )


def summary(
    when: str, load, result_cases: list, review_cases: list, register_cases: list
) -> list[str]:
    first = result_cases[0][1]
    worst = max(result_cases, key=lambda c: c[1]["p95"])
    queries = sorted({r["queries"] for _n, r in result_cases})
    review = review_cases[0][1]
    return [
        f"| park's result page, 96,000-row park-year (15,000 trace lines), 10,000 applications "
        f"in the database ({when}, load {load[0]:.1f}) | < {TARGET_MS} ms server time (the "
        f"queue's target) | applicant, trace page 1: median {first['median']:.0f} ms, p95 "
        f"{first['p95']:.0f} ms; worst p95 {worst[1]['p95']:.0f} ms "
        f"({worst[0].split(', ', 1)[1].split(' (')[0]}, median {worst[1]['median']:.0f} ms); "
        f"{'–'.join(map(str, queries))} queries "
        f"| {verdict(result_cases)} |",
        f"| review page (national reviewer), application with calculation results, 10,000 "
        f"applications ({when}, load {load[0]:.1f}) | < {TARGET_MS} ms server time (the "
        f"queue's target) | median {review['median']:.0f} ms, p95 {review['p95']:.0f} ms; "
        f"{review['queries']} queries | {verdict(review_cases)} |",
        f"| public register of designated parks, {REGISTER_PARKS} parks, 50 a page ({when}, "
        f"load {load[0]:.1f}) | < {TARGET_MS} ms server time (the queue's target) | page 1: "
        f"median {register_cases[0][1]['median']:.0f} ms, p95 "
        f"{register_cases[0][1]['p95']:.0f} ms; worst p95 "
        f"{max(r['p95'] for _n, r in register_cases):.0f} ms; "
        f"{register_cases[0][1]['queries']} queries | {verdict(register_cases)} |",
    ]


def after_approval_summary(when: str, load, progress_cases: list, list_cases: list) -> list:
    def row(title: str, cases: list) -> str:
        worst = max(cases, key=lambda c: c[1]["p95"])
        medians = ", ".join(
            f"{name.split(', ', 1)[1] if ', ' in name else name}: {r['median']:.0f} ms "
            f"({r['queries']} queries)"
            for name, r in cases
        )
        return (
            f"| {title}, 10,000 applications ({when}, load {load[0]:.1f}) | < {TARGET_MS} ms "
            f"server time (the queue's target) | median {medians}; worst p95 "
            f"{worst[1]['p95']:.0f} ms | {verdict(cases)} |"
        )

    reports = [c for c in progress_cases if c[0].startswith("progress report")]
    guidance = [c for c in progress_cases if c[0].startswith("guidance")]
    return [
        row("progress reports (list and one report)", reports),
        row("construction list (建设名单) and its export", list_cases),
        row("provincial guidance (by province and one park)", guidance),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    parser.add_argument(
        "--only", choices=("all", "workbench"), default="all", help="measure the workbenches only"
    )
    args = parser.parse_args()
    files = Path(tempfile.mkdtemp(prefix="zcp-pbench-"))
    os.environ["ZCP_PRIVATE_STORAGE_ROOT"] = str(files / "private")
    old = setup()
    try:
        from django.conf import settings
        from django.db import connection
        from generate import generate

        from applications.models import Application, Province, Role, User
        from zcparks.celery import app

        settings.MEDIA_ROOT = files / "media"
        app.conf.task_always_eager = True  # letters and recalculations inline, as in the tests
        started = time.perf_counter()
        generate(args.count, boundaries=True)
        print(
            f"generated {Application.objects.count()} applications in "
            f"{time.perf_counter() - started:.1f} s"
        )
        jiangsu, anhui = Province.objects.get(code="32"), Province.objects.get(code="34")
        cast = SimpleNamespace(
            national=User.objects.create(username="p_national", role=Role.NATIONAL),
            provincial_a=User.objects.create(
                username="p_prov_js", role=Role.PROVINCIAL, province=jiangsu
            ),
            provincial_other=User.objects.create(
                username="p_prov_ah", role=Role.PROVINCIAL, province=anhui
            ),
        )
        people, workbench_note = workbench_people(cast)
        if args.only == "all":
            result_url, applicant, result_note = result_park()
            review_url, review_note = review_application(cast)
            register_note = register_parks(cast.national)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # VACUUM too, so that autovacuum of the freshly loaded tables does not run
                # during the measured requests
                cursor.execute("VACUUM ANALYZE")
        load_start = os.getloadavg()
        workbench_cases = measure_workbench(people, cast.national, args.requests)
        print("\n".join(table(workbench_cases)))
        if args.only == "workbench":
            load_end = os.getloadavg()
            print(f"load average: {load_start[0]:.2f} at start, {load_end[0]:.2f} at the end")
            if not args.no_write:
                when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
                write_workbench(
                    workbench_section(
                        when, load_start, load_end, workbench_cases, workbench_note, args
                    ),
                    workbench_summary(when, load_end, workbench_cases),
                )
                print(f"wrote {RESULTS.relative_to(ROOT)}")
            return
        result_cases = measure_result(result_url, applicant, cast.national, args.requests)
        review_cases = measure_review(review_url, cast.national, args.requests)
        register_cases = measure_register(args.requests)
        # Built after the review page was measured: its application is approved here.
        progress_urls, progress_note = progress_world(cast)
        list_note = construction_list_world(cast.national)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM ANALYZE")
        progress_cases = measure_progress(progress_urls, cast, args.requests)
        list_cases = measure_construction_list(args.requests)
        breakdown = result_breakdown(result_url, args.requests)
        print(breakdown)
        cases = result_cases + review_cases + register_cases + progress_cases + list_cases
        load_end = os.getloadavg()
        print("\n".join(table(cases)))
        print(f"load average: {load_start[0]:.2f} at start, {load_end[0]:.2f} at the end")
        print(f"machine: {machine()}")
        print(
            f"result page target p95 < {TARGET_MS} ms: {verdict(result_cases)}; "
            f"review page: {verdict(review_cases)}"
        )
        for name, r in cases:
            print(f"-- {name}: {r['queries']} queries")
        if not args.no_write:
            when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
            write_results(
                section(
                    when,
                    load_start,
                    load_end,
                    cases,
                    result_note,
                    review_note,
                    register_note,
                    breakdown,
                    args,
                    f"Progress and guidance: {progress_note}. Construction list: {list_note}",
                ),
                summary(when, load_end, result_cases, review_cases, register_cases)
                + after_approval_summary(when, load_end, progress_cases, list_cases),
            )
            write_workbench(
                workbench_section(
                    when, load_start, load_end, workbench_cases, workbench_note, args
                ),
                workbench_summary(when, load_end, workbench_cases),
            )
            print(f"wrote {RESULTS.relative_to(ROOT)}")
    finally:
        teardown(old)
        shutil.rmtree(files, ignore_errors=True)


if __name__ == "__main__":
    main()
