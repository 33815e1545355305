"""A fast, strict reader of the cell values of an XLSX workbook (values only, no styles).

openpyxl builds an object per cell and, for files without a <dimension> element, parses each
sheet twice; for a 96,000-row import that alone took longer than the whole import may. This
reads the sheet XML once with the C expat parser (via ElementTree's pull parser) and yields
plain values. Numbers come back as their exact text (so "0.1" stays 0.1, never a binary float);
shared and inline strings as str; booleans as bool. A cell holding a formula (an <f> element,
openpyxl's data_type "f") is reported by its reference instead of a value.

Nothing a cell reference or a ZIP header claims is allocated before it is checked against the
limits of ``zcparks.untrusted``: members are unpacked in counted chunks, a column past
MAX_COLUMNS or a row past MAX_ROWS is refused before a row is padded up to it, a row may hold
no more cells than columns, and no workbook more cells (or shared strings) than MAX_CELLS.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from zcparks import untrusted
from zcparks.untrusted import Archive, Malformed, Refused, column_index, xml_records

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class XlsxError(ValueError):
    """Not a readable workbook."""


@dataclass(frozen=True, slots=True)
class Formula:
    """Stands in for the value of a cell that holds a formula."""

    reference: str


class _Cells:
    """Counts the cells and shared strings of one workbook against MAX_CELLS."""

    def __init__(self) -> None:
        self.count = 0

    def add(self, where: str) -> None:
        self.count += 1
        if self.count > untrusted.MAX_CELLS:
            raise Refused("MAX_CELLS", where)


def _shared_strings(archive: Archive, cells: _Cells) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.names:
        return []
    strings: list[str] = []
    for element in xml_records(archive.chunks("xl/sharedStrings.xml"), frozenset({f"{NS}si"})):
        cells.add("xl/sharedStrings.xml")
        # Plain text is one <t>; rich text is <r> runs; phonetic hints (<rPh>) are skipped.
        parts = []
        for child in element:
            if child.tag == f"{NS}t":
                parts.append(child.text or "")
            elif child.tag == f"{NS}r":
                run = child.find(f"{NS}t")
                parts.append("" if run is None else run.text or "")
        text = "".join(parts)
        if len(text) > untrusted.MAX_CELL_CHARS:
            raise Refused("MAX_CELL_CHARS", "xl/sharedStrings.xml")
        strings.append(text)
    return strings


def _sheet_paths(archive: Archive) -> list[tuple[str, str]]:
    targets = {}
    relationship = frozenset({f"{PKG_REL_NS}Relationship"})
    for element in xml_records(archive.chunks("xl/_rels/workbook.xml.rels"), relationship):
        target = element.get("Target", "")
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join("xl", target))
        )
        targets[element.get("Id")] = path
    sheets = []
    for element in xml_records(archive.chunks("xl/workbook.xml"), frozenset({f"{NS}sheet"})):
        sheets.append((element.get("name", ""), targets.get(element.get(f"{REL_NS}id"), "")))
    return sheets


def _rows(
    archive: Archive, title: str, path: str, strings: list[str], cells: _Cells
) -> Iterator[tuple[int, list]]:
    row_tag, value_tag, formula_tag = f"{NS}row", f"{NS}v", f"{NS}f"
    inline_tag, text_tag = f"{NS}is", f"{NS}t"
    columns: dict[str, int] = {}  # "AB" → 27: a sheet has few distinct columns, checked once
    digits = "0123456789"
    row_number = rows = 0
    for element in xml_records(archive.chunks(path), frozenset({row_tag})):
        rows += 1
        if rows > untrusted.MAX_ROWS + 1:  # the header row comes on top
            raise Refused("MAX_ROWS", title)
        number = element.get("r")
        row_number = untrusted.row_number(number) if number else row_number + 1
        if len(element) > untrusted.MAX_COLUMNS:  # more cells than a row has columns
            raise Refused("MAX_COLUMNS", f"{title} {row_number}")
        values: list = []
        for cell in element:  # the <c> children of the row
            cells.add(title)
            reference = cell.get("r")
            if reference:
                letters = reference.rstrip(digits)
                index = columns.get(letters)
                if index is None:
                    index = columns[letters] = column_index(letters, f"{title} {reference[:16]}")
            else:
                index = len(values)
                if index >= untrusted.MAX_COLUMNS:
                    raise Refused("MAX_COLUMNS", title)
                reference = f"{_letters(index)}{row_number}"
            while len(values) <= index:  # within MAX_COLUMNS: checked above
                values.append(None)
            text, formula = None, False
            for child in cell:
                child_tag = child.tag
                if child_tag == value_tag:
                    text = child.text
                elif child_tag == formula_tag:
                    formula = True
                elif child_tag == inline_tag:
                    text = "".join(t.text or "" for t in child.iter(text_tag))
            if formula:
                values[index] = Formula(reference)
                continue
            if text is None:
                continue
            if len(text) > untrusted.MAX_CELL_CHARS:
                raise Refused("MAX_CELL_CHARS", f"{title} {reference}")
            kind = cell.get("t")
            if kind == "s":
                values[index] = strings[int(text)]
            elif kind == "b":
                values[index] = text == "1"
            else:  # a number as its exact text, an inline string, a formula's cached text
                values[index] = text
        yield row_number, values


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def read_workbook(content: bytes) -> dict[str, list[tuple[int, list]]]:
    """{sheet title: [(row number, [values…]), …]} of every worksheet.

    Raises ``Refused`` (naming the limit) for a workbook beyond the limits, XlsxError for one
    that cannot be read."""
    try:
        archive = Archive(content)
        cells = _Cells()
        strings = _shared_strings(archive, cells)
        return {
            title: list(_rows(archive, title, path, strings, cells))
            for title, path in _sheet_paths(archive)
            if path in archive.names
        }
    except Refused:
        raise
    except (Malformed, KeyError, IndexError, ValueError) as exc:
        raise XlsxError(str(exc)) from exc
