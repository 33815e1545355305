"""The monthly entry pages: one enterprise's rows at a time, a page of rows, inputs written out
directly.

A park-year of 1,000 enterprises has tens of thousands of rows of each kind; the page shows one
group (an enterprise, or the park as a whole for the kinds whose rows may belong to no
enterprise) and at most ``forms.PAGE_ROWS`` of its rows, chosen with an enterprise picker and page
links. The inputs are written here rather than through a widget template each (about 8 ms a row
with crispy's table template): every input has its label (the column's name and the row's
number, for screen readers), errors are tied to their input (aria-invalid, aria-describedby).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounting.forms import KINDS, PAGE_ROWS, EnterpriseField, enterprises_of
from accounting.models import ParkYear
from zcparks.params import choice_param, int_param


def escape(text: Any) -> str:
    """HTML-escaped text, as django.utils.html.escape escapes it (the standard library's, without
    Django's lazy-string wrapper: thousands of values a page)."""
    return html.escape(str(text))


PARK = "park"  # the group of rows that belong to the park as a whole (no enterprise)


@dataclass
class Group:
    key: str  # an enterprise's id, or PARK
    label: str
    rows: int


@dataclass
class EntryPage:
    kind: str
    groups: list[Group] = field(default_factory=list)  # empty: the kind is not grouped
    group: Group | None = None
    page: Page | None = None
    enterprises: dict[int, str] = field(default_factory=dict)  # names by id, by name
    links: list[Any] = field(default_factory=list)  # page numbers, with … between far ones

    @property
    def grouped(self) -> bool:
        return "enterprise" in KINDS[self.kind][0]._meta.fields

    @property
    def options(self) -> SafeString:
        """The enterprise picker's options, written out at once (1,000 enterprises)."""
        chosen = self.group.key if self.group else None
        rows = _("%(n)s 行")
        return mark_safe(  # noqa: S308 - labels escaped here
            "".join(
                f'<option value="{g.key}"{" selected" if g.key == chosen else ""}>'
                f"{escape(g.label)}（{rows % {'n': g.rows}}）</option>"
                for g in self.groups
            )
        )

    @property
    def needs_enterprises(self) -> bool:
        """A kind whose rows need an enterprise, in a park-year that has none yet."""
        return self.grouped and self.group is None


def _park_level(kind: str) -> bool:
    model = KINDS[kind][0]._meta.model
    return model._meta.get_field("enterprise").null


def entry_page(park_year: ParkYear | None, kind: str, params) -> EntryPage:
    """The group and the page of rows the query asks for (``enterprise``, ``page``): 400 naming
    the parameter when it is not one the page offers."""
    form_class = KINDS[kind][0]
    model = form_class._meta.model
    result = EntryPage(kind)
    rows = model.objects.none()
    if park_year is not None:
        rows = model.objects.filter(park_year=park_year).order_by("id")
    if result.grouped:
        result.enterprises = enterprises_of(park_year) if park_year is not None else {}
        counts: dict[Any, int] = {}
        if park_year is not None:
            counts = dict(rows.order_by().values_list("enterprise_id").annotate(n=Count("id")))
        if _park_level(kind):
            result.groups.append(Group(PARK, _("园区整体（不属于某一企业）"), counts.get(None, 0)))
        result.groups += [
            Group(str(pk), name, counts.get(pk, 0)) for pk, name in result.enterprises.items()
        ]
        if not result.groups:
            result.page = Paginator(model.objects.none(), PAGE_ROWS).get_page(1)
            return result
        by_key = {g.key: g for g in result.groups}
        # By default the first group with rows (the park's own rows, else the first enterprise).
        default = next((g.key for g in result.groups if g.rows), result.groups[0].key)
        result.group = by_key[choice_param(params, "enterprise", by_key, default=default)]
        rows = (
            rows.filter(enterprise__isnull=True)
            if result.group.key == PARK
            else rows.filter(enterprise_id=int(result.group.key))
        ).select_related("enterprise")
        total = result.group.rows
    else:
        total = None
    paginator = Paginator(rows, PAGE_ROWS)
    if total is not None:
        paginator.count = total  # counted already, with the groups (cached_property)
    number = int_param(params, "page", default=1)
    result.page = paginator.get_page(number)
    result.links = list(paginator.get_elided_page_range(result.page.number))
    return result


# --- the inputs -----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 7.000000 as stored reads 7
    return str(getattr(value, "pk", value))


def _choices(form_field: forms.Field, name: str) -> list[tuple[str, str]] | None:
    if name == "month":
        return [("", _("全年"))] + [(str(m), _("%(m)s 月") % {"m": m}) for m in range(1, 13)]
    choices = getattr(form_field, "choices", None)
    if choices is None and isinstance(form_field.widget, forms.Select):
        choices = form_field.widget.choices
    if choices is None:
        return None
    flat: list[tuple[str, str]] = []
    for key, value in choices:
        if isinstance(value, list | tuple):  # a group (Att.4's divided products): its options
            flat += [(str(k), str(v)) for k, v in value]
        else:
            flat.append((str(key), str(value)))
    return flat


def columns(kind: str) -> list[tuple[str, str]]:
    """The visible columns of a kind's table: (field name, label)."""
    form_class = KINDS[kind][0]
    model = form_class._meta.model
    return [
        (
            name,
            str(
                form_class.base_fields[name].label
                if name in form_class.declared_fields  # a form's own field (product_choice)
                else model._meta.get_field(name).verbose_name
            ),
        )
        for name in form_class._meta.fields
        if name != "enterprise"
    ]


@dataclass
class _Column:
    name: str
    label: str
    control: str  # "checkbox", "select" or "text"
    options: str = ""  # a select's options, none selected
    decimal: bool = False


class RowWriter:
    """Writes a formset's rows as table rows of inputs; what is the same for every row (labels,
    a select's options) is prepared once."""

    def __init__(self, formset, kind: str, group: Group | None) -> None:
        self.kind = kind
        self.group = group
        sample = formset.empty_form
        self.columns = []
        for name, _label in [*columns(kind), ("DELETE", "")]:
            if name not in sample.fields:
                continue
            field = sample.fields[name]
            label = str(field.label)
            if isinstance(field, forms.BooleanField):
                self.columns.append(_Column(name, label, "checkbox"))
                continue
            choices = _choices(field, name)
            if choices is not None:
                options = "".join(
                    f'<option value="{escape(k)}">{escape(v)}</option>' for k, v in choices
                )
                self.columns.append(_Column(name, label, "select", options))
                continue
            self.columns.append(
                _Column(name, label, "text", decimal=isinstance(field, forms.DecimalField))
            )
        self.grouped = isinstance(sample.fields.get("enterprise"), EnterpriseField)
        self.group_value = "" if group is None or group.key == PARK else group.key

    def _value(self, form, name: str) -> Any:
        if form.is_bound:
            return form.data.get(form.add_prefix(name))
        value = form.initial.get(name)
        if value is None and name in form.fields:
            value = form.fields[name].initial
        return value

    def _cell(self, form, column: _Column, row_label: str) -> str:
        html_name = escape(form.add_prefix(column.name))
        html_id = f"id_{html_name}"
        label = escape(f"{column.label}（{row_label}）")
        errors = form.errors.get(column.name) if form.is_bound else None
        extra = after = ""
        if errors:
            extra = f' aria-invalid="true" aria-describedby="{html_id}-error"'
            after = (
                f'<div class="invalid-feedback d-block" id="{html_id}-error">'
                f"{escape(' '.join(str(e) for e in errors))}</div>"
            )
        value = self._value(form, column.name)
        if column.control == "checkbox":
            checked = " checked" if value in (True, "on", "true", "True", "1") else ""
            return (
                f'<input type="checkbox" class="form-check-input" name="{html_name}"'
                f' id="{html_id}" aria-label="{label}"{checked}{extra}>{after}'
            )
        if column.control == "select":
            current = f'value="{escape(_text(value))}">'
            options = column.options.replace(current, current[:-1] + " selected>", 1)
            return (
                f'<select class="form-select form-select-sm" name="{html_name}" id="{html_id}"'
                f' aria-label="{label}"{extra}>{options}</select>{after}'
            )
        mode = ' inputmode="decimal"' if column.decimal else ""
        return (
            f'<input type="text" class="form-control form-control-sm" name="{html_name}"'
            f' id="{html_id}" value="{escape(_text(value))}" aria-label="{label}"'
            f"{mode}{extra}>{after}"
        )

    def row(self, form, row_label: str) -> str:
        hidden = []
        if "id" in form.fields:
            hidden.append(
                f'<input type="hidden" name="{escape(form.add_prefix("id"))}"'
                f' value="{escape(_text(self._value(form, "id")))}">'
            )
        if self.grouped:
            value = _text(self._value(form, "enterprise")) if form.is_bound else self.group_value
            hidden.append(
                f'<input type="hidden" name="{escape(form.add_prefix("enterprise"))}"'
                f' value="{escape(value)}">'
            )
        errors = []
        if form.is_bound:
            errors = [str(e) for e in form.non_field_errors()]
            errors += [str(e) for e in form.errors.get("enterprise", [])]
            errors += [str(e) for e in form.errors.get("id", [])]
        error_html = (
            f'<div class="text-danger small">{escape(" ".join(errors))}</div>' if errors else ""
        )
        cells = [
            f'<th scope="row" class="text-nowrap small">{escape(row_label)}{"".join(hidden)}'
            f"{error_html}</th>"
        ]
        for column in self.columns:
            cell = self._cell(form, column, row_label)
            cells.append(
                f'<td class="text-center">{cell}</td>'
                if column.name == "DELETE"
                else f"<td>{cell}</td>"
            )
        return f"<tr data-formset-row>{''.join(cells)}</tr>"


def rows(formset, kind: str, page: EntryPage) -> dict[str, Any]:
    """The formset's rows as table rows, and the empty row "添加一行" copies. Every value and
    label is escaped by RowWriter; the rest is its own markup."""
    writer = RowWriter(formset, kind, page.group)
    label = _("第 %(n)s 行")
    return {
        "forms": mark_safe(  # noqa: S308
            "".join(
                writer.row(form, label % {"n": i}) for i, form in enumerate(formset.forms, start=1)
            )
        ),
        "empty": mark_safe(writer.row(formset.empty_form, _("新增行"))),  # noqa: S308
    }


def page_query(page: EntryPage) -> str:
    """The query string of the group and page shown (the form posts to it, a save returns to
    it)."""
    parts = []
    if page.group is not None:
        parts.append(f"enterprise={page.group.key}")
    if page.page is not None and page.page.number > 1:
        parts.append(f"page={page.page.number}")
    return "&".join(parts)
