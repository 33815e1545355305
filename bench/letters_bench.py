#!/usr/bin/env python3
"""How long one official letter takes: render (WeasyPrint, CJK fonts, QR code), seal (PAdES
signature by the issuing body, pyHanko) and store.

    .venv/bin/python bench/letters_bench.py [--runs 10]

Builds, in a throwaway test database, one application with a real calculation taken through the
workflow to national approval, then issues --runs new assessment letters and times
`letters.generate` (render, seal, write to a temp file, check %PDF and parse, link into place, hash)
for each. Then the same for the letters after construction: a second park approved, its year
calculated, self-assessed, put forward and accepted with conditions; --runs new acceptance letters
(评估验收结果的函) and --runs new certificates are issued from that decision and timed. Prints the
median and the slowest of each kind; the target is a median under 1.5 s.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from _setup import machine, median_p95, setup, teardown

TARGET_SECONDS = 1.5
LONG_COMMENT = (
    "请补充园区能源消费数据的计量依据和统计口径说明，核实外购电力、热力的计量点位与"
    "结算凭证，并说明重点用能企业在线监测覆盖情况。"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--comments",
        type=int,
        default=0,
        help="long public comments made before the decision (issue 18: 300)",
    )
    args = parser.parse_args()
    old = setup()
    try:
        from django.conf import settings

        settings.PRIVATE_STORAGE_ROOT = tempfile.mkdtemp(prefix="zcp-letters-bench-")
        from pathlib import Path

        from applications.demo_seals import make_demo_seals

        settings.ZCP_SIGNING_DIR = tempfile.mkdtemp(prefix="zcp-letters-bench-seals-")
        make_demo_seals(Path(settings.ZCP_SIGNING_DIR))
        settings.CELERY_TASK_ALWAYS_EAGER = True
        from applications import letters
        from applications.models import Letter, LetterKind, Role
        from tests.applications.builders import complete_application, drive_to, open_batch
        from tests.factories import ParkFactory, UserFactory, province
        from tests.reviews.conftest import add_energy_data

        park = ParkFactory(name="基准零碳产业园", province=province("32"))

        class Cast:
            provincial_a = UserFactory(
                username="b_prov", role=Role.PROVINCIAL, province=park.province
            )
            provincial_other = provincial_a
            national = UserFactory(username="b_nat", role=Role.NATIONAL)

        applicant = UserFactory(username="b_app", role=Role.APPLICANT, park=park)
        batch = open_batch()
        add_energy_data(park, batch.year - 1)
        application = drive_to(
            complete_application(park, applicant, batch), "under_national_review", Cast
        )
        from applications import workflow
        from applications.models import ReviewComment

        ReviewComment.objects.bulk_create(
            ReviewComment(
                application=application,
                author=Cast.national,
                visibility="public",
                text=f"第{n}条：" + LONG_COMMENT * 4,
            )
            for n in range(1, args.comments + 1)
        )
        workflow.approve(Cast.national, application, "同意纳入建设名单。")
        event = application.events.get(action="approve")
        _time(letters, Letter, event, LetterKind.ASSESSMENT, args, f"{args.comments} comments")

        # After construction: another park approved, self-assessed and accepted with conditions.
        from tests.acceptance.conftest import AT_THRESHOLD_GRID_MWH, enter_year
        from tests.programme import builders

        park_b = ParkFactory(name="基准验收零碳产业园", province=park.province)
        applicant_b = UserFactory(username="b_app_b", role=Role.APPLICANT, park=park_b)
        programme = builders.approved_programme(Cast, park=park_b, applicant=applicant_b)
        enter_year(park_b, 2025, AT_THRESHOLD_GRID_MWH)
        workflow.request_self_assessment(applicant_b, programme)
        workflow.put_forward(Cast.provincial_a, programme, year=2025, report="自评估报告。" * 20)
        workflow.accept_with_conditions(
            Cast.national, programme, "\n".join(f"{n}. " + LONG_COMMENT for n in range(1, 6))
        )
        decision = programme.application.events.get(action="accept_with_conditions")
        _time(letters, Letter, decision, LetterKind.ACCEPTANCE, args, "with conditions")
        _time(letters, Letter, decision, LetterKind.CERTIFICATE, args, "one page")
        print(f"machine: {machine()}")
    finally:
        teardown(old)


def _time(letters, Letter, event, kind: str, args, case: str) -> None:
    durations, cpu = [], []
    for _ in range(args.runs + 1):
        # Owes its rendering (an outbox row nobody hands over here): timed just below.
        letter = letters._new_letter(event, kind)
        start, start_cpu = time.perf_counter(), time.process_time()
        letters.generate(letter.pk)
        durations.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    durations, cpu = durations[1:], cpu[1:]  # the first run loads fonts and templates
    median, p95 = median_p95(durations)
    sizes = list(Letter.objects.filter(status="ready", kind=kind).values_list("size", flat=True))
    print(
        f"{kind} letters ({case}): {args.runs} runs, median {median:.3f} s, "
        f"slowest {max(durations):.3f} s, p95 {p95:.3f} s, PDF {min(sizes)}–{max(sizes)} bytes; "
        f"CPU median {median_p95(cpu)[0]:.3f} s; target median < {TARGET_SECONDS} s: "
        f"{'met' if median < TARGET_SECONDS else 'MISSED'}; load average {os.getloadavg()}"
    )


if __name__ == "__main__":
    main()
