"""What a calculation gives: the ``Result`` with its trace, and how it is written as JSON.

Pure, like the engine that makes it (accounting/method/engine.py). Every contribution is a
``TraceLine`` (accounting/method/trace.py); the result keeps them compact (kinds + lines) and
gives them as TraceLines on first use.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, localcontext
from functools import cached_property
from typing import Any

from accounting.method.factor_set import CONTEXT
from accounting.method.trace import TraceKind, TraceLine, new_line

ZERO = Decimal(0)

EMISSION_CATEGORIES = (
    "fuel_combustion",
    "transformation",
    "electricity",
    "heat",
    "process",
)
ENERGY_GROUP = {
    "fuels": "fuels",
    "electricity": "electricity",
    "generation": "electricity",
    "heat": "heat",
}
BY = ("category", "energy_type", "enterprise")  # the breakdowns of a result


@dataclass(frozen=True)
class Result:
    factor_set_code: str
    factor_set_version: int
    method_version: str  # the Rules' version (accounting/method/rules.py)
    energy_tce: Decimal
    energy_breakdown_tce: dict[str, Decimal]  # fuels, electricity, heat
    emissions_t: dict[str, Decimal]  # the five categories, bunker_memo, total
    intensity: Decimal | None  # None when energy_tce is 0 (flag no_energy_consumption; D11)
    tier: str  # below_200k, 200k_1m, 1m_plus
    threshold: Decimal
    core_pass: bool | None  # None when intensity is None
    electricity_mwh: dict[str, Decimal]  # consumption, direct_green
    direct_green_share: Decimal | None  # None when consumption ≤ 0
    clean_energy_tce: dict[str, Decimal]  # fuels, electricity, heat, total
    clean_energy_share: Decimal | None
    guiding: dict[str, dict[str, Any]]  # missing indicators are absent (and flagged)
    flags: tuple[str, ...]  # sorted
    products: tuple[dict[str, Any], ...]
    breakdown_tables: dict[str, dict[str, dict[str, Decimal]]]  # see breakdowns()
    # The trace, compact: each line is (kind index, enterprise, rows, quantity, amount).
    # ``trace`` gives the same lines as TraceLine; storing a run packs these directly.
    trace_kinds: tuple[TraceKind, ...]
    trace_lines: tuple[tuple[int, str, int, Decimal, Decimal], ...]

    @cached_property
    def trace(self) -> tuple[TraceLine, ...]:
        """Every contribution, in the order it was made (see TraceLine)."""
        kinds, lines = self.trace_kinds, []
        for kind, enterprise, rows, quantity, amount in self.trace_lines:
            k = kinds[kind]
            lines.append(new_line(TraceLine, (
                k.category, k.section, enterprise, k.energy_type, k.use, k.detail, rows,
                quantity, k.unit, *k.factor, k.sign, amount, k.amount_unit,
            )))  # fmt: skip
        return tuple(lines)

    def breakdown(self, by: str, amount_unit: str = "tCO2") -> dict[str, Decimal]:
        """Sum of trace lines per ``category`` / ``energy_type`` / ``enterprise`` / ``section``.

        For tce, ``category`` gives fuels/electricity/heat (= energy_breakdown_tce). For tCO2,
        ``bunker`` stays its own category, so the values always add up to the total.
        """
        sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
        if by == "category":  # every category present, even when nothing falls in it
            names = (
                ENERGY_GROUP.values() if amount_unit == "tce" else (*EMISSION_CATEGORIES, "bunker")
            )
            sums.update(dict.fromkeys(names, ZERO))
        with localcontext(CONTEXT):
            for line in self.trace:
                if line.amount_unit != amount_unit:
                    continue
                key = (
                    ENERGY_GROUP[line.section]
                    if by == "category" and amount_unit == "tce"
                    else getattr(line, by)
                )
                sums[key] += line.amount
        return dict(sums)

    def to_json_dict(self) -> dict[str, Any]:
        """Exactly the fields of shared/acceptance/expected/*.json (Decimals stay Decimal)."""
        return {
            "energy_tce": self.energy_tce,
            "energy_breakdown_tce": dict(self.energy_breakdown_tce),
            "emissions_t": dict(self.emissions_t),
            "intensity": self.intensity,
            "tier": self.tier,
            "threshold": self.threshold,
            "core_pass": self.core_pass,
            "electricity_mwh": dict(self.electricity_mwh),
            "direct_green_share": self.direct_green_share,
            "clean_energy_share": self.clean_energy_share,
            "guiding": {name: dict(value) for name, value in self.guiding.items()},
            "flags": list(self.flags),
        }

    def breakdowns(self) -> dict[str, dict[str, dict[str, Decimal]]]:
        """Every ``breakdown`` of ``to_full_dict``, worked out with the totals in one pass.

        {"emissions_t" | "energy_tce": {"by_category" | "by_energy_type" | "by_enterprise":
        {key: sum}}}, each equal to ``breakdown(by, unit)`` (a test holds them together).
        """
        return {
            unit: {by: dict(sums) for by, sums in tables.items()}
            for unit, tables in self.breakdown_tables.items()
        }

    def to_full_dict(self, *, trace: bool = True) -> dict[str, Any]:
        """``to_json_dict`` plus what explains it.

        Adds factor_set {code, version}, method {version}, clean_energy_tce, breakdowns
        (emissions_t and energy_tce, each by_category / by_energy_type / by_enterprise),
        products and, unless ``trace=False`` (a caller that stores the trace its own way), the
        trace.
        """
        full = self.to_json_dict()
        full["factor_set"] = {
            "code": self.factor_set_code,
            "version": self.factor_set_version,
        }
        full["method"] = {"version": self.method_version}
        full["clean_energy_tce"] = dict(self.clean_energy_tce)
        full["breakdowns"] = self.breakdowns()
        full["products"] = [dict(p) for p in self.products]
        if trace:
            full["trace"] = [line.to_dict() for line in self.trace]
        return full


def _number_text(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"cannot write {value} as JSON")
    # Drop trailing zeros (1155000.0000 → 1155000); "f" avoids exponent forms like 1E+6.
    return format(value.normalize(CONTEXT), "f") if value else "0"


def dumps(obj: Any, indent: int | None = 2) -> str:
    """JSON text (not ASCII-escaped); Decimals are written as exact numbers, never via float."""

    def join(open_: str, parts: list[str], close: str, level: int) -> str:
        if not parts:
            return open_ + close
        if indent is None:
            return open_ + ", ".join(parts) + close
        inner, outer = " " * (indent * (level + 1)), " " * (indent * level)
        return open_ + "\n" + ",\n".join(inner + part for part in parts) + "\n" + outer + close

    def encode(value: Any, level: int) -> str:
        if isinstance(value, Decimal):
            return _number_text(value)
        if isinstance(value, dict):
            items = [
                f"{json.dumps(str(k), ensure_ascii=False)}: {encode(v, level + 1)}"
                for k, v in value.items()
            ]
            return join("{", items, "}", level)
        if isinstance(value, list | tuple):
            return join("[", [encode(v, level + 1) for v in value], "]", level)
        return json.dumps(value, ensure_ascii=False, allow_nan=False)

    return encode(obj, 0)
