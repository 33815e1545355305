"""The self-assessment sheet of a park at the end of its construction period (notice 三(四)).

Pure: plain data in (the stored result of the assessment year's calculation, the guiding
indicators the application declared not applicable with their reasons, the progress reports the
park sent and the key projects' completion as the latest received report says), a `Sheet` out.
The province reads the sheet, records its conclusion and its report; the workflow asks
`Sheet.core_met` before the park may be put forward for acceptance.

The core indicator is judged again here from the year's stored quantities, in exact arithmetic
(D2; D17 in accounting/method/DECISIONS.md): the tier from the energy consumption, then
emissions ≤ threshold × energy, never a rounded intensity against the threshold. A park-year
without energy consumption (or without a calculation) has no verdict: the core indicator is not
shown to be met, so the park is below it for the gate.

Guiding indicators (Att.3) are the reference of acceptance, not its condition: each is shown
with its value and target; one the application declared not applicable is left out of the
requirements and shown with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounting.labels import GUIDING_LABELS, TIER_LABELS
from accounting.method.rules import DEFAULT_RULES, Rules
from zcparks import numbers

# Att.3's guiding indicators, in its order; the keys are the calculation's (result["guiding"]).
GUIDING_KEYS = ("clean_energy", "product_energy", "solid_waste", "waste_energy", "water")
GUIDING = tuple((key, GUIDING_LABELS[key]) for key in GUIDING_KEYS)


@dataclass(frozen=True)
class Core:
    """单位能耗碳排放 of the assessment year against the threshold of the park's tier."""

    energy_tce: Decimal | None
    emissions_t: Decimal | None
    tier: str | None
    threshold: Decimal | None
    passed: bool | None  # None: no calculation, or no energy consumption

    @property
    def intensity(self) -> Decimal | None:
        """For display only: the verdict never compares this quotient."""
        if not self.energy_tce or self.emissions_t is None:
            return None
        return self.emissions_t / self.energy_tce

    @property
    def provisional(self) -> bool:
        return self.tier == "below_200k"  # D1

    @property
    def tier_label(self) -> str:
        return str(TIER_LABELS.get(self.tier or "", "—"))

    @property
    def shown_intensity(self) -> str:
        return numbers.intensity(self.intensity)

    @property
    def shown_threshold(self) -> str:
        return numbers.intensity(self.threshold)


@dataclass(frozen=True)
class Guiding:
    key: str
    label: str
    required: bool  # False: declared not applicable in the application
    reason: str = ""  # why it is not applicable
    value: str = "—"  # as shown
    target: str = "—"
    passed: bool | None = None  # None: not applicable, or no data for the year


@dataclass(frozen=True)
class Project:
    name: str
    completed: bool | None  # None: no progress report says yet
    status: str = ""  # as the report that says shows it (已投运, 建设中, …)


@dataclass(frozen=True)
class Report:
    """A progress report the park sent, as the sheet lists it."""

    pk: int
    year: int
    kind: str  # labels, as shown
    status: str
    counted: bool = False  # the report the projects' completion is read from


@dataclass(frozen=True)
class Sheet:
    year: int
    core: Core
    guiding: tuple[Guiding, ...]
    projects: tuple[Project, ...] = ()
    reports: tuple[Report, ...] = field(default=())

    @property
    def core_met(self) -> bool:
        """The first condition of acceptance (Att.3): only a verdict of "met" counts."""
        return self.core.passed is True

    @property
    def projects_completed(self) -> int:
        return sum(1 for p in self.projects if p.completed)

    @property
    def counted_report(self) -> Report | None:
        """The report the projects' completion is read from (None: no report says yet)."""
        return next((r for r in self.reports if r.counted), None)

    @property
    def required_guiding(self) -> tuple[Guiding, ...]:
        return tuple(g for g in self.guiding if g.required)

    @property
    def not_applicable(self) -> tuple[Guiding, ...]:
        return tuple(g for g in self.guiding if not g.required)


def _decimal(value: Any) -> Decimal | None:
    return numbers.to_decimal(value)


def judge_core(
    energy_tce: Decimal | None, emissions_t: Decimal | None, rules: Rules = DEFAULT_RULES
) -> Core:
    """Tier and verdict on the exact quantities (D2): exactly 1,000,000 tce is the upper tier;
    emissions exactly equal to threshold × energy meet it."""
    if energy_tce is None or emissions_t is None or energy_tce <= 0:
        return Core(energy_tce, emissions_t, None, None, None)
    if energy_tce >= rules.tier_1m_tce:
        tier, threshold = "1m_plus", rules.threshold_1m_plus
    elif energy_tce >= rules.tier_200k_tce:
        tier, threshold = "200k_1m", rules.threshold_200k_1m
    else:
        tier, threshold = "below_200k", rules.threshold_below_200k
    passed = Fraction(emissions_t) <= Fraction(threshold) * Fraction(energy_tce)
    return Core(energy_tce, emissions_t, tier, threshold, passed)


def _guiding_row(
    key: str, label: str, outcome: Mapping[str, Any] | None, reason: str | None
) -> Guiding:
    if reason is not None:
        return Guiding(key, str(label), False, reason=reason)
    if not outcome or "not_applicable" in outcome:
        # No data for the year (or the year's data calls it not applicable while the
        # application did not): required, and not shown to be met.
        return Guiding(key, str(label), True, value=str(_("无本年度数据")))
    if "products" in outcome:
        return Guiding(
            key,
            str(label),
            True,
            value=str(_("%(n)s 种产品")) % {"n": outcome["products"]},
            target=str(_("达到或优于二级")),
            passed=outcome.get("pass"),
        )
    return Guiding(
        key,
        str(label),
        True,
        value=numbers.share(outcome.get("value")),
        target=f"≥ {numbers.share(outcome.get('target'))}",
        passed=outcome.get("pass"),
    )


def assemble(
    year: int,
    result: Mapping[str, Any] | None,
    not_applicable: Mapping[str, str],
    projects: Iterable[Project] = (),
    reports: Iterable[Report] = (),
    rules: Rules = DEFAULT_RULES,
) -> Sheet:
    """The sheet of the assessment `year` from its stored calculation `result` (the JSON of a
    successful run: `energy_tce`, `emissions_t.total`, `guiding`; None when there is none) and
    the guiding indicators the application declared not applicable ({key: reason})."""
    result = result or {}
    emissions = (result.get("emissions_t") or {}).get("total")
    core = judge_core(_decimal(result.get("energy_tce")), _decimal(emissions), rules)
    outcomes = result.get("guiding") or {}
    guiding = tuple(
        _guiding_row(key, label, outcomes.get(key), (not_applicable.get(key) or "").strip() or None)
        for key, label in GUIDING
    )
    return Sheet(year, core, guiding, tuple(projects), tuple(reports))
