"""The carbon accounting engine: one park-year (`zcp-case/1`) and a factor set in, indicators out.

Pure: no Django, no ORM, no settings. Every number is a Decimal computed in a 34-digit context
(IEEE decimal128), never a float. The method is Att.4 as written down in
shared/domain/README.md, with the decisions in DECISIONS.md; the decisions that are numbers live
in ``Rules`` (accounting/method/rules.py, versioned) and in the factor set's parameters, so they
stay visible and configurable.

Rows with the same key (enterprise, energy type, use …) are summed before they are multiplied:
twelve monthly rows give one trace line with ``rows=12``, and 100k rows cost one multiplication
per key. Every contribution is a ``TraceLine`` (quantity × factor = amount, with the factor's code,
unit and source), and every total is the sum of its lines, so each number can be explained. The
result and its trace are defined in accounting/method/results.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, replace
from decimal import (
    Decimal,
    localcontext,
)
from fractions import Fraction
from operator import attrgetter
from typing import Any

from accounting.method.case import (
    ELECTRICITY_KINDS,
    SCHEMA,
    CaseError,
    NotApplicable,
    ParsedCase,
    Rate,
    WasteEnergy,
    parse_case,
)
from accounting.method.digest import case_digest, parsed_digest
from accounting.method.factor_set import CONTEXT, FactorSet
from accounting.method.results import (
    BY,
    EMISSION_CATEGORIES,
    ENERGY_GROUP,
    ZERO,
    Result,
    dumps,
)
from accounting.method.rules import DEFAULT_RULES, Rules
from accounting.method.trace import Factor, TraceKind, TraceLine

__all__ = [
    "SCHEMA",
    "CaseError",
    "Result",
    "Rules",
    "TraceKind",
    "TraceLine",
    "case_digest",
    "dumps",
    "evaluate",
    "evaluate_parsed",
    "evaluate_with_digest",
]

COMBUSTION_USES = (
    "end_use",
    "power_generation",
    "heat_supply",
    "recovered_energy",
    "bunker",
)
# Uses counted in energy consumption, with their sign. D7: recovered_energy emits but is
# absent here, because its energy is already inside the energy it was recovered from.
ENERGY_SIGN = {
    "end_use": 1,
    "power_generation": 1,
    "heat_supply": 1,
    "feedstock": 1,
    "bunker": 1,
    "transformation_input": 1,
    "transformation_output": -1,
}
POWER_AND_HEAT_USES = ("power_generation", "heat_supply")
SIGN = {"import": 1, "export": -1}


def evaluate(case: Any, factor_set: FactorSet, rules: Rules = DEFAULT_RULES) -> Result:
    """Validate the whole ``case`` (raises ``CaseError``), then calculate its indicators."""
    return evaluate_parsed(parse_case(case, factor_set.fuels), factor_set, rules)


def evaluate_with_digest(
    case: Any, factor_set: FactorSet, rules: Rules = DEFAULT_RULES
) -> tuple[Result, str]:
    """``evaluate`` and ``case_digest`` in one validation: a recalculation needs both."""
    parsed = parse_case(case, factor_set.fuels)
    return evaluate_parsed(parsed, factor_set, rules), parsed_digest(parsed)


def evaluate_parsed(
    parsed: ParsedCase, factor_set: FactorSet, rules: Rules = DEFAULT_RULES
) -> Result:
    """Calculate a case that is already typed and checked (``parse_case``, or rows read back
    from the database and checked with ``case.check_stored``)."""
    with localcontext(CONTEXT):
        return _Calculation(parsed, factor_set, rules).result()


def _empty_tables() -> dict[str, dict[str, dict[str, Decimal]]]:
    """Sums of the trace's amounts by category, energy type and enterprise, for tCO2
    (``emissions_t``; bunker its own category) and tce (``energy_tce``; fuels, electricity,
    heat), before any line: ``_Calculation._line`` adds each line as it makes it."""
    tables: dict[str, dict[str, dict[str, Decimal]]] = {}
    for unit_key in ("emissions_t", "energy_tce"):
        names = (
            ENERGY_GROUP.values() if unit_key == "energy_tce" else (*EMISSION_CATEGORIES, "bunker")
        )
        tables[unit_key] = {f"by_{by}": {} for by in BY}
        tables[unit_key]["by_category"] = dict.fromkeys(names, ZERO)
    return tables


def _grouped(rows: Iterable[Any], fields_: tuple[str, ...], amount: str) -> dict:
    """{key: (row count, summed amount)} in first-seen order (a row may stand for several
    records already summed: its ``rows``)."""
    key_of, amount_of = attrgetter(*fields_), attrgetter(amount)
    rows = tuple(rows)
    # Rows read back from the database are summed already, every key once: then the groups
    # are built in C. Otherwise (a case file's monthly rows) they are summed here.
    groups: dict[tuple, Any] = dict(
        zip(map(key_of, rows), zip(map(_ROWS, rows), map(amount_of, rows), strict=True),
            strict=True)
    )  # fmt: skip
    if len(groups) == len(rows):
        return groups
    groups = {}
    for row in rows:
        key = key_of(row)
        group = groups.get(key)
        if group is None:
            groups[key] = [row.rows, amount_of(row)]
        else:
            group[0] += row.rows
            group[1] += amount_of(row)
    return groups


_ROWS = attrgetter("rows")


def _rounded(value: Fraction) -> Decimal:
    """An exact fraction as a Decimal of the engine's precision, rounded once (decimal's
    division is correctly rounded, and the integers enter it exactly)."""
    return CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))


class _Calculation:
    def __init__(self, case: ParsedCase, factor_set: FactorSet, rules: Rules) -> None:
        self.case = case
        self.fs = factor_set
        self.rules = rules
        self.lines: list[tuple[int, str, int, Decimal, Decimal]] = []
        self.kinds: list[TraceKind] = []
        self._kind_numbers: dict[tuple, int] = {}
        self._plans: list[tuple] = []  # per kind, for _add
        # D2: per kind, its quantities summed (exact: at most 6 places, far inside 34 digits)
        # and its factor as an exact fraction; what ``_exact_totals`` decides with.
        self._quantities: list[Decimal] = []
        self._exact: list[Fraction] = []
        self._exact_factors: dict[Factor, Fraction] = {}  # where not the factor's own value
        self.tables = _empty_tables()
        emissions, energy = self.tables["emissions_t"], self.tables["energy_tce"]
        self._sums = {
            False: tuple(emissions[f"by_{by}"] for by in BY),
            True: tuple(energy[f"by_{by}"] for by in BY),
        }

    def _kind(
        self, category: str, section: str, energy_type: str, use: str, detail: str, unit: str,
        factor: Factor, sign: int = 1,
    ) -> int:  # fmt: skip
        """The number of a kind of trace line, made on first use with what adding a line of
        it needs: the factor's value, the sign and the breakdown sums the line goes into.

        Kinds are told apart by the factor object; it stays alive in self.kinds, so its id
        cannot be taken by another factor while the calculation runs."""
        key = (category, section, energy_type, use, detail, unit, id(factor), sign)
        kind = self._kind_numbers.get(key)
        if kind is None:
            energy = category == "energy"
            kind = self._kind_numbers[key] = len(self.kinds)
            self.kinds.append(TraceKind(category, section, energy_type, use, detail, unit,
                                        factor, sign, "tce" if energy else "tCO2"))  # fmt: skip
            by_category, by_type, by_enterprise = self._sums[energy]
            by_type.setdefault(energy_type, ZERO)
            group = ENERGY_GROUP[section] if energy else category
            self._plans.append(
                (factor.value, sign < 0, by_category, group, by_type, energy_type, by_enterprise)
            )
            exact = self._exact_factors.get(factor)
            self._exact.append(sign * (Fraction(factor.value) if exact is None else exact))
            self._quantities.append(ZERO)
        return kind

    def _add(self, kind: int, enterprise: str, group: tuple[int, Decimal]) -> Decimal:
        """Append one trace line of ``kind``: amount = sign × quantity × factor value, also
        added to the breakdowns (and with them the totals) as it is made: no second pass."""
        rows, quantity = group
        value, negative, by_category, category, by_type, energy_type, by_enterprise = self._plans[
            kind
        ]
        amount = quantity * value
        if negative:
            amount = -amount
        self.lines.append((kind, enterprise, rows, quantity, amount))
        self._quantities[kind] += quantity
        by_category[category] += amount
        by_type[energy_type] += amount
        by_enterprise[enterprise] = by_enterprise.get(enterprise, ZERO) + amount
        return amount

    def _flow(
        self, energy_type: str, direction: str, kind: str, unit: str, factor: Factor,
        energy_factor: Factor,
    ) -> tuple[int, int, str]:  # fmt: skip
        """The kinds of an electricity or heat flow's two lines (its emissions, its energy)
        and the balance it counts in (e.g. ``import_grid``)."""
        sign, where = SIGN[direction], (energy_type, energy_type, direction, kind, unit)
        return (
            self._kind(energy_type, *where, factor, sign),
            self._kind("energy", *where, energy_factor, sign),
            f"{direction}_{kind}",
        )

    def _add_flow(
        self, plan: tuple[int, int, str], enterprise: str, group: tuple[int, Decimal],
        balances: dict[str, Decimal],
    ) -> None:  # fmt: skip
        emission, energy, balance = plan
        self._add(emission, enterprise, group)
        self._add(energy, enterprise, group)
        balances[balance] += group[1]

    def _parameter(self, key: str) -> Factor:
        parameter = self.fs.parameters[key]
        return Factor(key, parameter.value, parameter.unit, parameter.source)

    def result(self) -> Result:
        self._fuels()
        mwh = self._electricity()
        gj = self._heat()
        self._processes()

        tables = self.tables
        by_category = tables["emissions_t"]["by_category"]
        emissions = {c: by_category[c] for c in EMISSION_CATEGORIES}
        # Att.4: bunker fuel stays in the total and is also listed apart.
        emissions["fuel_combustion"] += by_category["bunker"]
        emissions["bunker_memo"] = by_category["bunker"]
        energy = dict(tables["energy_tce"]["by_category"])  # fuels, electricity, heat
        emissions["total"] = sum((emissions[c] for c in EMISSION_CATEGORIES), ZERO)
        energy_tce = energy["fuels"] + energy["electricity"] + energy["heat"]

        rules, flags = self.rules, set()
        exact_emissions, exact_energy = self._exact_totals()
        if exact_energy < 0:  # D11
            raise CaseError(
                "energy",
                f"must not be negative: exports exceed all use ({_rounded(exact_energy)} tce)",
            )
        intensity = core_pass = None
        if exact_energy == 0:
            flags.add("no_energy_consumption")
        if exact_energy >= rules.tier_1m_tce:
            tier, threshold = "1m_plus", rules.threshold_1m_plus
        elif exact_energy >= rules.tier_200k_tce:
            tier, threshold = "200k_1m", rules.threshold_200k_1m
        else:
            tier, threshold = "below_200k", rules.threshold_below_200k
            flags.add("threshold_provisional")
        if exact_energy > 0:
            # D2: decided on the exact quantities, emissions ≤ threshold × energy; the
            # intensity shown is their quotient rounded once, so it agrees with the decision.
            intensity = _rounded(exact_emissions / exact_energy)
            core_pass = exact_emissions <= Fraction(threshold) * exact_energy

        consumption, direct_green = mwh["consumption"], mwh["direct_green"]
        direct_share = direct_green / consumption if consumption > 0 else None
        if direct_share is None:
            flags.add("no_electricity_consumption")
        elif Fraction(direct_green) < Fraction(rules.direct_green_min_share) * Fraction(
            consumption
        ):  # D8, compared exactly (D2)
            flags.add("direct_green_below_50pct")

        clean, exact_clean = self._clean_energy(mwh, gj)
        guiding, products = self._guiding(exact_clean, exact_energy, flags)
        clean_share = guiding["clean_energy"]["value"]
        return Result(
            factor_set_code=self.fs.code,
            factor_set_version=self.fs.version,
            method_version=rules.version,
            energy_tce=energy_tce,
            energy_breakdown_tce=energy,
            emissions_t=emissions,
            intensity=intensity,
            tier=tier,
            threshold=threshold,
            core_pass=core_pass,
            electricity_mwh={"consumption": consumption, "direct_green": direct_green},
            direct_green_share=direct_share,
            clean_energy_tce=clean,
            clean_energy_share=clean_share,
            guiding=guiding,
            flags=tuple(sorted(flags)),
            products=products,
            breakdown_tables=tables,
            trace_kinds=tuple(self.kinds),
            trace_lines=tuple(self.lines),
        )

    def _fuel_factors(
        self, code: str, ncv: Decimal | None, carbon: Decimal | None
    ) -> tuple[Factor, Factor, Factor]:
        """(emission factor, emission factor at 100% oxidation, tce coefficient) of a fuel,
        with its measured calorific value and carbon content where the row gives them (D15):
        then the factor's code ends in ``_measured`` and its source names the measured values."""
        fuel = self.fs.fuels[code]
        per, source, suffix = f"/{fuel.unit}", fuel.source, ""
        tce = Factor(f"{code}.tce_per_unit", fuel.tce_per_unit, "tce" + per, source)
        if ncv is not None or carbon is not None:
            suffix, measured = "_measured", []
            if ncv is not None:
                measured.append(f"NCV {ncv} GJ{per}")
                tce = Factor(
                    f"{code}.tce_per_unit_measured",
                    CONTEXT.divide(ncv, self.rules.gj_per_tce),
                    "tce" + per,
                    f"measured (实测) NCV {ncv} GJ{per} ÷ {self.rules.gj_per_tce} GJ/tce "
                    "(GB/T 2589)",
                )
                self._exact_factors[tce] = Fraction(ncv) / Fraction(self.rules.gj_per_tce)
            if carbon is not None:
                measured.append(f"carbon content {carbon} tC/TJ")
            source = f"measured (实测) {', '.join(measured)}; otherwise: {source}"
            fuel = replace(
                fuel,
                ncv_gj_per_unit=fuel.ncv_gj_per_unit if ncv is None else ncv,
                carbon_tc_per_tj=fuel.carbon_tc_per_tj if carbon is None else carbon,
            )
        ef = Factor(f"{code}.emission_factor{suffix}", fuel.emission_factor(), "tCO2" + per, source)
        ef_100 = Factor(
            f"{code}.emission_factor_of100{suffix}", fuel.emission_factor(Decimal(1)),
            "tCO2" + per, source,
        )  # fmt: skip
        self._exact_factors[ef] = fuel.exact_emission_factor()
        self._exact_factors[ef_100] = fuel.exact_emission_factor(Decimal(1))
        return ef, ef_100, tce

    def _exact_totals(self) -> tuple[Fraction, Fraction]:
        """(total emissions in tCO2, energy consumption in tce) as exact fractions: per kind,
        its summed quantity × its exact factor (D2). The result's totals are the sums of the
        trace lines at 34 digits; these differ from them at most in the last digits, and only
        where a factor is not a finite decimal (44/12)."""
        emissions, energy = Fraction(0), Fraction(0)
        for kind, quantity, factor in zip(self.kinds, self._quantities, self._exact, strict=True):
            if kind.category == "energy":
                energy += Fraction(quantity) * factor
            else:
                emissions += Fraction(quantity) * factor
        return emissions, energy

    def _fuels(self) -> None:
        """Lines of the fuel rows (rows with other measured values are other groups)."""
        factors: dict[tuple, tuple[Factor, Factor, Factor]] = {}
        plans: dict[tuple, tuple] = {}
        fields_ = ("enterprise", "fuel", "use", "ncv", "carbon")
        groups = _grouped(self.case.fuels, fields_, "quantity")
        for (enterprise, code, use, ncv, carbon), group in groups.items():
            plan = plans.get((code, use, ncv, carbon))
            if plan is None:
                plan = plans[code, use, ncv, carbon] = self._fuel_plan(
                    code, use, ncv, carbon, factors
                )
            emission, energy = plan
            if emission is not None:
                self._add(emission, enterprise, group)
            if energy is not None:
                self._add(energy, enterprise, group)

    def _fuel_plan(
        self, code: str, use: str, ncv: Decimal | None, carbon: Decimal | None, factors: dict
    ) -> tuple:
        """(emission line kind or None, energy line kind or None) of a fuel used one way."""
        fuel = self.fs.fuels[code]
        if (code, ncv, carbon) not in factors:
            factors[code, ncv, carbon] = self._fuel_factors(code, ncv, carbon)
        ef, ef_100, tce_factor = factors[code, ncv, carbon]
        sign, emission, energy = ENERGY_SIGN.get(use, 1), None, None
        if use in COMBUSTION_USES:
            category = "bunker" if use == "bunker" else "fuel_combustion"
            emission = self._kind(category, "fuels", code, use, "", fuel.unit, ef)
        elif use.startswith("transformation_"):
            # Att.4: a carbon balance of inputs and outputs, oxidation taken as 100%.
            emission = self._kind("transformation", "fuels", code, use, "", fuel.unit, ef_100,
                                  sign)  # fmt: skip
        if use in ENERGY_SIGN:
            energy = self._kind("energy", "fuels", code, use, "", fuel.unit, tce_factor, sign)
        return emission, energy

    def _electricity(self) -> dict[str, Decimal]:
        """Lines of electricity and generation; returns MWh sums (D8, clean share)."""
        fossil = self._parameter("electricity_fossil_factor")
        green = self._parameter("electricity_green_factor")
        equal_value = self._parameter("electricity_equal_value")  # D3: 等价值
        mwh: dict[str, Decimal] = defaultdict(lambda: ZERO)
        fields_ = ("enterprise", "direction", "kind")
        plans: dict[tuple, tuple[int, int, str]] = {}
        for (enterprise, direction, kind), group in _grouped(
            self.case.electricity, fields_, "mwh"
        ).items():
            plan = plans.get((direction, kind))
            if plan is None:
                # Att.4: grid power and fossil exports at the fossil factor (0.8325);
                # direct non-fossil supply and certified green power at 0.
                factor = fossil if kind in ("grid", "fossil") else green
                plan = plans[direction, kind] = self._flow(
                    "electricity", direction, kind, "MWh", factor, equal_value
                )
            self._add_flow(plan, enterprise, group, mwh)
        fields_ = ("enterprise", "source", "fossil")
        for (enterprise, source, is_fossil), group in _grouped(
            self.case.generation, fields_, "mwh"
        ).items():
            if is_fossil:
                # Only the electricity balance: its fuel is already counted in fuels.
                mwh["generation_fossil"] += group[1]
                continue
            kind = self._kind("energy", "generation", "electricity", "generation", source, "MWh",
                              equal_value)  # fmt: skip
            self._add(kind, enterprise, group)
            mwh["generation_non_fossil"] += group[1]
        imports = sum((mwh[f"import_{k}"] for k in ELECTRICITY_KINDS["import"]), ZERO)
        exports = mwh["export_fossil"] + mwh["export_non_fossil"]
        generation = mwh["generation_fossil"] + mwh["generation_non_fossil"]
        mwh["consumption"] = imports + generation - exports
        mwh["direct_green"] = (
            mwh["import_direct_non_fossil"]
            + mwh["generation_non_fossil"]
            - mwh["export_non_fossil"]
        )
        return mwh

    def _heat(self) -> dict[str, Decimal]:
        default = self._parameter("heat_fossil_factor")
        heat_tce = self._parameter("heat_tce")
        non_fossil = Factor("non_fossil_heat", ZERO, "tCO2/GJ", "Att.4: non-fossil heat 0")
        gj: dict[str, Decimal] = defaultdict(lambda: ZERO)
        fields_ = ("enterprise", "direction", "kind", "factor")
        groups = _grouped(self.case.heat, fields_, "gj")
        plans: dict[tuple, tuple[int, int, str]] = {}
        for (enterprise, direction, kind, measured), group in groups.items():
            plan_key = (direction, kind, None if measured is None else str(measured))
            plan = plans.get(plan_key)
            if plan is None:
                if kind == "non_fossil":
                    factor = non_fossil
                elif measured is not None:
                    factor = Factor("measured", measured, "tCO2/GJ", "measured (Att.4 实测值)")
                else:
                    factor = default
                plan = plans[plan_key] = self._flow("heat", direction, kind, "GJ", factor, heat_tce)
            self._add_flow(plan, enterprise, group, gj)
        return gj

    def _processes(self) -> None:
        fields_ = ("enterprise", "product", "factor", "basis")
        groups = _grouped(self.case.processes, fields_, "tonnes")
        kinds: dict[tuple[str, str, str], int] = {}
        for (enterprise, product, value, basis), group in groups.items():
            kind = kinds.get((product, str(value), basis))
            if kind is None:
                factor = Factor("process_factor", value, "tCO2/t", basis)
                kind = kinds[product, str(value), basis] = self._kind(
                    "process", "processes", "process", "process", product, "t", factor
                )
            self._add(kind, enterprise, group)

    def _clean_energy(self, mwh: dict, gj: dict) -> tuple[dict, Fraction]:
        """Clean energy in tce (D5, D6), and its total as an exact fraction for the share and
        its judgement (D2); the share is ``total / energy_tce``.

        clean = C_fuels + C_electricity + C_heat, where
          C_fuels       = Σ signed tce of the fuels marked clean in the factor set
                          (natural gas, LNG, biomass, renewable hydrogen) over the uses
                          counted in energy: feedstock included, transformation output
                          subtracted, recovered_energy left out (D7);
          s             = clean tce / all tce of the fuels used for power_generation
                          and heat_supply (0 when there are none);
          C_electricity = (direct_non_fossil + green_certificate
                           + grid × grid_clean_fraction + on-site non-fossil generation
                           − non_fossil exports − fossil exports × s)
                          × electricity_equal_value;
          C_heat        = (non_fossil imports − non_fossil exports − fossil exports × s)
                          × heat_tce.
        Fossil-kind exports carry the clean share s of the fuel burnt for power and heat
        (D6): the gas behind an exported kWh leaves with it, so the share stays ≤ 100%.
        Reproduces shared/acceptance/expected 01–04 to ~1e-16 relative.
        """
        # In fractions nothing is rounded: the fuels' tce from each kind's summed quantity and
        # exact factor (a measured calorific value divides by 29.3076, D15), the MWh and GJ
        # sums as they are (quantities of at most 6 places), and s.
        fuels = power_heat = power_heat_clean = Fraction(0)
        for kind, quantity, factor in zip(self.kinds, self._quantities, self._exact, strict=True):
            if kind.category != "energy" or kind.section != "fuels":
                continue
            amount = Fraction(quantity) * factor
            clean = self.fs.fuels[kind.energy_type].clean
            if clean:
                fuels += amount
            if kind.use in POWER_AND_HEAT_USES:
                power_heat += amount
                if clean:
                    power_heat_clean += amount
        e = {key: Fraction(value) for key, value in mwh.items()}
        h = {key: Fraction(value) for key, value in gj.items()}
        s = power_heat_clean / power_heat if power_heat > 0 else 0
        p = {key: Fraction(self.fs.value(key)) for key in
             ("grid_clean_fraction", "electricity_equal_value", "heat_tce")}  # fmt: skip
        electricity = (
            e.get("import_direct_non_fossil", 0)
            + e.get("import_green_certificate", 0)
            + e.get("import_grid", 0) * p["grid_clean_fraction"]
            + e.get("generation_non_fossil", 0)
            - e.get("export_non_fossil", 0)
            - e.get("export_fossil", 0) * s
        ) * p["electricity_equal_value"]
        heat = (
            h.get("import_non_fossil", 0) - h.get("export_non_fossil", 0)
            - h.get("export_fossil", 0) * s
        ) * p["heat_tce"]  # fmt: skip
        total = fuels + electricity + heat
        shown = {"fuels": _rounded(fuels), "electricity": _rounded(electricity),
                 "heat": _rounded(heat), "total": _rounded(total)}  # fmt: skip
        return shown, total

    def _guiding(self, clean: Fraction, energy: Fraction, flags: set[str]) -> tuple:
        """({indicator: outcome}, per-product details); adds missing_<name> flags."""
        rules = self.rules

        def judged(used: Fraction | Decimal, total: Fraction | Decimal, target: Decimal) -> dict:
            """A share used / total against its target, judged exactly (D2): used ≥ target ×
            total; None when there is no total."""
            if total <= 0:
                return {"value": None, "target": target, "pass": None}
            used, total = Fraction(used), Fraction(total)
            passed = used >= Fraction(target) * total
            return {"value": _rounded(used / total), "target": target, "pass": passed}

        guiding = {"clean_energy": judged(clean, energy, rules.target_clean_energy)}
        targets = {
            "solid_waste": rules.target_solid_waste,
            "waste_energy": rules.target_waste_energy,
            "water": rules.target_water,
        }
        products: tuple[dict[str, Any], ...] = ()
        for name, indicator in self.case.guiding.items():
            if indicator is None:
                flags.add(f"missing_{name}")
            elif isinstance(indicator, NotApplicable):
                guiding[name] = {"not_applicable": indicator.reason}
            elif isinstance(indicator, WasteEnergy):
                rate = indicator.rate  # D9: weighted by the recoverable amounts
                guiding[name] = judged(rate.used, rate.total, targets[name])
            elif isinstance(indicator, Rate):
                guiding[name] = judged(indicator.used, indicator.total, targets[name])
            else:
                products = tuple(asdict(p) | {"pass": p.passes} for p in indicator)
                passed = all(p.passes for p in indicator)
                guiding[name] = {"products": len(indicator), "pass": passed}
        return guiding, products
