"""The suite hands out its longest files first (tests/ordering.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from tests import ordering


def items(*nodeids: str) -> list:
    return [SimpleNamespace(nodeid=nodeid) for nodeid in nodeids]


def order(collected: list) -> list[str]:
    ordering.longest_first(collected)
    return [item.nodeid for item in collected]


def test_files_go_longest_first_by_the_table_and_unknown_ones_in_the_middle(tmp_path, monkeypatch):
    table = tmp_path / "durations.json"
    table.write_text(json.dumps({"tests/a.py": 1.0, "tests/b.py": 90.0, "tests/c.py": 10.0}))
    monkeypatch.setattr(ordering, "DURATIONS", table)

    collected = items(
        "tests/a.py::test_one", "tests/new.py::test_x", "tests/a.py::test_two",
        "tests/c.py::test_three", "tests/b.py::test_four",
    )  # fmt: skip

    assert order(collected) == [
        "tests/b.py::test_four",
        "tests/c.py::test_three",
        "tests/new.py::test_x",  # at the median, 10 s, after c.py's 10 s by path
        "tests/a.py::test_one",  # a file's tests together and in their order
        "tests/a.py::test_two",
    ]


def test_without_a_table_the_known_slow_files_go_first(tmp_path, monkeypatch):
    monkeypatch.setattr(ordering, "DURATIONS", tmp_path / "absent.json")

    collected = items(
        "tests/accounting/test_engine.py::test_a",
        "tests/ops/test_two_nodes.py::test_b",
        "tests/e2e/test_journey.py::test_c",
    )

    assert order(collected) == [
        "tests/e2e/test_journey.py::test_c",
        "tests/ops/test_two_nodes.py::test_b",
        "tests/accounting/test_engine.py::test_a",
    ]


def test_a_recorded_run_writes_each_files_seconds_and_keeps_the_others(tmp_path, monkeypatch):
    table = tmp_path / "durations.json"
    table.write_text(json.dumps({"tests/a.py": 5.0, "tests/b.py": 7.0}))
    monkeypatch.setattr(ordering, "DURATIONS", table)
    recorder = ordering._Recorder()
    for nodeid, seconds in [
        ("tests/a.py::t", 1.0),
        ("tests/a.py::t", 2.5),
        ("tests/c.py::u", 3.0),
    ]:
        recorder.pytest_runtest_logreport(SimpleNamespace(nodeid=nodeid, duration=seconds))

    recorder.pytest_sessionfinish(SimpleNamespace(items=[]))

    assert json.loads(table.read_text()) == {
        "tests/a.py": 3.5,
        "tests/b.py": 7.0,
        "tests/c.py": 3.0,
    }
