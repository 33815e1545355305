"""The suite's files are handed out longest first, by their measured durations.

pytest-xdist's `--dist loadfile` hands the files out in collection order with
`--no-loadscope-reorder` (dev.py test); by default it hands out the files with the most tests
first, so the one-test walks of a minute or two (browser journeys, route walks, real gunicorn and
Celery processes) ran last, alone on one worker, while the other had nothing left. Started first,
the many short files fill in around them.

The order comes from tests/durations.json: each file's seconds (setup, call and teardown of all
its tests, on one worker) from a whole run with `--record-durations`, which writes the table.
A file not in the table (new since) goes in the middle, at the median. Without a table, the
files known to take a minute or more on two cores (SLOW_FIRST) go first, in that order. The order
is the only thing either changes: no test may depend on it (the workers split the files anyway).
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from pathlib import Path

import pytest

DURATIONS = Path(__file__).with_name("durations.json")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-durations",
        action="store_true",
        help="write each test file's measured seconds to tests/durations.json (whole runs only)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # Only where the reports of every worker arrive: the controller, or a run without xdist.
    if config.getoption("record_durations") and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Recorder(), "zcp-durations-recorder")


def file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def read_durations() -> dict[str, float]:
    if not DURATIONS.exists():
        return {}
    return {path: float(seconds) for path, seconds in json.loads(DURATIONS.read_text()).items()}


# Without a measured table: the files that took a minute or more each on two cores in the whole
# runs of December 2026 (browser walks, route walks, real gunicorn and Celery processes).
SLOW_FIRST = (
    "tests/e2e/test_journey",
    "tests/security/test_hostile_parameters",
    "tests/security/test_access_matrix",
    "tests/ops/",
    "tests/services/",
    "tests/e2e/",
    "tests/permissions/",
    "tests/reviews/test_letter_seal.py",
    "tests/acceptance/",
)


def longest_first(items: list[pytest.Item]) -> None:
    """Sort the items by their file's duration, longest first, in place; ties go by path. A
    file's tests stay together (its module-wide fixtures built once) and in their order (the
    sort is stable)."""
    durations = read_durations()
    if durations:
        middle = statistics.median(durations.values())
        items.sort(
            key=lambda item: (-durations.get(file_of(item.nodeid), middle), file_of(item.nodeid))
        )
    else:
        items.sort(key=lambda item: (_rank(file_of(item.nodeid)), file_of(item.nodeid)))


def _rank(path: str) -> int:
    return next(
        (rank for rank, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)),
        len(SLOW_FIRST),
    )


class _Recorder:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.seconds[file_of(report.nodeid)] += report.duration

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.seconds:
            return
        # Files this run did not reach keep their earlier measure; files gone are dropped.
        table = {**read_durations(), **self.seconds}
        known = {file_of(item.nodeid) for item in session.items} or set(table)
        rows = {path: round(seconds, 1) for path, seconds in sorted(table.items()) if path in known}
        DURATIONS.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
