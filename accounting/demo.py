"""Demo energy data: the acceptance cases, split into twelve monthly rows, for 2024 and 2025.

Each demo park gets a case (2024 a little higher than 2025: the baseline before construction);
the data goes in through the same door as an import, and the results are calculated at once.

Only a park-year nobody has written to is filled: once data went in (by the demo, a form, an
import or the API), the park-year is the park's, and running the demo again leaves it as it is.
"""

from __future__ import annotations

import json
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from accounting import services
from accounting.case_upload import parse_case_file
from accounting.data_entry import replace_data
from accounting.models import ParkYear
from applications.models import Park

CASES = Path(__file__).resolve().parent.parent / "tests" / "accounting" / "acceptance" / "cases"
DEMO_CASES = {  # demo park key (applications.demo.DEMO_PARKS) → acceptance case
    "subei": "01-green-medium.json",
    "yanjiang": "02-gas-and-grid-fails.json",
    "xibu": "03-large-industrial.json",
    "binhai": "04-small-park.json",
    "changzhou": "01-green-medium.json",
    "suzhou": "04-small-park.json",
}
YEAR_SCALE = {2025: Decimal(1), 2024: Decimal("1.08")}
MONTHLY = ("fuels", "electricity", "generation", "heat", "processes")
AMOUNT_INDEX = {"fuels": 4, "electricity": 4, "generation": 4, "heat": 4, "processes": 3}
Q = Decimal("0.000001")


def split_months(data: dict[str, Any], scale: Decimal = Decimal(1)) -> dict[str, Any]:
    """Each annual row → 12 monthly rows whose sum is exactly the (scaled) annual figure."""
    out = dict(data)
    for section in MONTHLY:
        rows = []
        index = AMOUNT_INDEX[section]
        for row in data.get(section, []):
            total = (Decimal(row[index]) * scale).quantize(Q)
            month_value = (total / 12).quantize(Q, rounding=ROUND_DOWN)
            for month in range(1, 13):
                value = month_value if month < 12 else total - month_value * 11
                monthly = list(row)
                monthly[1], monthly[index] = month, str(value)
                rows.append(monthly)
        out[section] = rows
    return out


def load_demo_energy_data(parks: dict[str, Park]) -> None:
    """Fill each demo park's demo years that have no data yet; ``parks`` by demo key."""
    services.load_bundled_factor_sets()
    for key, park in parks.items():
        if key not in DEMO_CASES:
            continue
        content = (CASES / DEMO_CASES[key]).read_bytes()
        for year, scale in YEAR_SCALE.items():
            case = json.loads(content)
            case["year"] = year
            data = parse_case_file(json.dumps(case, ensure_ascii=False).encode(), year=year)
            with transaction.atomic():
                park_year, _created = ParkYear.objects.get_or_create(park=park, year=year)
                # Locked, so that two set-ups at once fill the year once between them.
                park_year = ParkYear.objects.select_for_update().get(pk=park_year.pk)
                if park_year.inputs_changed_at is not None:
                    continue
                replace_data(park_year, split_months(data, scale))
            park_year.refresh_from_db(fields=["inputs_changed_at"])
            # Without a broker the task already ran inline on commit; calculate only if not.
            if not park_year.runs.filter(inputs_as_of=park_year.inputs_changed_at).exists():
                services.recalculate(park_year.pk)
