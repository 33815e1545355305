"""The demo gives every role work to see, with applications in every state."""

from __future__ import annotations

from decimal import Decimal

from django.core.management import call_command
from django.db.models import Sum

from accounting.models import CalculationRun, ElectricityRecord, Enterprise, ProcessRecord
from applications import access
from applications.demo_applications import OPEN_BATCH
from applications.models import Application, Park, Status, Submission, User


def test_the_demo_has_an_application_in_every_state_and_loads_twice_without_duplicates(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert set(Application.objects.values_list("status", flat=True)) == set(Status.values)
    count = Application.objects.count()
    submissions = Submission.objects.count()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Application.objects.count() == count and Submission.objects.count() == submissions
    for username in ("park_subei", "prov_jiangsu", "ndrc_reviewer"):
        assert access.visible_applications(User.objects.get(username=username)).exists()
    # Submitted demo applications carry the accounting result they were submitted with.
    snapshot = (
        Submission.objects.filter(application__park__name="苏北示范零碳产业园").first().snapshot
    )
    calculation = next(c for c in snapshot["calculations"] if c["year"] == 2024)
    assert calculation["factor_set_code"] and calculation["factor_set_version"] is not None
    assert calculation["result"]["intensity"]


def test_each_demo_park_has_its_own_energy_data_and_words_that_agree_with_it(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    parks = list(Park.objects.filter(energy_years__year=2025).distinct())
    assert len(parks) == 6
    enterprises = {
        park.pk: frozenset(
            Enterprise.objects.filter(park_year__park=park, park_year__year=2025).values_list(
                "name", flat=True
            )
        )
        for park in parks
    }
    assert len(set(enterprises.values())) == len(parks)
    industries = {
        a.park_id: a.data["industry"]["leading_industries"]
        for a in Application.objects.filter(batch__name=OPEN_BATCH)
    }
    assert len(set(industries.values())) == len(parks)
    # Process emissions come from a product the park says it makes, and only there.
    for park in parks:
        products = set(
            ProcessRecord.objects.filter(park_year__park=park).values_list("product", flat=True)
        )
        assert all(product in industries[park.pk] for product in products), park.name


def test_the_demo_years_before_2025_show_a_park_building_its_green_supply(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    runs = {
        (run.park_year.park.name, run.park_year.year): Decimal(str(run.result["intensity"]))
        for run in CalculationRun.objects.filter(status="succeeded").select_related(
            "park_year__park"
        )
    }
    for name in ("苏北示范零碳产业园", "常州新能源装备产业园", "西部绿色铝硅产业园"):
        assert runs[name, 2023] > runs[name, 2024] > runs[name, 2025], name
    # 2025 is the acceptance case itself (its expected intensity, to twelve places).
    assert runs["苏北示范零碳产业园", 2025].quantize(Decimal("1e-12")) == Decimal("0.191764520594")
    # Earlier years are not a copy of 2025 times a constant: the mix changes, not just the size.
    grid = {
        year: ElectricityRecord.objects.filter(
            park_year__park__name="苏北示范零碳产业园", park_year__year=year, kind="grid"
        ).aggregate(total=Sum("mwh"))["total"]
        for year in (2023, 2024, 2025)
    }
    assert grid[2023] > grid[2024] > grid[2025] == Decimal(60000)
