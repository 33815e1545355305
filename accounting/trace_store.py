"""How a run's trace is stored: its kinds of line once, the lines in numbered chunks.

A 1,000-enterprise park-year has ~15,000 trace lines. Most of a line is its kind (category,
section, energy type, use, detail, factor code, value, unit and source, sign, units), shared
by many lines; stored once per run, the kinds shrink a line to four short fields. Lines are
cut into chunks of ``CHUNK_LINES``, each a row of ``TraceChunk`` holding JSON text, so a page
of the result (``TRACE_PAGE`` = 200 lines) reads one small chunk instead of the whole trace,
and storing a run writes a few rows, not a large JSON document the database must parse.

Outside this module a trace line is always the full row in ``TRACE_COLUMNS`` order, with the
three Decimals as exact text in plain digits (``Decimal(text)`` reads back the same number):
the API, the dossier and the pages see the same rows as before the trace was stored this way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal, localcontext
from typing import Any

from accounting.method.factor_set import CONTEXT

TRACE_COLUMNS = [
    "category",
    "section",
    "enterprise",
    "energy_type",
    "use",
    "detail",
    "rows",
    "quantity",
    "unit",
    "factor_code",
    "factor_value",
    "factor_unit",
    "factor_source",
    "sign",
    "amount",
    "amount_unit",
]
CHUNK_LINES = 1000  # a multiple of the result page's 200 lines: a page is within one chunk


def pack(lines: Sequence[Sequence[Any]]) -> tuple[list[list[Any]], list[str], int]:
    """(kinds, chunks of JSON text, number of lines) of full rows in TRACE_COLUMNS order,
    with quantity, factor_value and amount as Decimals.

    A stored line is [enterprise, rows, quantity, kind index], the quantity a JSON number in
    plain digits (read back as a Decimal, exactly); its kind is all the rest, which few lines
    differ in: [category, section, energy_type, use, detail, unit, factor_code,
    "factor_value", factor_unit, factor_source, sign, amount_unit]. The amount is not stored:
    it is sign × quantity × factor_value in the engine's context (``CONTEXT``), and ``unpack``
    works it out again to the same Decimal, digit for digit (a test holds them together).
    Lines of a kind are told apart by their factor value object, as the engine uses one per
    factor (equal values in separate objects only cost a kind each).
    """
    if not lines:
        return [], [], 0
    (category, section, enterprise, energy_type, use, detail, rows, quantity, unit, code,
     value, factor_unit, source, sign, amount, amount_unit) = zip(*lines, strict=True)  # fmt: skip
    keys = zip(category, section, energy_type, use, detail, unit, code, map(id, value),
               factor_unit, source, sign, amount_unit, strict=True)  # fmt: skip
    index: dict[tuple, int] = {}
    numbers = [index.setdefault(key, len(index)) for key in keys]
    first = dict(zip(numbers, range(len(numbers)), strict=True))  # a line of each kind
    kinds = [list(key) for key in index]
    for number, kind in enumerate(kinds):
        kind[7] = value[first[number]]
    return pack_compact(kinds, list(zip(numbers, enterprise, rows, quantity, amount, strict=True)))


def pack_compact(
    kinds: Sequence[Sequence[Any]], lines: Sequence[tuple[int, str, int, Decimal, Any]]
) -> tuple[list[list[Any]], list[str], int]:
    """``pack`` of a trace already split into kinds (each as stored, its factor value a
    Decimal) and lines (kind index, enterprise, rows, quantity, amount): what the engine's
    ``Result.trace_kinds`` and ``trace_lines`` hold. The JSON is put together column by
    column; every step runs in C but a few per kind."""
    if not lines:
        return [], [], 0
    numbers, enterprise, rows, quantity, _amount = zip(*lines, strict=True)
    stored_kinds = [[*kind[:7], _digits((kind[7],))[0], *kind[8:]] for kind in kinds]
    fields = zip(_encoded(enterprise), map(str, rows), _digits(quantity), map(str, numbers),
                 strict=True)  # fmt: skip
    texts = list(map(",".join, fields))
    chunks = [
        "[[" + "],[".join(texts[i : i + CHUNK_LINES]) + "]]"
        for i in range(0, len(texts), CHUNK_LINES)
    ]
    return stored_kinds, chunks, len(texts)


def _encoded(column: tuple[str, ...]) -> map:
    """The column's texts as JSON strings; each distinct text is encoded once."""
    encode = {text: json.dumps(text, ensure_ascii=False) for text in set(column)}
    return map(encode.__getitem__, column)


def _digits(column: tuple[Decimal, ...]) -> list[str]:
    """Decimals in plain digits. str() is the fast way, but writes an exponent for zeros with
    many places and for tiny values (0E-16, 1E-7): those few are written again with "f"."""
    texts = list(map(str, column))
    if "E" in "".join(texts):
        texts = [t if "E" not in t else format(v, "f") for t, v in zip(texts, column, strict=True)]
    return texts


def unpack(kinds: list[list[Any]], chunk: str) -> list[list[Any]]:
    """Full rows (TRACE_COLUMNS order) of one stored chunk, numbers as plain-digit text."""
    rows = []
    values: dict[int, Decimal] = {}
    with localcontext(CONTEXT):
        for enterprise, count, quantity, number in json.loads(chunk, parse_float=Decimal):
            c, s, et, u, d, unit, code, value, f_unit, source, sign, a_unit = kinds[number]
            if number not in values:
                values[number] = Decimal(value)
            quantity = Decimal(quantity)  # an int when written without places
            amount = quantity * values[number]
            amount = -amount if sign < 0 else amount
            rows.append([c, s, enterprise, et, u, d, count, _plain(quantity), unit, code, value,
                         f_unit, source, sign, _plain(amount), a_unit])  # fmt: skip
    return rows


def _plain(value: Decimal) -> str:
    text = str(value)
    return format(value, "f") if "E" in text else text


class TraceLines(Sequence):
    """A run's trace lines as a read-only sequence that loads only the chunks it is asked for
    (what ``django.core.paginator.Paginator`` needs: ``len`` and slices)."""

    def __init__(self, run: Any) -> None:
        self.run = run
        self._chunks: dict[int, list[list[Any]]] = {}

    def __len__(self) -> int:
        return self.run.trace_lines

    def _load(self, numbers: range) -> None:
        wanted = [n for n in numbers if n not in self._chunks]
        if not wanted:
            return
        stored = self.run.trace_chunks.filter(number__in=wanted).values_list("number", "lines")
        for number, text in stored:
            self._chunks[number] = unpack(self.run.trace_factors, text)

    def __getitem__(self, item: int | slice) -> Any:
        if isinstance(item, slice):
            indices = range(*item.indices(len(self)))
            if not indices:
                return []
            low, high = min(indices[0], indices[-1]), max(indices[0], indices[-1])
            self._load(range(low // CHUNK_LINES, high // CHUNK_LINES + 1))
            return [self._line(i) for i in indices]
        if item < 0:
            item += len(self)
        if not 0 <= item < len(self):
            raise IndexError("trace line out of range")
        self._load(range(item // CHUNK_LINES, item // CHUNK_LINES + 1))
        return self._line(item)

    def _line(self, i: int) -> list[Any]:
        return self._chunks[i // CHUNK_LINES][i % CHUNK_LINES]

    def all(self) -> list[list[Any]]:
        self._load(range(0, -(-len(self) // CHUNK_LINES)))
        return [line for n in sorted(self._chunks) for line in self._chunks[n]]
