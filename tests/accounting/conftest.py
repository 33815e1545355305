"""Fixtures of the accounting tests: the published trial factor set, the acceptance cases, and
helpers that enter a case through the import (XLSX) and through the web forms."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import Workbook

from accounting import publishing, stored_factor_sets
from accounting.sheets import SHEETS

ACCEPTANCE = Path(__file__).resolve().parent / "acceptance"
CASE_FILES = sorted((ACCEPTANCE / "cases").glob("*.json"))
VALID_CASES = [
    p
    for p in CASE_FILES
    if "error" not in json.loads((ACCEPTANCE / "expected" / p.name).read_text(encoding="utf-8"))
]
ERROR_CASES = [p for p in CASE_FILES if p not in VALID_CASES]


def load_case(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def expected(path: Path) -> dict[str, Any]:
    return json.loads(
        (ACCEPTANCE / "expected" / path.name).read_text(encoding="utf-8"), parse_float=Decimal
    )


@pytest.fixture(autouse=True)
def _tasks_inline(settings):
    """Run Celery tasks inline here even when the run is configured with a broker (the real
    worker is exercised in tests/services)."""
    from zcparks.celery import app

    saved = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def trial_set(db):
    publishing.load_bundled_factor_sets()
    return stored_factor_sets.latest_published("ZCP-2025-trial")


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks, monkeypatch):
    """Each test-client request runs its on_commit callbacks (the recalculation task, eager in
    tests) when it ends, as a real request's commit would."""
    from django.test import Client

    original = Client.request

    def request(self, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(self, **kwargs)

    monkeypatch.setattr(Client, "request", request)


# --- a case as the import template ------------------------------------------------------------


def _months(value: Any, months: bool) -> list[tuple[int | None, str]]:
    """A quantity as 12 monthly parts that sum exactly to it (or one whole-year row)."""
    if not months:
        return [(None, str(value))]
    total = Decimal(str(value))
    part = (total / 12).quantize(Decimal("0.000001"), rounding="ROUND_DOWN")
    return [(m, str(part if m < 12 else total - part * 11)) for m in range(1, 13)]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def case_rows(case: dict[str, Any], months: bool = True) -> dict[str, list[list]]:
    names: dict[str, None] = {}
    for section in ("fuels", "electricity", "generation", "heat", "processes"):
        for row in case.get(section, []):
            if row.get("enterprise"):
                names.setdefault(row["enterprise"])
    rows: dict[str, list[list]] = {"enterprises": [[n, None, None] for n in names]}
    rows["fuels"] = [
        [
            r["enterprise"],
            m,
            r["fuel"],
            r["use"],
            q,
            _text(r.get("ncv_gj_per_unit")),
            _text(r.get("carbon_tc_per_tj")),
        ]
        for r in case.get("fuels", [])
        for m, q in _months(r["quantity"], months)
    ]
    rows["electricity"] = [
        [r.get("enterprise"), m, r["direction"], r["kind"], q]
        for r in case.get("electricity", [])
        for m, q in _months(r["mwh"], months)
    ]
    rows["generation"] = [
        [r.get("enterprise"), m, r["source"], "是" if r["fossil"] else "否", q]
        for r in case.get("generation", [])
        for m, q in _months(r["mwh"], months)
    ]
    rows["heat"] = [
        [
            r.get("enterprise"),
            m,
            r["direction"],
            r["kind"],
            q,
            None if r.get("factor_tco2_per_gj") is None else str(r["factor_tco2_per_gj"]),
        ]
        for r in case.get("heat", [])
        for m, q in _months(r["gj"], months)
    ]
    rows["processes"] = [
        [r.get("enterprise"), m, r["product"], q, str(r["factor_tco2_per_t"]), r["basis"]]
        for r in case.get("processes", [])
        for m, q in _months(r["tonnes"], months)
    ]
    guiding = case.get("guiding", {})
    products = guiding.get("product_energy")
    rows["products"] = (
        []
        if not isinstance(products, list)
        else [
            [
                p["product"],
                p.get("standard"),
                str(p["actual"]),
                str(p["level2_limit"]),
                p.get("unit"),
            ]
            for p in products
        ]
    )
    items = []
    for name, value in guiding.items():
        if isinstance(value, dict) and "not_applicable" in value:
            items.append([f"{name}.not_applicable", None, value["not_applicable"]])
        elif name == "waste_energy":
            for kind, pair in value.items():
                items += [[f"waste_energy.{kind}.{k}", None, str(v)] for k, v in pair.items()]
        elif name in ("solid_waste", "water"):
            items += [[f"{name}.{k}", None, str(v)] for k, v in value.items()]
    rows["guiding"] = items
    return rows


def workbook_bytes(rows: dict[str, list[list]], tweak=None) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.title)
        ws.append(sheet.headers)
        for row in rows.get(sheet.key, []):
            ws.append(row)
    if tweak:
        tweak(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, park, year: int, content: bytes, name: str = "data.xlsx"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse("accounting:upload", args=[park.pk, year]), {"file": file})


def import_case(client, park, case: dict[str, Any], year: int = 2025):
    """Upload the XLSX of ``case``, follow to the preview and confirm it; returns the responses."""
    response = upload(client, park, year, workbook_bytes(case_rows(case)))
    if response.status_code != 302:
        return response, None
    preview = client.get(response["Location"])
    confirm = client.post(response["Location"], {"confirm": "1"})
    return preview, confirm


# --- a case through the web forms -------------------------------------------------------------


def post_formset(client, park, year: int, kind: str, rows: list[dict[str, Any]]):
    data = {
        f"{kind}-TOTAL_FORMS": str(len(rows)),
        f"{kind}-INITIAL_FORMS": "0",
        f"{kind}-MIN_NUM_FORMS": "0",
        f"{kind}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if value is None or value is False:
                continue
            data[f"{kind}-{i}-{key}"] = "on" if value is True else str(value)
    return client.post(reverse("accounting:records", args=[park.pk, year, kind]), data)


def enter_case_by_forms(client, park, case: dict[str, Any], year: int = 2025) -> list:
    """Post the case through every formset and the guiding form, as an applicant would."""
    from accounting.models import Enterprise

    rows = case_rows(case, months=True)
    responses = [
        post_formset(
            client, park, year, "enterprises", [{"name": r[0]} for r in rows["enterprises"]]
        )
    ]
    ids = dict(
        Enterprise.objects.filter(park_year__park=park, park_year__year=year).values_list(
            "name", "id"
        )
    )

    def ent(name):
        return ids.get(name) if name else None

    responses.append(
        post_formset(
            client,
            park,
            year,
            "fuels",
            [
                {
                    "enterprise": ent(e),
                    "month": m,
                    "fuel": f,
                    "use": u,
                    "quantity": q,
                    "ncv_gj_per_unit": n,
                    "carbon_tc_per_tj": c,
                }
                for e, m, f, u, q, n, c in rows["fuels"]
            ],
        )
    )
    responses.append(
        post_formset(
            client,
            park,
            year,
            "electricity",
            [
                {"enterprise": ent(e), "month": m, "direction": d, "kind": k, "mwh": q}
                for e, m, d, k, q in rows["electricity"]
            ],
        )
    )
    responses.append(
        post_formset(
            client,
            park,
            year,
            "generation",
            [
                {"enterprise": ent(e), "month": m, "source": s, "fossil": f == "是", "mwh": q}
                for e, m, s, f, q in rows["generation"]
            ],
        )
    )
    responses.append(
        post_formset(
            client,
            park,
            year,
            "heat",
            [
                {
                    "enterprise": ent(e),
                    "month": m,
                    "direction": d,
                    "kind": k,
                    "gj": q,
                    "factor_tco2_per_gj": f,
                }
                for e, m, d, k, q, f in rows["heat"]
            ],
        )
    )
    responses.append(
        post_formset(
            client,
            park,
            year,
            "processes",
            [
                {
                    "enterprise": ent(e),
                    "month": m,
                    "product": p,
                    "tonnes": t,
                    "factor_tco2_per_t": f,
                    "basis": b,
                }
                for e, m, p, t, f, b in rows["processes"]
            ],
        )
    )
    responses.append(
        post_formset(
            client,
            park,
            year,
            "products",
            [
                {"product": p, "standard": s, "actual": a, "level2_limit": lim, "unit": u}
                for p, s, a, lim, u in rows["products"]
            ],
        )
    )
    from accounting.sheets import GUIDING_FIELDS

    guiding = {GUIDING_FIELDS[item]: value for item, _label, value in rows["guiding"]}
    responses.append(client.post(reverse("accounting:guiding", args=[park.pk, year]), guiding))
    return responses
