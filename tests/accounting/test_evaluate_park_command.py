"""``python manage.py evaluate_park``: the acceptance cases through the real command line."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from io import StringIO
from pathlib import Path
from types import MappingProxyType

import pytest
from django.core.management import call_command
from django.db import OperationalError

from accounting.method.factor_set import Parameter, bundled_factor_set
from tests.accounting.test_engine import ACCEPTANCE, CASE_FILES, assert_matches, load

ROOT = Path(__file__).resolve().parents[2]

# Every command line of this file runs in one Python process started once (a Django start-up
# costs seconds of CPU, the evaluation milliseconds): the driver calls manage.py's own main()
# with each command line as sys.argv and records its exit status, stdout and stderr. Anything
# written past that capture (a logging handler bound to the real stderr) fails the run.
DRIVER = """
import contextlib, io, json, sys
import manage

results = []
for argv in json.loads(sys.stdin.read()):
    out, err, status = io.StringIO(), io.StringIO(), 0
    sys.argv = ["manage.py", "evaluate_park", *argv]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            manage.main()
        except SystemExit as exit:
            status = exit.code if isinstance(exit.code, int) else 1
    results.append([status, out.getvalue(), err.getvalue()])
sys.__stdout__.write(json.dumps(results))
"""


def run_all(folder: Path, command_lines: list[tuple[str, ...]]) -> dict:
    # A database of its own: the command must work without a migrated one, and store nothing.
    env = os.environ | {"DATABASE_URL": f"sqlite:///{folder / 'command.sqlite3'}"}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER],
        cwd=ROOT,
        env=env,
        input=json.dumps(command_lines),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return {
        argv: subprocess.CompletedProcess(["evaluate_park", *argv], status, out, err)
        for argv, (status, out, err) in zip(command_lines, json.loads(done.stdout), strict=True)
    }


def assert_nothing_stored(folder: Path) -> None:
    database = folder / "command.sqlite3"
    if database.exists():
        with sqlite3.connect(database) as connection:
            assert connection.execute("select count(*) from sqlite_master").fetchone() == (0,)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """The files the refusals below are given."""
    folder = tmp_path_factory.mktemp("evaluate_park")
    (folder / "bad.json").write_text('{"schema": "zcp-case/1",\n  "park": }', encoding="utf-8")
    case = load(ACCEPTANCE / "cases" / "01-green-medium.json") | {"factor_set": "ZCP-2099"}
    (folder / "unknown.json").write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    case = load(ACCEPTANCE / "cases" / "01-green-medium.json") | {
        "schema": "zcp-case/0",
        "factor_set": "ZCP-2099",
    }
    (folder / "schema.json").write_text(json.dumps(case), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def command(inputs: Path):
    """`command(*args)`: what `manage.py evaluate_park *args` exited with and printed."""
    lines = [(str(path),) for path in CASE_FILES] + [
        (str(inputs / "absent.json"),),
        (str(inputs / "bad.json"),),
        (str(inputs / "unknown.json"),),
        (str(inputs / "unknown.json"), "--factor-set", "ZCP-2025-trial"),
        (str(inputs / "schema.json"),),
    ]
    results = run_all(inputs, lines)
    assert_nothing_stored(inputs)
    return lambda *args: results[args]


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_the_command_prints_each_acceptance_result_or_refuses_with_its_place(
    inputs: Path, command, path: Path
) -> None:
    expected = load(ACCEPTANCE / "expected" / path.name)
    done = command(str(path))
    if "error" in expected:
        assert done.returncode != 0
        assert done.stdout == ""
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].split(":")[0] == expected["error"].split(":")[0]
    else:
        assert done.returncode == 0, done.stderr
        assert_matches(expected, json.loads(done.stdout))
    assert_nothing_stored(inputs)


def test_numbers_are_printed_exactly_not_through_float(command) -> None:
    done = command(str(ACCEPTANCE / "cases" / "03-large-industrial.json"))
    printed = json.loads(done.stdout, parse_float=Decimal)
    assert printed["emissions_t"]["transformation"] == Decimal(
        "12146.85779999999999999999999999997"
    )
    assert '"tier": "1m_plus"' in done.stdout


def test_a_missing_file_is_refused_by_name(inputs: Path, command) -> None:
    done = command(str(inputs / "absent.json"))
    assert done.returncode == 1 and done.stdout == ""
    assert (
        done.stderr.strip()
        == f"{inputs / 'absent.json'}: cannot read the file (No such file or directory)"
    )


def test_invalid_json_is_refused_with_line_and_column(inputs: Path, command) -> None:
    bad = inputs / "bad.json"
    done = command(str(bad))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip().startswith(f"{bad}: invalid JSON at line 2, column 11")


def test_an_unknown_factor_set_is_refused(inputs: Path, command) -> None:
    path = inputs / "unknown.json"
    done = command(str(path))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip() == 'factor_set: unknown factor set "ZCP-2099"'
    # --factor-set names the set to use instead.
    done = command(str(path), "--factor-set", "ZCP-2025-trial")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tier"] == "200k_1m"


def test_errors_before_the_factor_set_come_first(inputs: Path, command) -> None:
    assert command(str(inputs / "schema.json")).stderr.strip() == 'schema: must be "zcp-case/1"'


# --- In-process: which factor set the command uses ----------------------------------------------


def _case_path(tmp_path: Path) -> Path:
    path = tmp_path / "case.json"
    path.write_text((ACCEPTANCE / "cases" / "04-small-park.json").read_text("utf-8"), "utf-8")
    return path


def test_a_stored_factor_set_is_preferred_to_the_bundled_copy(monkeypatch, tmp_path: Path) -> None:
    bundled = bundled_factor_set("ZCP-2025-trial")
    parameters = dict(bundled.parameters)
    parameters["electricity_fossil_factor"] = Parameter(
        "electricity_fossil_factor", Decimal("0.5"), "tCO2/MWh", "test"
    )
    stored = replace(bundled, version=2, parameters=MappingProxyType(parameters))
    asked: list[str] = []

    def resolve(code: str):
        asked.append(code)
        return stored

    monkeypatch.setattr("accounting.stored_factor_sets.resolve_factor_set", resolve)
    out = StringIO()
    call_command("evaluate_park", str(_case_path(tmp_path)), stdout=out, stderr=StringIO())
    assert asked == ["ZCP-2025-trial"]
    assert json.loads(out.getvalue())["emissions_t"]["electricity"] == 30000 * 0.5


def test_the_bundled_copy_is_used_when_the_database_cannot_answer(
    monkeypatch, tmp_path: Path
) -> None:
    def resolve(code: str):
        raise OperationalError("no such table: accounting_factorsetversion")

    monkeypatch.setattr("accounting.stored_factor_sets.resolve_factor_set", resolve)
    out, err = StringIO(), StringIO()
    call_command("evaluate_park", str(_case_path(tmp_path)), stdout=out, stderr=err)
    assert json.loads(out.getvalue())["emissions_t"]["electricity"] == 24975.0
    assert "using the bundled copy" in err.getvalue()


def test_a_refusal_in_process_exits_with_status_1(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr("accounting.stored_factor_sets.resolve_factor_set", lambda code: None)
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command(
            "evaluate_park",
            str(ACCEPTANCE / "cases" / "06-negative-rejected.json"),
            stdout=out,
            stderr=err,
        )
    assert exited.value.code == 1
    assert out.getvalue() == ""
    assert err.getvalue().strip() == "electricity[0].mwh: must not be negative"
