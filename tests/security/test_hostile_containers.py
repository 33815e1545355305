"""Small hostile containers (XLSX, CSV ZIP, zcp-case/1 JSON, API bodies, GeoJSON): each refused
with a message naming the limit it passed, while the memory it makes the reader take stays
under 50 MB (tracemalloc); and each limit tried at its edge, the limit itself accepted."""

from __future__ import annotations

import io
import json
import math
import struct
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from accounting import importers, publishing, services
from accounting.case_upload import parse_case_file
from accounting.import_errors import ImportInvalid, RowError
from accounting.models import ImportBatch
from accounting.sheets import SHEETS_BY_KEY
from accounting.xlsx_reader import XlsxError, read_workbook
from applications.geo import BoundaryError, parse_boundary
from zcparks import untrusted
from zcparks.untrusted import Refused

MEMORY_BOUND = 50 * 1024 * 1024


@pytest.fixture(autouse=True)
def _in_chinese():
    """The messages are asserted in Chinese, whatever language an earlier test left active."""
    with translation.override("zh-hans"):
        yield


WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="企业" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    "</Relationships>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"


def cell(reference: str, text: str = "x") -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx(rows: str, *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A workbook written by hand, as small as a probe's: one sheet "企业" holding ``rows``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", RELS)
        archive.writestr("xl/worksheets/sheet1.xml", SHEET_HEAD + rows + SHEET_TAIL)
    return out.getvalue()


def zipped(members: dict[str, bytes | Callable[[Any], None]], method=zipfile.ZIP_DEFLATED) -> bytes:
    """A ZIP of members; a callable member writes itself in pieces (a bomb never held whole)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, content in members.items():
            if callable(content):
                with archive.open(name, "w", force_zip64=True) as handle:
                    content(handle)
            else:
                archive.writestr(name, content)
    return out.getvalue()


def zeros(total: int) -> Callable[[Any], None]:
    def write(handle) -> None:
        block = b"0" * (1024 * 1024)
        for _ in range(total // len(block)):
            handle.write(block)
        handle.write(b"0" * (total % len(block)))

    return write


def within_memory(act: Callable[[], Any]) -> Any:
    """What ``act`` returned or raised, asserting it took under MEMORY_BOUND at its peak."""
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        try:
            outcome = act()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcome = exc
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak - start < MEMORY_BOUND, f"peak growth {(peak - start) / 2**20:.0f} MB"
    return outcome


def refused(outcome: Any, name: str) -> str:
    """The message of a refusal of limit ``name``: it names the limit and its maximum."""
    assert isinstance(outcome, Refused), repr(outcome)
    assert outcome.name == name
    message = str(outcome)
    label = str(untrusted._LABELS[name][0])
    assert label in message and f"{untrusted.limit(name):,}" in message, message
    return message


def zip_errors(content: bytes) -> list[RowError]:
    errors: list[RowError] = []
    importers._zip_sheets(content, errors)
    return errors


# --- XLSX ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("reference", ["ZZZZZZ1", "XFD1048576", "BM1"])
def test_a_cell_past_the_last_column_is_refused_before_the_row_is_padded(reference) -> None:
    content = xlsx(f'<row r="1">{cell(reference)}</row>')
    assert len(content) < 1024  # the probe's was 811 bytes

    outcome = within_memory(lambda: read_workbook(content))

    assert reference[:6] in refused(outcome, "MAX_COLUMNS")


def test_the_last_allowed_column_is_read() -> None:
    assert untrusted.MAX_COLUMNS == 64  # BL is the 64th column, BM the 65th
    content = xlsx(f'<row r="1">{cell("A1", "甲")}{cell("BL1", "乙")}</row>')

    [(number, values)] = read_workbook(content)["企业"]

    assert number == 1 and len(values) == 64
    assert values[0] == "甲" and values[63] == "乙" and values[1:63] == [None] * 62


def test_a_row_with_more_cells_than_columns_is_refused_as_it_opens() -> None:
    crowded = "".join(cell("A1") for _ in range(untrusted.MAX_COLUMNS + 1))
    exact = "".join(cell("A1") for _ in range(untrusted.MAX_COLUMNS))

    assert read_workbook(xlsx(f'<row r="1">{exact}</row>'))["企业"][0][1] == ["x"]
    refused(
        within_memory(lambda: read_workbook(xlsx(f'<row r="1">{crowded}</row>'))), "MAX_COLUMNS"
    )


def test_a_sheet_of_rows_past_the_limit_in_a_few_kb_is_refused(monkeypatch) -> None:
    # The limit lowered tenfold to keep the test quick; the file is the same kind at any size.
    monkeypatch.setattr(untrusted, "MAX_ROWS", 20_000)
    rows = (f"<row>{cell('A1')}</row>" * 1000).encode()
    content = zipped(
        {
            "xl/workbook.xml": WORKBOOK.encode(),
            "xl/_rels/workbook.xml.rels": RELS.encode(),
            "xl/worksheets/sheet1.xml": lambda h: (
                h.write(SHEET_HEAD.encode()),
                [h.write(rows) for _ in range(40)],
                h.write(SHEET_TAIL.encode()),
            ),
        }
    )
    assert len(content) < 10_000

    outcome = within_memory(lambda: read_workbook(content))

    # 40,000 rows: within the unpacked size, over the rows a sheet may have.
    refused(outcome, "MAX_ROWS")


def test_rows_at_their_limit_are_read_and_one_more_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(untrusted, "MAX_ROWS", 5)
    six = "".join(f'<row r="{n}">{cell(f"A{n}")}</row>' for n in range(1, 7))  # header + 5
    seventh = '<row r="7"><c r="A7"><v>1</v></c></row>'

    assert len(read_workbook(xlsx(six))["企业"]) == 6
    refused(within_memory(lambda: read_workbook(xlsx(six + seventh))), "MAX_ROWS")
    refused(
        within_memory(lambda: read_workbook(xlsx(f'<row r="99">{cell("A99")}</row>'))), "MAX_ROWS"
    )


def test_a_cell_at_the_character_limit_is_read_and_one_more_is_refused() -> None:
    at_limit = "长" * untrusted.MAX_CELL_CHARS

    [(_number, values)] = read_workbook(xlsx(f'<row r="1">{cell("A1", at_limit)}</row>'))["企业"]
    assert values == [at_limit]
    over = xlsx(f'<row r="1">{cell("A1", at_limit + "长")}</row>')
    refused(within_memory(lambda: read_workbook(over)), "MAX_CELL_CHARS")


def test_a_text_run_of_hundreds_of_mb_is_cut_off_while_small() -> None:
    content = zipped(
        {
            "xl/workbook.xml": WORKBOOK.encode(),
            "xl/_rels/workbook.xml.rels": RELS.encode(),
            "xl/worksheets/sheet1.xml": lambda h: (
                h.write(SHEET_HEAD.encode() + b'<row r="1"><c r="A1" t="inlineStr"><is><t>'),
                zeros(100 * 1024 * 1024)(h),
                h.write(b"</t></is></c></row>" + SHEET_TAIL.encode()),
            ),
        }
    )
    assert len(content) < 200_000

    refused(within_memory(lambda: read_workbook(content)), "MAX_CELL_CHARS")


def test_a_zip_bomb_member_is_refused_by_its_declared_size() -> None:
    content = zipped(
        {"xl/worksheets/sheet1.xml": zeros(untrusted.MAX_MEMBER_BYTES + 1)},
        method=zipfile.ZIP_BZIP2,
    )
    assert len(content) < 4096

    message = refused(within_memory(lambda: read_workbook(content)), "MAX_MEMBER_BYTES")
    assert "sheet1.xml" in message


def _lie_about_size(content: bytes, size: int) -> bytes:
    """The ZIP with every header claiming its member unpacks to ``size`` bytes."""
    data = bytearray(content)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        while at != -1:
            data[at + offset : at + offset + 4] = struct.pack("<I", size)
            at = data.find(signature, at + 4)
    return bytes(data)


def test_a_member_whose_header_understates_its_size_is_never_unpacked_past_it() -> None:
    honest = zipped({"xl/worksheets/sheet1.xml": b"0" * (50 * 1024 * 1024)})
    lying = _lie_about_size(honest, 1000)

    outcome = within_memory(lambda: read_workbook(lying))

    assert isinstance(outcome, XlsxError)  # the CRC does not match what was declared


def test_chunks_are_counted_against_the_member_limit_as_they_unpack(monkeypatch) -> None:
    archive = untrusted.Archive(zipped({"a.csv": b"1" * 10_000}))
    monkeypatch.setattr(untrusted, "MAX_MEMBER_BYTES", 9_999)  # after the declared check

    with pytest.raises(Refused) as caught:
        b"".join(archive.chunks("a.csv"))
    assert caught.value.name == "MAX_MEMBER_BYTES"


def test_a_workbook_with_a_dtd_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData>'
        "</worksheet>"
    )
    content = zipped(
        {
            "xl/workbook.xml": WORKBOOK.encode(),
            "xl/_rels/workbook.xml.rels": RELS.encode(),
            "xl/worksheets/sheet1.xml": bomb.encode(),
        }
    )

    assert isinstance(within_memory(lambda: read_workbook(content)), XlsxError)


@pytest.mark.parametrize(
    "sheet",
    [
        (
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]>'
            + SHEET_HEAD[38:]
            + SHEET_TAIL
        ).encode("utf-16"),
        ('<?xml version="1.0" encoding="cp037"?>' + SHEET_HEAD[38:] + SHEET_TAIL).encode("cp037"),
        ('<?xml version="1.0" encoding="ISO-8859-1"?>' + SHEET_HEAD[38:] + SHEET_TAIL).encode(),
    ],
    ids=["utf-16 with a DTD", "ebcdic", "latin-1"],
)
def test_a_workbook_part_in_another_encoding_is_refused(sheet) -> None:
    content = zipped(
        {
            "xl/workbook.xml": WORKBOOK.encode(),
            "xl/_rels/workbook.xml.rels": RELS.encode(),
            "xl/worksheets/sheet1.xml": sheet,
        }
    )

    assert isinstance(within_memory(lambda: read_workbook(content)), XlsxError)


def test_a_utf8_part_with_a_byte_order_mark_is_read() -> None:
    sheet = (
        b"\xef\xbb\xbf"
        + (SHEET_HEAD + f'<row r="1">{cell("A1", "甲")}</row>' + SHEET_TAIL).encode()
    )
    content = zipped(
        {
            "xl/workbook.xml": WORKBOOK.encode(),
            "xl/_rels/workbook.xml.rels": RELS.encode(),
            "xl/worksheets/sheet1.xml": sheet,
        }
    )

    assert read_workbook(content)["企业"] == [(1, ["甲"])]


# --- the import page -----------------------------------------------------------------------------


@pytest.fixture
def applicant(client, cast):
    publishing.load_bundled_factor_sets()
    client.force_login(cast.applicant_a)
    return client


def upload(client, park, content: bytes, name: str):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse("accounting:upload", args=[park.pk, 2025]), {"file": file})


def page_errors(response) -> str:
    return " | ".join(str(e) for e in (response.context.get("errors") or []))


@pytest.mark.django_db
def test_the_import_page_names_the_column_limit_for_a_tiny_workbook(applicant, cast) -> None:
    response = upload(applicant, cast.park_a, xlsx(f'<row r="1">{cell("ZZZZZZ1")}</row>'), "a.xlsx")

    assert response.status_code == 400
    assert "每行的列数超过上限" in page_errors(response)
    assert ImportBatch.objects.count() == 0


@pytest.mark.django_db
def test_a_4kb_csv_zip_with_a_huge_member_is_refused_naming_the_limit(applicant, cast) -> None:
    content = zipped({"fuels.csv": zeros(untrusted.MAX_MEMBER_BYTES + 1)}, method=zipfile.ZIP_BZIP2)
    assert len(content) <= 4096

    response = within_memory(lambda: upload(applicant, cast.park_a, content, "data.zip"))

    assert response.status_code == 400
    assert "压缩包内单个文件解压后的大小超过上限" in page_errors(response)
    assert ImportBatch.objects.count() == 0


@pytest.mark.django_db
def test_a_200000_character_csv_cell_is_refused_naming_the_cell_not_a_500(applicant, cast) -> None:
    content = zipped(
        {"enterprises.csv": ("企业名称,统一社会信用代码,行业\n" + "甲" * 200_000 + ",,\n").encode()}
    )

    response = upload(applicant, cast.park_a, content, "data.zip")

    assert response.status_code == 400
    errors = page_errors(response)
    assert "第 2 行" in errors and "单元格的字符数超过上限" in errors, errors


# --- CSV ZIP -------------------------------------------------------------------------------------


def test_a_csv_cell_at_the_character_limit_is_read_and_one_more_is_named() -> None:
    at_limit = "x" * untrusted.MAX_CELL_CHARS

    assert zip_errors(zipped({"notes.csv": f"a,b\n{at_limit},1\n".encode()})) == []
    [error] = zip_errors(zipped({"notes.csv": f"a,b\n1,{at_limit}x\n".encode()}))
    assert (error.row, error.column) == (2, "B")
    assert "单元格的字符数超过上限" in error.message


def test_members_at_their_limit_are_read_and_one_more_is_refused() -> None:
    members = {f"m{n}.txt": b"" for n in range(untrusted.MAX_MEMBERS)}

    assert zip_errors(zipped(members)) == []
    [error] = zip_errors(zipped(members | {"one-more.txt": b""}))
    assert "压缩包内的文件数超过上限" in error.message


def test_the_total_unpacked_size_is_capped_at_its_edge(monkeypatch) -> None:
    monkeypatch.setattr(untrusted, "MAX_UNPACKED_BYTES", 2000)
    members = {"a.csv": b"1\n" * 500, "b.csv": b"2\n" * 500}  # exactly 2,000 bytes

    assert zip_errors(zipped(members)) == []
    [error] = zip_errors(zipped(members | {"c.csv": b"3"}))
    assert "压缩包解压后的总大小超过上限" in error.message


def test_a_member_at_its_size_limit_is_read_and_one_byte_more_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(untrusted, "MAX_MEMBER_BYTES", 1000)

    assert zip_errors(zipped({"a.csv": b"1\n" * 500})) == []
    [error] = zip_errors(zipped({"a.csv": b"1\n" * 500 + b"2"}))
    assert "压缩包内单个文件解压后的大小超过上限" in error.message


def test_a_csv_row_past_the_column_limit_is_refused() -> None:
    at_limit = ",".join("1" * untrusted.MAX_COLUMNS)

    assert zip_errors(zipped({"a.csv": f"{at_limit}\n".encode()})) == []
    [error] = zip_errors(zipped({"a.csv": f"{at_limit},1\n".encode()}))
    assert "每行的列数超过上限" in error.message


def test_a_flood_of_bad_cells_stops_at_a_bounded_list_of_errors(cast) -> None:
    publishing.load_bundled_factor_sets()
    header = ",".join(SHEETS_BY_KEY["fuels"].headers)
    body = header + "\n" + "甲,13,x,y,z\n" * 50_000
    content = zipped({"fuels.csv": body.encode()})
    code, fuels = services.fuels_for(None, 2025)

    def act():
        return importers.parse_upload(
            None,
            park_id=1,
            year=2025,
            park_name="甲",
            filename="d.zip",
            content=content,
            factor_set_code=code,
            fuels=fuels,
        )

    outcome = within_memory(act)

    assert isinstance(outcome, ImportInvalid)
    assert importers.MAX_ERRORS < len(outcome.errors) <= importers.MAX_ERRORS + 8  # one more row
    assert "错误过多" in outcome.errors[-1].message


# --- JSON ----------------------------------------------------------------------------------------


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_deeply_nested_case_json_is_refused_naming_the_depth() -> None:
    def act():
        return parse_case_file(nested(100_000), year=2025)

    outcome = within_memory(act)

    assert isinstance(outcome, ImportInvalid)
    assert "JSON 的嵌套层数超过上限" in outcome.errors[0].message


def test_nesting_at_its_limit_passes_and_one_deeper_is_refused() -> None:
    depth = untrusted.MAX_JSON_DEPTH

    untrusted.check_json(nested(depth))
    untrusted.check_json(b'{"a": "' + b"[" * 100 + b'"}')  # brackets inside text are text
    refused(within_memory(lambda: untrusted.check_json(nested(depth + 1))), "MAX_JSON_DEPTH")


def test_json_values_and_size_at_their_limits(monkeypatch) -> None:
    monkeypatch.setattr(untrusted, "MAX_JSON_VALUES", 1000)
    at_limit = json.dumps([0] * 999).encode()  # the array and its 999 numbers

    untrusted.check_json(at_limit)
    refused(
        within_memory(lambda: untrusted.check_json(json.dumps([0] * 1000).encode())),
        "MAX_JSON_VALUES",
    )
    monkeypatch.setattr(untrusted, "MAX_JSON_BYTES", 2000)
    untrusted.check_json(b" " * 2000)
    refused(within_memory(lambda: untrusted.check_json(b" " * 2001)), "MAX_JSON_BYTES")


def test_a_json_flood_of_tiny_arrays_is_refused_before_it_is_built() -> None:
    body = b"[" + b"[]," * 3_000_000 + b"[]]"

    refused(within_memory(lambda: untrusted.check_json(body)), "MAX_JSON_VALUES")


@pytest.mark.django_db
def test_the_api_refuses_a_deeply_nested_body_naming_the_depth(cast) -> None:
    from rest_framework.test import APIClient

    from applications.kernel import tokens

    client = APIClient()
    issued = tokens.issue_token(cast.applicant_a, cast.park_a, "平台A")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")
    for url in (
        f"/api/v1/parks/{cast.park_a.pk}/years/2025/data/",
        f"/api/v1/parks/{cast.park_a.pk}/years/2025/case/",
    ):
        response = client.put(url, nested(50_000), content_type="application/json")

        assert response.status_code == 400, response.content
        assert "JSON 的嵌套层数超过上限" in response.content.decode()
    assert ImportBatch.objects.count() == 0


# --- GeoJSON -------------------------------------------------------------------------------------


def ring(vertices: int) -> list[list[float]]:
    """A closed ring around (120, 31) with ``vertices`` positions (the last repeats the first)."""
    points = [
        [
            120 + 0.05 * math.cos(2 * math.pi * i / (vertices - 1)),
            31 + 0.05 * math.sin(2 * math.pi * i / (vertices - 1)),
        ]
        for i in range(vertices - 1)
    ]
    return points + [points[0]]


def test_a_350000_vertex_boundary_is_refused_before_it_is_built() -> None:
    text = json.dumps({"type": "Polygon", "coordinates": [ring(350_000)]})

    outcome = within_memory(lambda: parse_boundary(text))

    assert isinstance(outcome, BoundaryError)
    assert "边界的坐标点数超过上限" in str(outcome) and "20,000" in str(outcome)


def test_a_boundary_at_its_vertex_limit_is_measured_and_one_more_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(untrusted, "MAX_BOUNDARY_VERTICES", 50)

    assert parse_boundary(json.dumps({"type": "Polygon", "coordinates": [ring(50)]})).area_km2 > 0
    with pytest.raises(BoundaryError, match="边界的坐标点数超过上限"):
        parse_boundary(json.dumps({"type": "Polygon", "coordinates": [ring(51)]}))
    with pytest.raises(BoundaryError, match="边界的坐标点数超过上限"):
        parse_boundary({"type": "Polygon", "coordinates": [ring(51)]})


def test_boundary_text_with_brackets_in_its_properties_is_not_counted_as_vertices(monkeypatch):
    monkeypatch.setattr(untrusted, "MAX_BOUNDARY_VERTICES", 50)
    feature = {
        "type": "Feature",
        "properties": {"name": "[" * 5000},
        "geometry": {"type": "Polygon", "coordinates": [ring(50)]},
    }

    assert parse_boundary(json.dumps(feature)).area_km2 > 0
