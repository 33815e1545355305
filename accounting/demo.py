"""Demo energy data: a case per demo park, split into twelve monthly rows, for 2023 to 2025.

2025 is the park's case as it stands: the acceptance cases for four parks (so their results can be
checked against the expected ones), and cases of their own (demo_cases/) for the two parks that
would otherwise repeat another park's data. The years before differ the way a park that is
building its green supply differs: part of the green electricity was still bought from the grid,
its own generation was smaller, a little more fuel was burnt, output was a little lower and less
waste was reused (``YearShift``). The data goes in through the same door as an import, and the
results are calculated at once.

Only a park-year nobody has written to is filled: once data went in (by the demo, a form, an
import or the API), the park-year is the park's, and running the demo again leaves it as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from accounting import publishing, services
from accounting.case_upload import parse_case_file
from accounting.data_entry import replace_data
from accounting.models import ParkYear
from applications.models import Park

HERE = Path(__file__).resolve().parent
ACCEPTANCE = HERE.parent / "tests" / "accounting" / "acceptance" / "cases"
OWN = HERE / "demo_cases"
DEMO_CASES = {  # demo park key (applications.demo.DEMO_PARKS) → its 2025 case
    "subei": ACCEPTANCE / "01-green-medium.json",
    "yanjiang": ACCEPTANCE / "02-gas-and-grid-fails.json",
    "xibu": ACCEPTANCE / "03-large-industrial.json",
    "binhai": ACCEPTANCE / "04-small-park.json",
    "changzhou": OWN / "changzhou.json",
    "suzhou": OWN / "suzhou.json",
}


@dataclass(frozen=True)
class YearShift:
    """How a year before the case year differed from it."""

    green_from_grid: Decimal  # share of the green electricity imports then bought from the grid
    generation: Decimal  # own non-fossil generation, relative; the shortfall came from the grid
    fuels: Decimal  # fuels and heat, relative
    output: Decimal  # process output, relative
    reuse: Decimal  # waste, water and energy recovered, relative


YEARS = {
    2025: YearShift(Decimal(0), Decimal(1), Decimal(1), Decimal(1), Decimal(1)),
    2024: YearShift(
        Decimal("0.03"), Decimal("0.9"), Decimal("1.04"), Decimal("0.96"), Decimal("0.96")
    ),
    2023: YearShift(
        Decimal("0.06"), Decimal("0.8"), Decimal("1.08"), Decimal("0.92"), Decimal("0.92")
    ),
}
GREEN_IMPORTS = ("direct_non_fossil", "green_certificate")
REUSED = (
    "solid_waste_utilized_t",
    "water_reused_m3",
    "waste_heat_recovered_tce",
    "waste_cold_recovered_tce",
    "waste_pressure_recovered_tce",
)
MONTHLY = ("fuels", "electricity", "generation", "heat", "processes")
AMOUNT_INDEX = {"fuels": 4, "electricity": 4, "generation": 4, "heat": 4, "processes": 3}
Q = Decimal("0.000001")


def _times(text: str | None, factor: Decimal) -> str | None:
    return None if text is None else str((Decimal(text) * factor).quantize(Q))


def shift_year(data: dict[str, Any], shift: YearShift) -> dict[str, Any]:
    """The parsed rows of the case year → the rows of a year before it (see ``YearShift``)."""
    out = dict(data)
    to_grid = Decimal(0)
    electricity = []
    for enterprise, month, direction, kind, mwh in data.get("electricity", []):
        if direction == "import" and kind in GREEN_IMPORTS:
            moved = (Decimal(mwh) * shift.green_from_grid).quantize(Q)
            to_grid += moved
            mwh = str(Decimal(mwh) - moved)
        electricity.append([enterprise, month, direction, kind, mwh])
    generation = []
    for enterprise, month, source, fossil, mwh in data.get("generation", []):
        if not fossil:
            kept = (Decimal(mwh) * shift.generation).quantize(Q)
            to_grid += Decimal(mwh) - kept
            mwh = str(kept)
        generation.append([enterprise, month, source, fossil, mwh])
    if to_grid:
        grid = next(
            (row for row in electricity if row[0] is None and row[2:4] == ["import", "grid"]),
            None,
        )
        if grid is None:
            electricity.append([None, None, "import", "grid", str(to_grid)])
        else:
            grid[4] = str(Decimal(grid[4]) + to_grid)
    out["electricity"], out["generation"] = electricity, generation
    out["fuels"] = [
        [*row[:4], _times(row[4], shift.fuels), *row[5:]] for row in data.get("fuels", [])
    ]
    out["heat"] = [[*row[:4], _times(row[4], shift.fuels), row[5]] for row in data.get("heat", [])]
    out["processes"] = [
        [*row[:3], _times(row[3], shift.output), *row[4:]] for row in data.get("processes", [])
    ]
    # Energy per unit of product eased as output grew: half the change in fuel use.
    per_unit = 1 + (shift.fuels - 1) / 2
    out["products"] = [
        [*row[:2], _times(row[2], per_unit), *row[3:]] for row in data.get("products", [])
    ]
    out["guiding"] = {
        key: _times(value, shift.reuse) if key in REUSED else value
        for key, value in data.get("guiding", {}).items()
    }
    return out


def split_months(data: dict[str, Any]) -> dict[str, Any]:
    """Each annual row → 12 monthly rows whose sum is exactly the annual figure."""
    out = dict(data)
    for section in MONTHLY:
        rows = []
        index = AMOUNT_INDEX[section]
        for row in data.get(section, []):
            total = Decimal(row[index]).quantize(Q)
            month_value = (total / 12).quantize(Q, rounding=ROUND_DOWN)
            for month in range(1, 13):
                value = month_value if month < 12 else total - month_value * 11
                monthly = list(row)
                monthly[1], monthly[index] = month, str(value)
                rows.append(monthly)
        out[section] = rows
    return out


def demo_year(park: Park, key: str, year: int) -> dict[str, Any]:
    """The demo's plain rows for one park-year, as an import of its case would give them."""
    case = json.loads(DEMO_CASES[key].read_bytes())
    case["year"] = year
    # The file speaks of the park it is loaded into, as a park's own file would.
    case["park"] = {"name": park.name, "province": park.province.name_zh}
    data = parse_case_file(json.dumps(case, ensure_ascii=False).encode(), year=year)
    return split_months(shift_year(data, YEARS[year]))


def load_demo_energy_data(parks: dict[str, Park]) -> None:
    """Fill each demo park's demo years that have no data yet; ``parks`` by demo key."""
    publishing.load_bundled_factor_sets()
    for key, park in parks.items():
        if key not in DEMO_CASES:
            continue
        for year in YEARS:
            with transaction.atomic():
                park_year, _created = ParkYear.objects.get_or_create(park=park, year=year)
                # Locked, so that two set-ups at once fill the year once between them.
                park_year = ParkYear.objects.select_for_update().get(pk=park_year.pk)
                if park_year.inputs_changed_at is not None:
                    continue
                replace_data(park_year, demo_year(park, key, year))
            park_year.refresh_from_db(fields=["inputs_changed_at"])
            # Without a broker the task already ran inline on commit; calculate only if not.
            if not park_year.runs.filter(inputs_as_of=park_year.inputs_changed_at).exists():
                services.recalculate(park_year.pk)
