"""Limits for what arrives from outside (uploaded workbooks, ZIPs, JSON, GeoJSON) and the small
readers that keep to them before anything big is built.

A hostile file of a few KB can describe gigabytes: a ZIP member that unpacks 1000×, a cell
reference ``ZZZZZZ1`` that a reader pads a row up to, JSON nested a million deep or holding a
million tiny arrays. Every reader here checks what is declared, then counts what it actually
unpacks in bounded chunks, and refuses with ``Refused``, whose message (Chinese) names the limit.

Each number is set from what a real park needs, with a wide margin; the reason is beside it.
The functions read the limits at call time, so a test may lower one to try its edge.
No application imports: accounting and applications both use this.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from itertools import accumulate, chain
from typing import Any
from xml.etree.ElementTree import ParseError, XMLPullParser

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# --- the limits --------------------------------------------------------------------------------

# The widest template sheet has 7 columns; 64 leaves room for a park's own note columns.
MAX_COLUMNS = 64
# Rows in one sheet: a large park (1,000 enterprises × 12 months × 8 records) has 96,000 rows
# in all, 48,000 in its fullest sheet (fuels); four times that.
MAX_ROWS = 200_000
# Excel's own limit on the characters in one cell.
MAX_CELL_CHARS = 32_767
# Cells (or shared strings) in one workbook: every row full at the widest template sheet.
MAX_CELLS = MAX_ROWS * 8
# Excel writes about 10–20 parts; a CSV ZIP holds the 8 template sheets.
MAX_MEMBERS = 64
# One sheet of MAX_ROWS rows as Excel writes it is about 90 MB of XML.
MAX_MEMBER_BYTES = 128 * 1024 * 1024
# All members together: the sheets plus their shared strings.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
# A zcp-case/1 file or an API push of MAX_ROWS rows is about 30 MB of JSON.
MAX_JSON_BYTES = 32 * 1024 * 1024
# zcp-case/1 nests 4 deep, a GeoJSON FeatureCollection 7.
MAX_JSON_DEPTH = 20
# Values (numbers, strings, arrays, objects) in one JSON document: MAX_ROWS rows of 8.
MAX_JSON_VALUES = MAX_ROWS * 8
# Elements an XML reader meets between two records (one row with its cells, one shared string
# with its runs): a full row of MAX_COLUMNS cells is about 200.
MAX_XML_HELD = 4096
# A park boundary digitised at 1:10,000 (a vertex every few metres along tens of km) has a
# few thousand vertices; 20,000 keeps every page that draws or measures it fast.
MAX_BOUNDARY_VERTICES = 20_000

_LABELS = {
    "MAX_COLUMNS": (_("每行的列数"), _("列")),
    "MAX_ROWS": (_("行数"), _("行")),
    "MAX_CELL_CHARS": (_("单元格的字符数"), _("个字符")),
    "MAX_CELLS": (_("单元格总数"), _("个")),
    "MAX_MEMBERS": (_("压缩包内的文件数"), _("个")),
    "MAX_MEMBER_BYTES": (_("压缩包内单个文件解压后的大小"), _("字节")),
    "MAX_UNPACKED_BYTES": (_("压缩包解压后的总大小"), _("字节")),
    "MAX_JSON_BYTES": (_("JSON 的大小"), _("字节")),
    "MAX_JSON_DEPTH": (_("JSON 的嵌套层数"), _("层")),
    "MAX_JSON_VALUES": (_("JSON 的数据项总数"), _("个")),
    "MAX_XML_HELD": (_("XML 中一次读入的元素数"), _("个")),
    "MAX_BOUNDARY_VERTICES": (_("边界的坐标点数"), _("个")),
}


def limit(name: str) -> int:
    """The current value of a limit (read at call time, so a test can lower it)."""
    return globals()[name]


class Refused(ValueError):
    """Input beyond a named limit. ``str()`` is the Chinese message naming the limit."""

    def __init__(self, name: str, where: str = "") -> None:
        self.name, self.maximum, self.where = name, limit(name), where
        super().__init__(name)

    def __str__(self) -> str:
        label, unit = _LABELS[self.name]
        message = gettext("%(label)s超过上限（最多 %(maximum)s %(unit)s）") % {
            "label": label,
            "maximum": f"{self.maximum:,}",
            "unit": unit,
        }
        if not self.where:
            return message
        return gettext("%(place)s：%(message)s") % {"place": self.where, "message": message}


class Malformed(ValueError):
    """The container itself is broken (not a ZIP, not XML, a DTD where none may be)."""


# --- ZIP ---------------------------------------------------------------------------------------

# 16 KB, as iterparse reads: larger pieces make expat markedly slower on big sheets.
CHUNK = 16 * 1024


class Archive:
    """A ZIP checked on opening (member count, declared sizes) whose members are read in
    chunks against the same caps, counted as they are unpacked: the header is never trusted."""

    def __init__(self, content: bytes) -> None:
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(content))
        except (zipfile.BadZipFile, ValueError, EOFError) as exc:
            raise Malformed(str(exc)) from exc
        self.members = self.zip.infolist()
        if len(self.members) > limit("MAX_MEMBERS"):
            raise Refused("MAX_MEMBERS")
        for info in self.members:
            if info.file_size > limit("MAX_MEMBER_BYTES"):
                raise Refused("MAX_MEMBER_BYTES", info.filename)
        if sum(info.file_size for info in self.members) > limit("MAX_UNPACKED_BYTES"):
            raise Refused("MAX_UNPACKED_BYTES")
        self.unpacked = 0
        self.names = {info.filename for info in self.members}

    def chunks(self, name: str | zipfile.ZipInfo) -> Iterator[bytes]:
        """The member's bytes in chunks of at most CHUNK, refused the moment they pass a cap."""
        filename = name.filename if isinstance(name, zipfile.ZipInfo) else name
        size = 0
        try:
            with self.zip.open(name) as handle:
                while chunk := handle.read(CHUNK):
                    size += len(chunk)
                    self.unpacked += len(chunk)
                    if size > limit("MAX_MEMBER_BYTES"):
                        raise Refused("MAX_MEMBER_BYTES", filename)
                    if self.unpacked > limit("MAX_UNPACKED_BYTES"):
                        raise Refused("MAX_UNPACKED_BYTES")
                    yield chunk
        except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError, KeyError) as exc:
            # A CRC that does not match (a header that lied about the size), an unknown
            # compression method, a truncated member, a missing part.
            raise Malformed(str(exc)) from exc

    def stream(self, name: str | zipfile.ZipInfo) -> io.BufferedReader:
        """The member as a binary file (for TextIOWrapper), bounded like ``chunks``."""
        return io.BufferedReader(_ChunkStream(self.chunks(name)), CHUNK)


class _ChunkStream(io.RawIOBase):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.iterator, self.pending = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self.pending:
            self.pending = next(self.iterator, b"")
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


# --- XML ---------------------------------------------------------------------------------------


def xml_records(chunks: Iterator[bytes], tags: frozenset[str]) -> Iterator[Any]:
    """The elements with one of ``tags`` (a sheet's rows, the shared strings), each whole when
    it ends and cleared once the caller has read it, from XML fed in bounded chunks.

    Whatever else ends between two records is counted against MAX_XML_HELD (junk elements
    inside or between rows). A DTD is refused (a workbook part never has one; no entity can
    then expand), and so is any stretch of text, tag or unclosed nesting longer than a cell
    may be: the parser holds such a stretch whole before it reports anything, so it is cut off
    here while it is still small.
    """
    parser = XMLPullParser(("end",))
    held_limit = limit("MAX_XML_HELD")
    quiet_limit = 4 * limit("MAX_CELL_CHARS") + CHUNK  # UTF-8 takes up to 4 bytes a character
    held = quiet = 0  # elements ended since the last record; bytes fed since the last element
    tail = b""
    first = True
    try:
        for chunk in chunks:
            if first:
                _check_encoding(chunk)
                first = False
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise Malformed("a DTD is not allowed")
            # NUL is never in XML; refusing it also rules out UTF-16 and UTF-32, in which the
            # DTD markers above would not be seen.
            if b"\x00" in chunk:
                raise Malformed("a NUL byte in XML")
            tail = window[-8:]
            parser.feed(chunk)
            quiet += len(chunk)
            for _event, element in parser.read_events():
                quiet = 0
                if element.tag in tags:
                    yield element
                    element.clear()
                    held = 0
                else:
                    held += 1
                    if held > held_limit:
                        raise Refused("MAX_XML_HELD")
            if quiet > quiet_limit:
                raise Refused("MAX_CELL_CHARS")
        parser.close()
        for _event, element in parser.read_events():
            if element.tag in tags:
                yield element
    except ParseError as exc:
        raise Malformed(str(exc)) from exc


_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")


def _check_encoding(start: bytes) -> None:
    """Only UTF-8 (or its ASCII subset), in which the DTD markers are plain bytes."""
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Malformed("only UTF-8 XML is read")
    match = _DECLARED_ENCODING.match(start.removeprefix(b"\xef\xbb\xbf"))
    if match and match.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
        raise Malformed("only UTF-8 XML is read")


# --- cell references ---------------------------------------------------------------------------


def column_index(letters: str, where: str = "") -> int:
    """0-based index of column letters, refused past MAX_COLUMNS before any row is padded."""
    if len(letters) > 3 and letters.isascii() and letters.isalpha():  # past XFD, Excel's last
        raise Refused("MAX_COLUMNS", where or letters[:16])
    if not letters or not letters.isascii() or not letters.isalpha() or not letters.isupper():
        raise Malformed(f"not a column: {letters[:16]!r}")
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    if index > limit("MAX_COLUMNS"):
        raise Refused("MAX_COLUMNS", where or letters)
    return index - 1


def row_number(text: str) -> int:
    """A row number as a sheet writes it, refused past MAX_ROWS (plus the header row)."""
    if not text.isascii() or not text.isdigit():
        raise Malformed(f"not a row number: {text[:16]!r}")
    if len(text) > 9 or int(text) > limit("MAX_ROWS") + 1:
        raise Refused("MAX_ROWS", text[:16])
    return int(text)


# --- JSON --------------------------------------------------------------------------------------

# A string (its closing quote optional, so that an unterminated one ends the scan instead of
# being retried from every later quote).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def _raw_shape(data: bytes) -> tuple[int, int, int]:
    arrays = data.count(b"[")
    values = data.count(b",") + arrays + data.count(b"{") + 1
    brackets = data.translate(None, _NOT_BRACKETS)
    depth = max(accumulate(map(_STEP.__getitem__, brackets)), default=0)
    return values, arrays, depth


def _exact_shape(data: bytes) -> tuple[int, int, int]:
    """The raw shape of the text with its strings taken out (an unterminated one runs to the
    end), so that a bracket or comma inside a string is text; the scan and the counts run in C,
    not once per token in Python."""
    outside = _STRING.sub(b"", data)
    values = outside.count(b",") + outside.count(b"[") + outside.count(b"{") + 1
    brackets = outside.translate(None, _NOT_BRACKETS)
    depth = max(chain((0,), accumulate(map(_STEP.__getitem__, brackets))))
    return values, outside.count(b"["), depth


def json_shape(data: bytes) -> tuple[int, int, int]:
    """(values, arrays, nesting depth) of a JSON text, found without building it.

    The values are counted as the separators plus one per container, exact for well-formed
    JSON. Counted on the raw bytes first (fast, and a comma or bracket inside a string counts
    too, so this can only overstate); only when that passes a limit, and by less than twice,
    are the tokens walked with strings skipped, so that text with brackets or commas in
    it is not refused for them. Malformed text gets numbers too; the JSON parser refuses it.
    """
    shape = values, _arrays, depth = _raw_shape(data)
    ceiling = 2 * limit("MAX_JSON_VALUES")
    if values > ceiling or data.count(b'"') > 2 * ceiling:
        return shape
    if values > limit("MAX_JSON_VALUES") or depth > limit("MAX_JSON_DEPTH"):
        return _exact_shape(data)
    return shape


def count_arrays(data: bytes) -> int:
    """The arrays of a JSON text exactly (a bracket inside a string is text)."""
    return _exact_shape(data)[1]


def check_json(data: bytes) -> tuple[int, int]:
    """Refuse JSON whose size, number of values or nesting passes its limit, before parsing.
    Returns (values, arrays) for a caller with a tighter limit of its own (boundary vertices)."""
    if len(data) > limit("MAX_JSON_BYTES"):
        raise Refused("MAX_JSON_BYTES")
    values, arrays, depth = json_shape(data)
    if values > limit("MAX_JSON_VALUES"):
        raise Refused("MAX_JSON_VALUES")
    if depth > limit("MAX_JSON_DEPTH"):
        raise Refused("MAX_JSON_DEPTH")
    return values, arrays
