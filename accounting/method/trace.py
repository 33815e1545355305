"""The trace: every contribution to a result as quantity × factor = amount, with the factor's
code, unit and source, so each number of a result can be explained (D10: the factor set and its
version are on the result; the factor of each line is here).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple


class Factor(NamedTuple):
    """A factor as a trace line names it: code, value, unit, and where it comes from."""

    code: str
    value: Decimal
    unit: str
    source: str


new_line = tuple.__new__  # makes a TraceLine without its Python-level __new__


class TraceLine(NamedTuple):
    """One contribution: ``amount = sign × quantity × factor_value``.

    category: emissions (``amount_unit`` tCO2) ``fuel_combustion``, ``bunker`` (international
    bunker fuel: part of fuel_combustion and of the total, Att.4, and also its memo),
    ``transformation``, ``electricity``, ``heat``, ``process``; or ``energy`` (tce).
    section: the case list the rows came from (fuels, electricity, generation, heat, processes).
    energy_type: fuel code, ``electricity``, ``heat`` or ``process``.
    use: fuel use; ``import``/``export``/``generation`` for electricity and heat; ``process``.
    detail: electricity/heat kind, generation source or process product.
    enterprise: as given; electricity/heat/process rows without one are ``_park``.
    rows: how many input rows were summed into ``quantity``.
    """

    category: str
    section: str
    enterprise: str
    energy_type: str
    use: str
    detail: str
    rows: int
    quantity: Decimal
    unit: str
    factor_code: str
    factor_value: Decimal
    factor_unit: str
    factor_source: str
    sign: int
    amount: Decimal
    amount_unit: str

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


class TraceKind(NamedTuple):
    """What the trace lines of one kind share: all but enterprise, rows, quantity, amount."""

    category: str
    section: str
    energy_type: str
    use: str
    detail: str
    unit: str
    factor: Factor
    sign: int
    amount_unit: str
