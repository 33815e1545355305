"""A park-year's domain limits (enterprises, rows), checked on counts before any cell is, the
same through the API's rows, the workbook and a zcp-case/1 file; the limit itself passes."""

from __future__ import annotations

import io
import json
import time

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from accounting import publishing
from accounting.models import Enterprise, ImportBatch
from applications.kernel import tokens
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_chinese():
    """The messages are asserted in Chinese, whatever language an earlier test left active."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def api(cast) -> APIClient:
    publishing.load_bundled_factor_sets()
    client = APIClient()
    issued = tokens.issue_token(cast.applicant_a, cast.park_a, "平台A")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")
    return client


def push(api, park, enterprises: int, extra_rows: int = 0):
    body = {
        "enterprises": [{"name": f"企业{n}"} for n in range(enterprises)],
        "electricity": [{"direction": "import", "kind": "grid", "mwh": "10"}] * (1 + extra_rows),
    }
    return api.put(
        f"/api/v1/parks/{park.pk}/years/2025/data/",
        json.dumps(body),
        content_type="application/json",
    )


def test_an_api_push_of_200000_enterprises_is_refused_naming_the_limit(api, cast) -> None:
    started = time.perf_counter()

    fields = assert_error(push(api, cast.park_a, 200_000), 400)

    assert "企业数超过上限" in fields["enterprises"] and "20,000" in fields["enterprises"]
    assert time.perf_counter() - started < 20  # counted, not checked row by row
    assert Enterprise.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_enterprises_at_the_limit_pass_and_one_more_is_refused(api, cast, settings) -> None:
    settings.ZCP_MAX_ENTERPRISES_PER_YEAR = 3

    fields = assert_error(push(api, cast.park_a, 4), 400)
    assert "最多 3 家" in fields["enterprises"]
    assert push(api, cast.park_a, 3).status_code == 201
    assert Enterprise.objects.count() == 3


def test_rows_at_the_limit_pass_and_one_more_is_refused(api, cast, settings) -> None:
    settings.ZCP_MAX_ROWS_PER_YEAR = 5  # 2 enterprises + 3 electricity rows

    fields = assert_error(push(api, cast.park_a, 2, extra_rows=3), 400)
    assert any("数据行数超过上限" in m and "最多 5 行" in m for m in fields.values()), fields
    assert push(api, cast.park_a, 2, extra_rows=2).status_code == 201


def test_a_case_file_past_the_enterprise_limit_is_refused(cast, settings) -> None:
    from accounting.case_upload import parse_case_file
    from accounting.importers import ImportInvalid
    from tests.accounting.conftest import VALID_CASES, load_case

    publishing.load_bundled_factor_sets()
    case = load_case(VALID_CASES[0])
    names = {row["enterprise"] for row in case["fuels"]}
    settings.ZCP_MAX_ENTERPRISES_PER_YEAR = len(names) - 1

    with pytest.raises(ImportInvalid) as caught:
        parse_case_file(json.dumps(case, default=str).encode(), year=case["year"])
    assert "企业数超过上限" in caught.value.errors[0].message

    settings.ZCP_MAX_ENTERPRISES_PER_YEAR = len(names)
    assert parse_case_file(json.dumps(case, default=str).encode(), year=case["year"])


def test_an_import_past_the_enterprise_limit_names_the_sheet(client, cast, settings) -> None:
    from openpyxl import Workbook

    from accounting.sheets import SHEETS_BY_KEY

    publishing.load_bundled_factor_sets()
    settings.ZCP_MAX_ENTERPRISES_PER_YEAR = 2
    sheet = SHEETS_BY_KEY["enterprises"]
    book = Workbook()
    book.remove(book.active)
    ws = book.create_sheet(sheet.title)
    ws.append(sheet.headers)
    for n in range(3):
        ws.append([f"企业{n}", None, None])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "data.xlsx"
    client.force_login(cast.applicant_a)

    url = reverse("accounting:upload", args=[cast.park_a.pk, 2025])
    response = client.post(url, {"file": out})

    errors = [str(e) for e in response.context["errors"]]
    assert response.status_code == 400
    assert any(e.startswith("工作表“企业”") and "最多 2 家" in e for e in errors), errors
