"""A `zcp-case/1` JSON upload, validated by the engine, turned into the import's plain rows."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from accounting import messages
from accounting.import_errors import ImportInvalid, RowError, year_limit_errors
from accounting.method.case import PARK, CaseError, parse_case
from accounting.sheets import GUIDING_FIELDS
from accounting.stored_factor_sets import resolve_factor_set
from zcparks import untrusted


def _error(path: str, message: str):
    """An error of the JSON file, named by its JSON path (``fuels[2].quantity``)."""
    return ImportInvalid([RowError("", None, "", message, path=path)])


def _ent(name: str) -> str | None:
    return None if name == PARK else name


def _t(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _check_year_limits(parsed) -> None:
    sections = (parsed.fuels, parsed.electricity, parsed.generation, parsed.heat, parsed.processes)
    names = {row.enterprise for section in sections for row in section} - {PARK}
    messages = year_limit_errors(len(names), sum(len(section) for section in sections))
    if messages:
        raise _error("", messages[0])


def parse_case_file(content: bytes, *, year: int, same_year: bool = True) -> dict[str, Any]:
    """The file's rows for the import. ``same_year``: refuse a file of another year (the API and
    the demo, which show no preview); the upload page passes False and warns in its preview."""
    try:
        untrusted.check_json(content)  # size, values and nesting, before anything is built
    except untrusted.Refused as exc:
        raise _error("", str(exc)) from None
    try:
        case = json.loads(content.decode("utf-8-sig"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _error("", _("不是有效的 JSON：%s") % exc) from exc
    except RecursionError:  # absurdly nested arrays or objects
        raise _error("", _("不是有效的 JSON：嵌套层数过多")) from None
    code = case.get("factor_set") if isinstance(case, dict) else None
    factor_set = resolve_factor_set(code) if isinstance(code, str) and code else None
    try:
        parsed = parse_case(case, factor_set.fuels if factor_set else None)
    except CaseError as exc:
        raise _error(exc.path, messages.translate(exc.message)) from exc
    if factor_set is None:
        raise _error("factor_set", _("没有已发布的因子集“%s”") % code)
    _check_year_limits(parsed)
    if same_year and parsed.year != year:
        raise _error("year", _("须为 %s（本页的年度）") % year)
    names: dict[str, None] = {}
    for section in (
        parsed.fuels,
        parsed.electricity,
        parsed.generation,
        parsed.heat,
        parsed.processes,
    ):
        for row in section:
            if row.enterprise != PARK:
                names.setdefault(row.enterprise)
    guiding: dict[str, str] = {}
    products: list[list] = []
    for name, indicator in parsed.guiding.items():
        if indicator is None:
            continue
        if hasattr(indicator, "reason"):
            guiding[GUIDING_FIELDS[f"{name}.not_applicable"]] = indicator.reason
        elif name == "solid_waste":
            guiding.update(
                solid_waste_generated_t=str(indicator.total),
                solid_waste_utilized_t=str(indicator.used),
            )
        elif name == "water":
            guiding.update(
                water_fresh_m3=str(indicator.total - indicator.used),
                water_reused_m3=str(indicator.used),
            )
        elif name == "waste_energy":
            for kind, rate in indicator.kinds.items():
                guiding[f"waste_{kind}_recoverable_tce"] = str(rate.total)
                guiding[f"waste_{kind}_recovered_tce"] = str(rate.used)
        else:
            products = [
                [p.product, p.standard or None, str(p.actual), str(p.level2_limit), p.unit or None]
                for p in indicator
            ]
    return {
        "enterprises": [[n, None, None] for n in names],
        "fuels": [
            [r.enterprise, None, r.fuel, r.use, str(r.quantity), _t(r.ncv), _t(r.carbon)]
            for r in parsed.fuels
        ],
        "electricity": [
            [_ent(r.enterprise), None, r.direction, r.kind, str(r.mwh)] for r in parsed.electricity
        ],
        "generation": [
            [_ent(r.enterprise), None, r.source, r.fossil, str(r.mwh)] for r in parsed.generation
        ],
        "heat": [
            [_ent(r.enterprise), None, r.direction, r.kind, str(r.gj), _t(r.factor)]
            for r in parsed.heat
        ],
        "processes": [
            [_ent(r.enterprise), None, r.product, str(r.tonnes), str(r.factor), r.basis]
            for r in parsed.processes
        ],
        "products": products,
        "guiding": guiding,
        "factor_set_code": parsed.factor_set,
        "source": {"park": parsed.park_name, "province": parsed.province, "year": parsed.year},
    }
