"""``python manage.py evaluate_park CASE.json [--factor-set CODE]``

Evaluates one park-year in the ``zcp-case/1`` format and prints the indicators as JSON (the
fields of shared/acceptance/expected). Stores nothing. Bad input prints one line,
``<place>: <message>``, on stderr and exits with status 1.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from accounting import stored_factor_sets
from accounting.method.case import CaseError, check_header
from accounting.method.engine import dumps, evaluate
from accounting.method.factor_set import FactorSet, FactorSetError, bundled_factor_set


def read_case(path: Path) -> Any:
    """The parsed JSON of ``path``; CaseError naming the file when it cannot be read or parsed."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CaseError(str(path), f"cannot read the file ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaseError(str(path), f"is not UTF-8 text (byte {exc.start})") from None
    try:
        # Decimal keeps every digit written; NaN/Infinity stay floats for the engine to refuse
        # with their place, instead of a parse error here.
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise CaseError(str(path), f"invalid JSON at {where}: {exc.msg}") from None
    except RecursionError:
        raise CaseError(str(path), "invalid JSON: nested too deeply") from None


def resolve_factor_set(code: str, warn: Any = None) -> FactorSet | None:
    """The stored factor set when the database answers, else the bundled copy; None when neither
    knows ``code``."""
    try:
        found = stored_factor_sets.resolve_factor_set(code)
    except DatabaseError as exc:
        # A fresh clone without a migrated database can still evaluate a case file.
        if warn is not None:
            warn(f"note: stored factor sets unavailable ({exc}); using the bundled copy")
        found = None
    return found if found is not None else bundled_factor_set(code)


class Command(BaseCommand):
    help = "Evaluate a zcp-case/1 park-year file and print its indicators as JSON (stores nothing)."
    # A pure calculation: the project's system checks have nothing to say about it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("case", help="path of the zcp-case/1 JSON file (UTF-8)")
        parser.add_argument(
            "--factor-set",
            dest="factor_set",
            help="factor set code to use instead of the one the case names",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        notes: list[str] = []  # shown only on success: a refusal is exactly one line
        try:
            case = read_case(Path(options["case"]))
            code = check_header(case)
            code = options["factor_set"] or code
            try:
                factor_set = resolve_factor_set(code, warn=notes.append)
            except FactorSetError as exc:
                raise CaseError("factor_set", f"the factor set {code!r} is broken: {exc}") from None
            if factor_set is None:
                raise CaseError("factor_set", f'unknown factor set "{code}"')
            result = evaluate(case, factor_set)
        except CaseError as exc:
            # One line, exactly "<place>: <message>" (a CommandError would prefix it).
            self.stderr.write(str(exc))
            raise SystemExit(1) from None
        self.stdout.write(dumps(result.to_json_dict()))
        for note in notes:
            self.stderr.write(note)
