"""Process emissions name Att.4's products and subdivisions (D20), still with the park's own
factor and basis; a product Att.4 does not list stays the park's own text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from accounting import process_products
from accounting.models import Enterprise, ParkYear, ProcessRecord

from .conftest import VALID_CASES, import_case, load_case, post_formset

pytestmark = pytest.mark.django_db

ATT4 = (
    Path(__file__).resolve().parents[3] / "shared/domain/policy/4-carbon-accounting-method.zh.txt"
)


def test_the_list_is_att4s_products_and_subdivisions():
    text = ATT4.read_text(encoding="utf-8")
    section = text[
        text.index("三、工业生产过程碳排放") : text.index("（二）核算方法", text.index("三、"))
    ]
    for product, parts in process_products.PRODUCTS:
        assert product in section
        for part in parts:
            assert part in section, part
    # every subdivision Att.4 lists (X按…分为：a、b、c。) is offered
    for line in re.findall(r"分为：(.+?)。", section):
        for part in line.split("、"):
            assert part in process_products.LISTED, part


def _row(enterprise, **extra):
    return {
        "enterprise": enterprise,
        "month": 1,
        "tonnes": "1000",
        "factor_tco2_per_t": "0.52",
        "basis": "园区实测（2024 年核查报告）",
        **extra,
    }


@pytest.fixture
def enterprise(cast, client, trial_set):
    client.force_login(cast.applicant_a)
    post_formset(client, cast.park_a, 2025, "enterprises", [{"name": "建材厂"}])
    return Enterprise.objects.get().pk


def test_the_form_offers_the_list_and_keeps_the_factor_and_basis(
    cast, client, enterprise, on_commit
):
    rows = [
        _row(enterprise, product_choice="硅酸盐水泥熟料"),
        _row(enterprise, product_choice=process_products.OTHER, product="玻璃"),
        _row(enterprise, product="电石"),  # named without the list: its Att.4 name
    ]
    assert post_formset(client, cast.park_a, 2025, "processes", rows).status_code == 302
    stored = list(ProcessRecord.objects.order_by("pk").values_list("product", "basis"))
    assert [p for p, _b in stored] == ["硅酸盐水泥熟料", "玻璃", "碳化钙（电石）"]
    assert all(b == "园区实测（2024 年核查报告）" for _p, b in stored)
    page = client.get(reverse("accounting:records", args=[cast.park_a.pk, 2025, "processes"]))
    html = page.content.decode()
    assert ">硅酸盐水泥熟料</option>" in html and ">铬铁合金</option>" in html
    # The stored rows show their choice again: a listed product selected, another as its text.
    assert '<option value="硅酸盐水泥熟料" selected>' in html
    assert f'<option value="{process_products.OTHER}" selected>' in html and 'value="玻璃"' in html
    assert "其他工业产品（请填写名称）" in html


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"product_choice": process_products.OTHER}, "product"),
        ({}, "product_choice"),
        ({"product_choice": "水泥熟料"}, "product_choice"),  # a divided product: its subdivision
        ({"product_choice": "硅酸盐水泥熟料", "basis": ""}, "basis"),
    ],
)
def test_a_row_without_a_product_or_basis_is_refused_naming_the_field(
    cast, client, enterprise, on_commit, row, field
):
    response = post_formset(client, cast.park_a, 2025, "processes", [_row(enterprise, **row)])
    assert response.status_code == 400
    assert field in response.context["formset"].forms[0].errors
    assert not ProcessRecord.objects.exists()


def test_an_import_names_a_listed_product_by_its_att4_name(cast, client, trial_set, on_commit):
    client.force_login(cast.applicant_a)
    case = next(load_case(p) for p in VALID_CASES if load_case(p).get("processes"))
    case["processes"][0]["product"] = "电解铝"
    import_case(client, cast.park_a, case)
    names = set(ProcessRecord.objects.values_list("product", flat=True))
    assert "原铝（电解铝）" in names and "电解铝" not in names


def test_the_migration_names_listed_products_and_keeps_other_text(cast):
    migration = __import__(
        "accounting.migrations.0011_process_products_by_att4_name", fromlist=["forwards"]
    )
    park_year = ParkYear.objects.create(park=cast.park_a, year=2025)
    for name in ("电石", "水泥熟料", "平板玻璃", "工业硅"):
        ProcessRecord.objects.create(
            park_year=park_year, product=name, tonnes=1, factor_tco2_per_t=1, basis="实测"
        )
    migration.forwards(django_apps, None)
    assert sorted(ProcessRecord.objects.values_list("product", flat=True)) == sorted(
        ["碳化钙（电石）", "水泥熟料", "平板玻璃", "工业硅"]
    )
