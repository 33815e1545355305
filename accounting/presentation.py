"""Shaping stored data and results for the pages (no queries beyond what each helper names)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting import importers, labels, messages, stored_factor_sets
from accounting.forms import KINDS
from accounting.method import engine
from accounting.method.case import PARK, CaseError
from accounting.models import (
    ParkYear,
)
from accounting.sheets import GUIDING_FIELDS, guiding_label
from accounting.trace_store import TRACE_COLUMNS
from zcparks import numbers

KIND_MODELS = importers.SHEET_MODELS  # each kind of record and the model it is stored in
TRACE_PAGE = 200


def counts(park_year: ParkYear | None) -> list[tuple[str, Any, int]]:
    return [
        (kind, label, count_kind(park_year, kind) if park_year else 0)
        for kind, (_form, label) in KINDS.items()
    ]


def count_kind(park_year: ParkYear, kind: str) -> int:
    return KIND_MODELS[kind].objects.filter(park_year=park_year).count()


def kind_table(park_year: ParkYear | None, kind: str, rows=None) -> dict[str, Any]:
    """Read-only view of a kind's rows: headers and display rows; ``rows``: the page of rows to
    show (accounting/entry.py), else the first 1,000."""
    form_class, _label = KINDS[kind]
    model = KIND_MODELS[kind]
    # The stored columns: a form's own field (the process form's product_choice) is how the
    # form asks for a column, not a column of its own.
    names = [n for n in form_class._meta.fields if n not in form_class.declared_fields]
    headers = [model._meta.get_field(n).verbose_name for n in names]
    if park_year is None:
        return {"headers": headers, "rows": [], "more": 0}
    if rows is not None:
        return {"headers": headers, "rows": [_display_row(obj, names) for obj in rows], "more": 0}
    queryset = model.objects.filter(park_year=park_year).order_by("id")
    if "enterprise" in names:
        queryset = queryset.select_related("enterprise")
    total = queryset.count()
    shown = [_display_row(obj, names) for obj in queryset[:1000]]
    return {"headers": headers, "rows": shown, "more": max(total - 1000, 0)}


def _display_row(obj, names) -> list[Any]:
    row = []
    for n in names:
        display = getattr(obj, f"get_{n}_display", None)
        row.append(display() if display else getattr(obj, n))
    return row


def _shown(form, name: str, value: Any, fuels: dict[str, Any]) -> str:
    """A value of a form's field as the page names it (labels, not codes)."""
    if value is None or value == "":
        return "—"
    if name == "fuel":
        fuel = fuels.get(value)
        return fuel.name_zh if fuel is not None else str(value)
    if name == "month":
        return _("%(m)s 月") % {"m": value}
    if isinstance(value, bool):
        return _("是") if value else _("否")
    choices = getattr(form.fields.get(name), "choices", None)
    if choices:
        return str({str(k): v for k, v in choices}.get(str(value), value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 7.000000 as stored reads 7
    return str(value)


MAX_CHANGE_LINES = 10


def formset_changes(formset, fuels: dict[str, Any]) -> str:
    """What a valid formset is about to change, row by row (before it is saved): the counts of
    new, changed and deleted rows and, for at most MAX_CHANGE_LINES of them, what changed."""
    added = changed = deleted = 0
    lines: list[str] = []
    deleted_forms = set(map(id, formset.deleted_forms))
    for index, form in enumerate(formset.forms, start=1):
        row = _("第 %(n)s 行") % {"n": index}
        if id(form) in deleted_forms:
            if form.instance.pk:
                deleted += 1
                lines.append(_("%(row)s已删除") % {"row": row})
            continue
        if not form.has_changed():
            continue
        if form.instance.pk is None:
            added += 1
            lines.append(_("%(row)s新增") % {"row": row})
            continue
        changed += 1
        for name in form.changed_data:
            if name == "DELETE":
                continue
            lines.append(
                _("%(row)s“%(field)s”：%(old)s → %(new)s")
                % {
                    "row": row,
                    "field": form.fields[name].label,
                    "old": _shown(form, name, form.initial.get(name), fuels),
                    "new": _shown(form, name, form.cleaned_data.get(name), fuels),
                }
            )
    if not (added or changed or deleted):
        return _("已保存：没有改动。")
    text = _("已保存：新增 %(added)s 行，修改 %(changed)s 行，删除 %(deleted)s 行。") % {
        "added": added,
        "changed": changed,
        "deleted": deleted,
    }
    shown = "；".join(lines[:MAX_CHANGE_LINES])
    if len(lines) > MAX_CHANGE_LINES:
        shown += _("；另有 %(n)s 处改动") % {"n": len(lines) - MAX_CHANGE_LINES}
    return f"{text}{shown}。" + _("核算结果将自动更新，见下方“核算结果”。")


def formset_errors(formset) -> list[str]:
    """Every error of a posted formset as one line naming the row and the field."""
    lines = [str(e) for e in formset.non_form_errors()]
    for index, form in enumerate(formset.forms, start=1):
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else _("整行")
            for error in errors:
                lines.append(
                    _("第 %(row)s 行“%(field)s”：%(error)s")
                    % {"row": index, "field": label, "error": error}
                )
    return lines


def source_mismatches(parsed: importers.Parsed, *, park, year: int) -> list[str]:
    """How the park and year the file names differ from the park-year it is imported into.

    Only a zcp-case/1 file names them (``data["source"]``); the workbook and the CSV files carry
    no park. An empty province in the file is not compared."""
    source = parsed.data.get("source") or {}
    found = []
    name, province = (source.get("park") or "").strip(), (source.get("province") or "").strip()
    here = park.province.name_zh
    if (name and name != park.name) or (province and province != here):
        found.append(
            _("文件所属园区“%(name)s”（%(province)s）与当前园区“%(here_name)s”（%(here)s）不一致")
            % {
                "name": name or "—",
                "province": province or "—",
                "here_name": park.name,
                "here": here,
            }
        )
    if source.get("year") not in (None, year):
        found.append(
            _("文件所属年度 %(file)s 与当前年度 %(year)s 不一致")
            % {"file": source["year"], "year": year}
        )
    return found


_GUIDING_CODE_OF_FIELD = {field: code for code, field in GUIDING_FIELDS.items()}


def _cell(column, value: Any, fuels: dict[str, str]) -> Any:
    """A preview cell as a person reads it: labels for codes, 是/否 for booleans."""
    if value is None:
        return None
    if column.kind == "bool" or isinstance(value, bool):
        return _("是") if value else _("否")
    if column.kind == "fuel":
        return labels.energy_label(value, fuels)
    if column.kind == "choice":
        if column.key == "kind":
            return labels.detail_label(value)
        return labels.use_label(value)
    return value


def _by_energy_type(data: dict[str, Any], factor_set, *, year: int, park_name: str):
    """(tce, tCO2) per energy type of ``data``; None when the engine refuses it."""
    if not any(data.get(s.key) for s in importers.SHEETS if s.key != "guiding"):
        return {}, {}
    case = importers.case_from_data(
        data, year=year, factor_set=factor_set.code, park_name=park_name
    )
    try:
        tables = engine.evaluate(case, factor_set).breakdowns()
    except CaseError:
        return None
    return tables["energy_tce"]["by_energy_type"], tables["emissions_t"]["by_energy_type"]


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + numbers.tonnes(value)


def replacement(
    parsed: importers.Parsed, park_year, factor_set, *, year: int, park_name: str
) -> dict[str, Any]:
    """What the import replaces: per energy kind, the current and the imported energy (tce) and
    emissions (tCO2) and their differences, all from the engine and exact until formatted."""
    fuels = {code: fuel.name_zh for code, fuel in factor_set.fuels.items()}
    imported = _by_energy_type(parsed.data, factor_set, year=year, park_name=park_name)
    current_rows = importers.current_data(park_year, factor_set.fuels) if park_year else {}
    current = _by_energy_type(current_rows, factor_set, year=year, park_name=park_name)
    if imported is None:
        return {"rows": [], "current_error": current is None}
    now_tce, now_t = current if current is not None else ({}, {})
    new_tce, new_t = imported
    zero = Decimal(0)
    rows = []
    for key in sorted(
        set(now_tce) | set(new_tce) | set(now_t) | set(new_t),
        key=lambda k: -abs(new_tce.get(k, zero)),
    ):
        a, b = now_tce.get(key, zero), new_tce.get(key, zero)
        c, d = now_t.get(key, zero), new_t.get(key, zero)
        rows.append(
            {
                "label": labels.energy_label(key, fuels),
                "tce_now": numbers.tonnes(a) if current is not None else "—",
                "tce_new": numbers.tonnes(b),
                "tce_diff": _signed(b - a) if current is not None else "—",
                "t_now": numbers.tonnes(c) if current is not None else "—",
                "t_new": numbers.tonnes(d),
                "t_diff": _signed(d - c) if current is not None else "—",
            }
        )
    return {"rows": rows, "current_error": current is None}


def preview(parsed: importers.Parsed, *, park, year: int, park_year=None) -> dict[str, Any]:
    """What the upload holds, what it replaces, and what the calculation would give with it."""
    data = parsed.data
    code = data.get("factor_set_code") or stored_factor_sets.code_for_year(year)
    factor_set = stored_factor_sets.resolve_factor_set(code) if code else None
    fuels = {c: f.name_zh for c, f in factor_set.fuels.items()} if factor_set else {}
    samples = {}
    for sheet in importers.SHEETS:
        if sheet.key != "guiding":
            samples[sheet.key] = {
                "title": sheet.title,
                "headers": sheet.headers,
                "count": len(data.get(sheet.key, [])),
                "rows": [
                    [_cell(c, v, fuels) for c, v in zip(sheet.columns, row, strict=False)]
                    for row in data.get(sheet.key, [])[:5]
                ],
            }
    outcome, error = None, ""
    if factor_set is not None:
        case = importers.case_from_data(
            data, year=year, factor_set=factor_set.code, park_name=park.name
        )
        try:
            outcome = engine.evaluate(case, factor_set)
        except CaseError as exc:
            error = messages.case_error(exc)
    guiding = {}
    for field_name, value in data.get("guiding", {}).items():
        item = _GUIDING_CODE_OF_FIELD.get(field_name)
        guiding[guiding_label(item) if item else field_name] = value
    earlier = importers.earlier_import(park_year, parsed.sha256)
    return {
        "samples": samples.values(),
        "guiding_items": guiding,
        "outcome": outcome
        and {
            "energy_tce": numbers.tonnes(outcome.energy_tce),
            "total": numbers.tonnes(outcome.emissions_t["total"]),
            "intensity": numbers.intensity(outcome.intensity),
            "threshold": numbers.intensity(outcome.threshold),
            "core_pass": outcome.core_pass,
        },
        "outcome_error": error,
        "mismatches": source_mismatches(parsed, park=park, year=year),
        "replacement": replacement(parsed, park_year, factor_set, year=year, park_name=park.name)
        if factor_set is not None
        else None,
        "restores": earlier and timezone.localtime(earlier.applied_at).strftime("%Y-%m-%d %H:%M"),
    }


ENTERPRISE_ROWS = 20  # enterprises a page in the result page's table by enterprise


def result_context(
    run, fuels: dict[str, str], enterprise_page: int | None = None
) -> dict[str, Any]:
    """`fuels`: code → name of the run's factor set (labels.fuel_names). The table by enterprise
    is paged (``enterprise_page``, ENTERPRISE_ROWS a page): a park of 10,000 enterprises shows
    20 of them, largest emitters first, and formats only those."""
    if run is None or not run.result:
        return {}
    r = run.result
    guiding = []
    for name, value in r["guiding"].items():
        guiding.append(
            {
                "name": name,
                "label": labels.GUIDING_LABELS.get(name, name),
                "not_applicable": value.get("not_applicable"),
                "value": numbers.share(value["value"])
                if "value" in value
                else (_("%s 种产品") % value["products"] if "products" in value else "—"),
                "target": numbers.share(value["target"]) if "target" in value else _("二级及以上"),
                "pass": value.get("pass"),
            }
        )
    breakdowns = r.get("breakdowns", {})
    tables, chart = [], {}
    for by, title in (
        ("by_category", _("按排放类别")),
        ("by_energy_type", _("按能源品种")),
        ("by_enterprise", _("按企业")),
    ):
        values = breakdowns.get("emissions_t", {}).get(by, {})
        items = sorted(values.items(), key=lambda kv: -abs(Decimal(kv[1])))
        page = None
        shown = items
        if by == "by_enterprise":
            page = Paginator(items, ENTERPRISE_ROWS).get_page(enterprise_page)
            shown = page.object_list
        rows = [(_label(by, k, fuels), numbers.tonnes(v), v) for k, v in shown]
        tables.append(
            {
                "key": by,
                "title": title,
                "rows": rows,
                "page": page,
                "links": list(page.paginator.get_elided_page_range(page.number))
                if page is not None and page.paginator.num_pages > 1
                else [],
            }
        )
        top = items[:15]
        chart[by] = {
            "labels": [str(_label(by, k, fuels)) for k, _v in top],
            "values": [float(Decimal(v)) for _k, v in top],
        }  # chart pixels only
    energy_rows = [
        (_label("by_category", k, fuels), numbers.tonnes(v), v)
        for k, v in breakdowns.get("energy_tce", {}).get("by_category", {}).items()
    ]
    return {
        "r": r,
        "core": {
            "intensity": numbers.intensity(r["intensity"]),
            "threshold": numbers.intensity(r["threshold"]),
            "energy_tce": numbers.tonnes(r["energy_tce"]),
            "total": numbers.tonnes(r["emissions_t"]["total"]),
            "clean_share": numbers.share(r["clean_energy_share"]),
            "direct_green_share": numbers.share(r["direct_green_share"]),
        },
        "emissions": [
            (labels.category_label(k), numbers.tonnes(v))
            for k, v in r["emissions_t"].items()
            if k not in ("total", "bunker_memo")
        ],
        "bunker_memo": numbers.tonnes(r["emissions_t"]["bunker_memo"]),
        "guiding_rows": guiding,
        "flags": [(f, labels.FLAG_LABELS.get(f, f)) for f in r["flags"]],
        "breakdown_tables": tables,
        "energy_rows": energy_rows,
        "chart_data": chart,
    }


def result_summary(run) -> dict[str, Any] | None:
    """The headline figures of a run for the entry pages (intensity, energy, emissions, pass)."""
    if run is None or not run.result:
        return None
    r = run.result
    return {
        "intensity": numbers.intensity(r["intensity"]),
        "energy_tce": numbers.tonnes(r["energy_tce"]),
        "total": numbers.tonnes(r["emissions_t"]["total"]),
        "pass": r.get("core_pass"),
    }


def _label(by: str, key: str, fuels: dict[str, str]) -> str:
    if by == "by_enterprise":
        return _("园区整体") if key == PARK else key
    if by == "by_category":
        return labels.category_label(key)
    return labels.energy_label(key, fuels)


def trace_page(run, page: str | None, fuels: dict[str, str]):
    if run is None or not run.trace_lines:
        return None
    # Only the stored chunk that holds this page is read, and only its lines are turned into
    # dicts and formatted (a 1,000-enterprise park has ~15,000 lines).
    current = Paginator(run.trace_view(), TRACE_PAGE).get_page(page)
    lines = []
    for values in current.object_list:
        row = labels.trace_row(dict(zip(TRACE_COLUMNS, values, strict=True)), fuels)
        row["quantity_display"] = numbers.quantity(row["quantity"])
        row["amount_display"] = numbers.quantity(row["amount"])
        row["factor_display"] = numbers.factor(row["factor_value"])
        row["factor_full"] = numbers.factor_full(row["factor_value"])
        lines.append(row)
    current.object_list = lines
    return current
