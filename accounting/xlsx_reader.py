"""A fast, strict reader of the cell values of an XLSX workbook (values only, no styles).

openpyxl builds an object per cell and, for files without a <dimension> element, parses each
sheet twice; for a 96,000-row import that alone took longer than the whole import may. This
reads the sheet XML once with the C expat parser (via ElementTree.iterparse) and yields plain
values. Numbers come back as their exact text (so "0.1" stays 0.1, never a binary float);
shared and inline strings as str; booleans as bool. A cell holding a formula (an <f> element,
openpyxl's data_type "f") is reported by its reference instead of a value.

Limits: at most ``MAX_UNCOMPRESSED`` bytes unpacked (a ZIP bomb is refused, not expanded).
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError, iterparse

MAX_UNCOMPRESSED = 512 * 1024 * 1024
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class XlsxError(ValueError):
    pass


class _NoDoctype:
    """A file wrapper that refuses any DTD. A workbook part never has one; refusing it rules
    out entity tricks (expat neither fetches external entities nor lets internal ones explode,
    and this makes sure of it)."""

    def __init__(self, handle) -> None:
        self.handle, self.tail = handle, b""

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        window = self.tail + chunk
        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
            raise XlsxError("a DTD is not allowed in a workbook")
        self.tail = window[-8:]
        return chunk


def _parse(handle):
    # Untrusted XML, made safe by _NoDoctype (S314: defusedxml is not a dependency).
    return iterparse(_NoDoctype(handle))  # noqa: S314


@dataclass(frozen=True, slots=True)
class Formula:
    """Stands in for the value of a cell that holds a formula."""

    reference: str


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def _shared_strings(archive: zipfile.ZipFile, names: set[str]) -> list[str]:
    if "xl/sharedStrings.xml" not in names:
        return []
    strings: list[str] = []
    with archive.open("xl/sharedStrings.xml") as handle:
        for _event, element in _parse(handle):
            if element.tag == f"{NS}si":
                # Plain text is one <t>; rich text is <r> runs; phonetic hints (<rPh>) are skipped.
                parts = []
                for child in element:
                    if child.tag == f"{NS}t":
                        parts.append(child.text or "")
                    elif child.tag == f"{NS}r":
                        run = child.find(f"{NS}t")
                        parts.append("" if run is None else run.text or "")
                strings.append("".join(parts))
                element.clear()
    return strings


def _sheet_paths(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    with archive.open("xl/_rels/workbook.xml.rels") as handle:
        targets = {}
        for _event, element in _parse(handle):
            if element.tag == f"{PKG_REL_NS}Relationship":
                target = element.get("Target", "")
                path = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join("xl", target))
                )
                targets[element.get("Id")] = path
    sheets = []
    with archive.open("xl/workbook.xml") as handle:
        for _event, element in _parse(handle):
            if element.tag == f"{NS}sheet":
                sheets.append(
                    (element.get("name", ""), targets.get(element.get(f"{REL_NS}id"), ""))
                )
    return sheets


def _rows(archive: zipfile.ZipFile, path: str, strings: list[str]) -> Iterator[tuple[int, list]]:
    row_tag, value_tag, formula_tag = f"{NS}row", f"{NS}v", f"{NS}f"
    inline_tag, text_tag = f"{NS}is", f"{NS}t"
    columns: dict[str, int] = {}  # "AB" → 27, cached: a sheet has few distinct columns
    digits = "0123456789"
    row_number = 0
    with archive.open(path) as handle:
        for _event, element in _parse(handle):
            if element.tag != row_tag:
                continue
            row_number = int(element.get("r") or row_number + 1)
            values: list = []
            for cell in element:  # the <c> children of the row
                reference = cell.get("r")
                if reference:
                    letters = reference.rstrip(digits)
                    index = columns.get(letters)
                    if index is None:
                        index = columns[letters] = _column_index(letters)
                else:
                    index = len(values)
                    reference = f"{_letters(index)}{row_number}"
                while len(values) <= index:
                    values.append(None)
                text, formula = None, False
                for child in cell:
                    tag = child.tag
                    if tag == value_tag:
                        text = child.text
                    elif tag == formula_tag:
                        formula = True
                    elif tag == inline_tag:
                        text = "".join(t.text or "" for t in child.iter(text_tag))
                if formula:
                    values[index] = Formula(reference)
                    continue
                if text is None:
                    continue
                kind = cell.get("t")
                if kind == "s":
                    values[index] = strings[int(text)]
                elif kind == "b":
                    values[index] = text == "1"
                else:  # a number as its exact text, an inline string, a formula's cached text
                    values[index] = text
            element.clear()
            yield row_number, values


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def read_workbook(content: bytes) -> dict[str, list[tuple[int, list]]]:
    """{sheet title: [(row number, [values…]), …]} of every worksheet."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED:
            raise XlsxError("too large when unpacked")
        names = set(archive.namelist())
        strings = _shared_strings(archive, names)
        return {
            title: list(_rows(archive, path, strings))
            for title, path in _sheet_paths(archive)
            if path in names
        }
    except (zipfile.BadZipFile, KeyError, ParseError, IndexError, ValueError, EOFError) as exc:
        raise XlsxError(str(exc)) from exc
