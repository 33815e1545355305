"""The rules the method decides with: Att.3's limits, the guiding targets and the numbers the
decisions set (DECISIONS.md), under one version that every calculation run records (D12).

A factor set's numbers are data with their own version (D10); these are code. So that a stored
result can still be explained after the code changes, ``Rules.version`` names this table: any
change to a value here, or to how the engine applies it, is a new ``METHOD_VERSION``. A test
pins ``rules_digest`` of ``DEFAULT_RULES`` to the version, so a value changed without a new
version fails it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from decimal import Decimal

METHOD_VERSION = "zcp-method/2025.1"


@dataclass(frozen=True)
class Rules:
    """Att.3 limits and the numeric decisions (see DECISIONS.md for the D numbers)."""

    version: str = METHOD_VERSION
    tier_200k_tce: Decimal = Decimal(200_000)
    # D2: exactly 1,000,000 tce belongs to the ≥ 1,000,000 tier.
    tier_1m_tce: Decimal = Decimal(1_000_000)
    threshold_200k_1m: Decimal = Decimal("0.2")
    threshold_1m_plus: Decimal = Decimal("0.3")
    threshold_below_200k: Decimal = Decimal("0.2")  # D1: none published; provisional
    direct_green_min_share: Decimal = Decimal("0.5")  # D8: "in principle", a warning
    target_clean_energy: Decimal = Decimal("0.9")
    target_solid_waste: Decimal = Decimal("0.8")
    target_waste_energy: Decimal = Decimal("0.5")
    target_water: Decimal = Decimal("0.8")
    # D15: a measured calorific value gives a fuel's energy through the definition of standard
    # coal (GB/T 2589: 1 kgce = 29,307.6 kJ).
    gj_per_tce: Decimal = Decimal("29.3076")

    def table(self) -> dict[str, Decimal]:
        """The rules' values by name, without the version: what ``rules_digest`` covers."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "version"}


DEFAULT_RULES = Rules()


def rules_digest(rules: Rules) -> str:
    """SHA-256 of the rules table, one ``name=value`` line each in declaration order; values
    in their exact spelling, so 0.3 and 0.30 differ (a changed spelling is worth a look too)."""
    text = "\n".join(f"{name}={value}" for name, value in rules.table().items())
    return hashlib.sha256(text.encode()).hexdigest()
