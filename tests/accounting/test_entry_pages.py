"""The monthly entry pages: one enterprise's rows a page at a time, every input labelled, any page
the form shows can be posted back as the browser would, a save says what changed."""

from __future__ import annotations

from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounting import publishing, services
from accounting.forms import KINDS, MAX_FORM_ROWS, PAGE_ROWS, record_formset
from accounting.models import Enterprise, FuelRecord, ParkYear

pytestmark = pytest.mark.django_db


class Inputs(HTMLParser):
    """What a browser would post from the page's entry form, and every visible control."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self.controls: list[dict[str, str]] = []
        self._form = self._template = False
        self._select: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post":
            self._form = True
        if tag == "template":
            self._template = True
        if not self._form or self._template:
            return
        if tag == "input":
            if a.get("type") != "hidden":
                self.controls.append(a)
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.data[a["name"]] = "on"
            elif a.get("name"):
                self.data[a["name"]] = a.get("value", "")
        elif tag == "select":
            self.controls.append(a)
            self._select = a
            self.data[a["name"]] = ""
        elif tag == "option" and self._select is not None and "selected" in a:
            self.data[self._select["name"]] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = False
        elif tag == "template":
            self._template = False
        elif tag == "select":
            self._select = None


def parse(response) -> Inputs:
    parser = Inputs()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def year(cast):
    """Two enterprises: 甲 with more fuel rows than a page, 乙 with one."""
    publishing.load_bundled_factor_sets()
    park_year = ParkYear.objects.create(park=cast.park_a, year=2025)
    big = Enterprise.objects.create(park_year=park_year, name="甲化工")
    small = Enterprise.objects.create(park_year=park_year, name="乙材料")
    FuelRecord.objects.bulk_create(
        [
            FuelRecord(
                park_year=park_year,
                enterprise=big,
                month=i % 12 + 1,
                fuel="diesel",
                use="end_use",
                quantity=Decimal(i + 1),
            )
            for i in range(PAGE_ROWS + 5)
        ]
        + [
            FuelRecord(
                park_year=park_year,
                enterprise=small,
                month=1,
                fuel="natural_gas",
                use="end_use",
                quantity=Decimal("7"),
            )
        ]
    )
    return park_year, big, small


def url(park_year, kind="fuels", **query) -> str:
    base = reverse("accounting:records", args=[park_year.park_id, park_year.year, kind])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_a_save_of_any_kind_posts_fewer_fields_than_django_accepts() -> None:
    # A row posts its fields, its id and DELETE; the management form 4, the CSRF token 1.
    for kind, (form_class, _label) in KINDS.items():
        fields = len(form_class._meta.fields) + 2
        assert MAX_FORM_ROWS * fields + 5 < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS, kind
    assert PAGE_ROWS + 3 < MAX_FORM_ROWS  # a page, its empty rows and some added rows


def test_a_page_shows_one_enterprises_rows_and_every_input_is_labelled(client, cast, year):
    park_year, big, small = year
    client.force_login(cast.applicant_a)

    first = client.get(url(park_year, enterprise=big.pk))
    page = parse(first)

    assert first.status_code == 200
    shown = {int(v) for k, v in page.data.items() if k.endswith("-id") and v}
    assert len(shown) == PAGE_ROWS
    assert set(FuelRecord.objects.filter(pk__in=shown).values_list("enterprise", flat=True)) == {
        big.pk
    }
    assert page.controls and all(c.get("aria-label") for c in page.controls)
    text = first.content.decode()
    assert "甲化工（65 行）" in text and "乙材料（1 行）" in text
    assert "data-formset-add" in text and "js/formset-rows.js" in text

    second = parse(client.get(url(park_year, enterprise=big.pk, page=2)))
    assert len({v for k, v in second.data.items() if k.endswith("-id") and v}) == 5
    other = parse(client.get(url(park_year, enterprise=small.pk)))
    assert [v for k, v in other.data.items() if k.endswith("-quantity") and v] == ["7"]

    refused = client.get(url(park_year, enterprise=999999))
    assert refused.status_code == 400 and "企业" in refused.content.decode()


def test_showing_a_page_takes_the_same_queries_whatever_the_number_of_rows(client, cast, year):
    park_year, big, small = year
    client.force_login(cast.applicant_a)
    client.get(url(park_year, enterprise=small.pk))
    with CaptureQueriesContext(connection) as one_row:
        client.get(url(park_year, enterprise=small.pk))
    with CaptureQueriesContext(connection) as full_page:
        client.get(url(park_year, enterprise=big.pk))
    assert len(full_page) == len(one_row)


def test_a_full_page_posted_as_shown_saves_and_says_what_changed(client, cast, year):
    park_year, big, _small = year
    client.force_login(cast.applicant_a)
    page = parse(client.get(url(park_year, enterprise=big.pk)))
    data = dict(page.data)
    target = next(k for k, v in data.items() if k.endswith("-quantity") and v == "3")
    data[target] = "30.5"
    assert data["fuels-1-quantity"] == "2"
    data["fuels-1-DELETE"] = "on"
    row = data["fuels-TOTAL_FORMS"]
    # A row added at the end, as "添加一行" and the user would
    data.update(
        {
            f"fuels-{row}-enterprise": str(big.pk),
            f"fuels-{row}-fuel": "diesel",
            f"fuels-{row}-use": "end_use",
            f"fuels-{row}-month": "5",
            f"fuels-{row}-quantity": "12",
        }
    )
    data["fuels-TOTAL_FORMS"] = str(int(row) + 1)

    response = client.post(url(park_year, enterprise=big.pk), data, follow=True)
    assert response.status_code == 200, response.context.get("error_list")

    assert response.redirect_chain[-1][0].endswith(f"?enterprise={big.pk}")
    message = " ".join(str(m) for m in response.context["messages"])
    assert "新增 1 行，修改 1 行，删除 1 行" in message, message
    assert "“数量”：3 → 30.5" in message, message
    assert "已删除" in message
    rows = FuelRecord.objects.filter(park_year=park_year, enterprise=big)
    assert rows.count() == PAGE_ROWS + 5  # one deleted, one added
    assert rows.filter(quantity=Decimal("30.5")).count() == 1
    assert rows.filter(quantity=Decimal("2")).count() == 0
    assert 'data-testid="entry-result"' in response.content.decode()


def test_an_enterprise_name_taken_on_another_page_is_refused(client, cast, year):
    park_year, _big, _small = year
    client.force_login(cast.applicant_a)
    data = {
        "enterprises-TOTAL_FORMS": "1",
        "enterprises-INITIAL_FORMS": "0",
        "enterprises-0-name": "乙材料",
    }

    response = client.post(url(park_year, "enterprises"), data)

    assert response.status_code == 400
    assert any("乙材料" in line for line in response.context["error_list"])
    assert Enterprise.objects.filter(park_year=park_year).count() == 2


def test_a_formsets_rows_share_their_fields_but_keep_their_own_id_values_and_errors(cast, year):
    # The fields are prepared once for the formset (accounting.forms.SharedFields), not copied
    # for every row; what differs between rows must stay the row's own.
    park_year, big, _small = year
    _code, fuels = services.fuels_for(park_year, park_year.year)
    rows = FuelRecord.objects.filter(park_year=park_year, enterprise=big).order_by("id")[:2]
    shown = record_formset("fuels", park_year, fuels, rows=rows, enterprises={big.pk: big.name})
    first, second = shown.forms[0], shown.forms[1]
    assert first.fields["fuel"] is second.fields["fuel"]
    assert first.fields["enterprise"] is second.fields["enterprise"]
    assert first.fields is not second.fields and first.fields["id"] is not second.fields["id"]
    assert [f.fields["id"].initial for f in shown.forms[:2]] == [r.pk for r in rows]
    assert shown.forms[2].fields["id"].initial is None  # an empty row
    assert "diesel" in dict(first.fields["fuel"].widget.choices)

    data = {"fuels-TOTAL_FORMS": "2", "fuels-INITIAL_FORMS": "2"}
    for i, row in enumerate(rows):
        data |= {
            f"fuels-{i}-id": str(row.pk),
            f"fuels-{i}-enterprise": str(big.pk),
            f"fuels-{i}-month": "1",
            f"fuels-{i}-fuel": "diesel",
            f"fuels-{i}-use": "end_use",
            f"fuels-{i}-quantity": "5",
        }
    data["fuels-0-quantity"] = "abc"
    data["fuels-1-fuel"] = "no_such_fuel"
    posted = record_formset("fuels", park_year, fuels, data, enterprises={big.pk: big.name})

    assert not posted.is_valid()
    assert set(posted.forms[0].errors) == {"quantity"}
    assert set(posted.forms[1].errors) == {"fuel"}
    assert posted.forms[1].cleaned_data["quantity"] == Decimal("5")
    assert [f.instance.pk for f in posted.forms] == [r.pk for r in rows]


def test_a_process_row_names_its_product_only_for_another_product(cast, year):
    park_year, _big, _small = year
    formset = record_formset("processes", park_year, {}, enterprises={})
    assert formset.forms[0].fields["product"].required is False
    alone = KINDS["processes"][0](park_year=park_year)  # a form outside a formset
    assert alone.fields["product"].required is False
    assert KINDS["processes"][0].base_fields["product"].required is True  # the class's own
