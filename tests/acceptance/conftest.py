"""Parks after approval: approved with real calculation results, their construction programme
opened by the approval's effect, and yearly data whose core indicator sits exactly where a test
needs it."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from accounting import publishing
from accounting import services as accounting
from accounting.case_upload import parse_case_file
from accounting.data_entry import replace_data
from accounting.models import ParkYear
from applications.models import ConstructionProgramme, Park
from tests.programme import builders

# Grid power emits 0.8325 t/MWh, every imported MWh counts 0.3 tce (the trial set's 等价值),
# green-certificate power emits nothing: with 80,000 MWh from the grid and 1,030,000 with
# certificates, emissions are 66,600 t and energy 333,000 tce, exactly 0.2 × energy — the
# threshold of the 200,000–1,000,000 tce tier. One more kWh from the grid is above it.
AT_THRESHOLD_GRID_MWH = "80000"
ABOVE_THRESHOLD_GRID_MWH = "80000.001"
GREEN_MWH = "1030000"


def enter_year(park: Park, year: int, grid_mwh: str) -> None:
    """Park data of `year`: grid and green-certificate power only, and the guiding data."""
    publishing.load_bundled_factor_sets()
    case = {
        "schema": "zcp-case/1",
        "park": {"name": park.name, "province": park.province.name_zh},
        "year": year,
        "factor_set": "ZCP-2025-trial",
        "fuels": [],
        "electricity": [
            {"direction": "import", "kind": "grid", "mwh": "GRID"},
            {"direction": "import", "kind": "green_certificate", "mwh": "GREEN"},
        ],
        "generation": [],
        "heat": [],
        "processes": [],
        "guiding": {
            "solid_waste": {"generated_t": 1000, "utilized_t": 900},
            "waste_energy": {"not_applicable": "园区无余热余压资源"},
            "water": {"fresh_m3": 1000, "reused_m3": 1000},
            "product_energy": {"not_applicable": "园区无纳入能耗限额标准的产品"},
        },
    }
    # The quantities go in as JSON numbers written exactly (the file's own decimals).
    text = (
        json.dumps(case, ensure_ascii=False)
        .replace('"GRID"', grid_mwh)
        .replace('"GREEN"', GREEN_MWH)
    )
    data = parse_case_file(text.encode(), year=year)
    park_year, _created = ParkYear.objects.get_or_create(park=park, year=year)
    replace_data(park_year, data)
    accounting.recalculate(park_year.pk)


def stored_core(park: Park, year: int) -> tuple[Decimal, Decimal]:
    result = accounting.latest_result(park, year).last_success.result
    return Decimal(str(result["emissions_t"]["total"])), Decimal(str(result["energy_tce"]))


@pytest.fixture
def approved_programme(cast):
    """Park A approved through the workflow; the programme its approval opened."""

    def make(park=None, applicant=None) -> ConstructionProgramme:
        opened = builders.approved_programme(cast, park=park, applicant=applicant)
        return ConstructionProgramme.objects.select_related(
            "application__park__province", "park__province"
        ).get(pk=opened.pk)

    return make


@pytest.fixture(autouse=True)
def _tasks_run_inline(settings):
    """Effects owed after commit (the programme's opening, letters, mail) run inline."""
    from zcparks.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    app.conf.task_always_eager = saved
