"""The input digest of a case: SHA-256 of its normalised form, equal for cases that must give
equal results (a run records it; the API and the import of the same data give the same one).

Keys the engine ignores, the spelling of numbers (2000, 2000.0, "2e3") and how many records a
row sums do not change it; any value that changes a result does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from decimal import Decimal
from typing import Any

from accounting.method.case import FuelRow, ParsedCase, parse_case


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _number(value)
    if hasattr(value, "_asdict"):  # the row NamedTuples
        return _canonical(value._asdict())
    if is_dataclass(value):
        return _canonical({f.name: getattr(value, f.name) for f in fields(value)})
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    return value


def _number(value: Decimal) -> str:
    # 2000, 2000.0 and "2e3" are the same quantity and must digest alike.
    return format(value.normalize(), "f") if value else "0"


def _field(value: Any) -> str:
    """One row field, spelled so that no two different rows can give the same text."""
    if type(value) is str:
        return f"{len(value)}:{value}"  # the length makes any character safe inside
    if type(value) is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    return _number(value)


def _spelled(values: tuple) -> Iterable[str]:
    """A column's fields spelled by ``_field``, each distinct value once (hashing a Decimal is
    slow, so numbers take the quicker road of ``_numbers``)."""
    if type(next((v for v in values if v is not None), None)) is Decimal:
        return _numbers(values)
    spelled = {value: _field(value) for value in set(values)}
    return map(spelled.__getitem__, values)


def _numbers(values: tuple[Decimal | None, ...]) -> list[str]:
    """``_field`` of each Decimal (or None): str() and trailing zeros cut, which is what
    ``_number`` gives for every str() without an exponent; the rest go through ``_number``."""
    texts = list(map(str, values))
    joined = "".join(texts)
    if "E" in joined or "-" in joined or "N" in joined:  # an exponent, -0, None
        return [_field(value) for value in values]
    return [text.rstrip("0").rstrip(".") if "." in text else text for text in texts]


ROW_SECTIONS = ("fuels", "electricity", "generation", "heat", "processes")
# Columns added after digests were first recorded, by position: left out while every row's
# value is None, so earlier data keeps its digest.
_OPTIONAL = {"fuels": {FuelRow._fields.index(name): name for name in ("ncv", "carbon")}}


def case_digest(case: Any) -> str:
    """SHA-256 (hex) of the normalised case: equal for cases that must give equal results.

    Validates like ``parse_case`` (without a factor set, so unknown fuel codes pass here).
    Keys the engine ignores and the spelling of numbers do not change the digest.
    """
    return parsed_digest(parse_case(case))


def parsed_digest(parsed: ParsedCase) -> str:
    """The digest of an already validated case (saves a second validation of a large one).

    The header and the guiding indicators are canonical JSON; the rows, the bulk of a large
    park, are hashed column by column, so 8,000 summed rows cost a few milliseconds. Numbers
    are spelled normalised (2000 and 2000.0 alike), texts with their length, and a column
    holds one type (or None), so no two different values can share a spelling.
    """
    head = {
        "park_name": parsed.park_name,
        "province": parsed.province,
        "year": parsed.year,
        "factor_set": parsed.factor_set,
        "guiding": _canonical(parsed.guiding),
    }
    sha = hashlib.sha256()
    sha.update(json.dumps(head, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode())
    for section in ROW_SECTIONS:
        rows = getattr(parsed, section)
        sha.update(f"\n{section} {len(rows)}".encode())
        if not rows:
            continue
        # Column by column, every field but the last, ``rows`` (how many records were summed:
        # no result depends on it). A column has exactly one field per row and no field can
        # hold the separator unescaped (texts carry their length), so the text is unambiguous.
        optional = _OPTIONAL.get(section, {})
        for number, column in enumerate(list(zip(*rows, strict=True))[:-1]):
            name = optional.get(number)
            if name is not None:
                if column.count(None) == len(column):
                    continue  # a case without measured values digests as it did before them
                sha.update(f"\n{name}".encode())  # named, so a skipped column cannot pose as it
            sha.update(("\n" + "|".join(_spelled(column))).encode("utf-8"))
    return sha.hexdigest()
