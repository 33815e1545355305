"""After submission, a change to a year's energy data is shown to the park and the reviewer: the
current calculation's input digest differs from the one the submission froze."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from accounting import services as accounting
from accounting.models import ElectricityRecord, ParkYear
from applications import services
from tests.applications.builders import complete_application, drive_to, open_batch

from .conftest import add_energy_data

BANNER = 'data-testid="data-changed-since-submission"'


def test_a_changed_year_is_named_on_the_review_and_the_park_pages(
    cast, client, submitted_with_energy
):
    application = submitted_with_energy(status="submitted")
    year = application.batch.year - 1
    review = reverse("review_detail", args=[application.pk])
    detail = reverse("application_detail", args=[application.pk])
    park = reverse("park_detail", args=[cast.park_a.pk])
    client.force_login(cast.provincial_a)
    assert BANNER not in client.get(review).content.decode()  # as submitted

    park_year = ParkYear.objects.get(park=cast.park_a, year=year)
    row = ElectricityRecord.objects.filter(park_year=park_year).first()
    row.mwh += Decimal("1")
    row.save()
    accounting.recalculate(park_year.pk)

    page = client.get(review).content.decode()
    assert BANNER in page and f"{year} 年" in page
    assert reverse("accounting:park_year", args=[cast.park_a.pk, year]) in page
    client.force_login(cast.applicant_a)
    for url in (detail, park):
        assert BANNER in client.get(url).content.decode(), url

    row.mwh -= Decimal("1")  # back to the submitted data: the same digest again
    row.save()
    accounting.recalculate(park_year.pk)
    assert BANNER not in client.get(detail).content.decode()


def test_each_of_the_three_years_is_compared_not_only_the_last(cast, client):
    """D43: the application accounts for the batch's three years; a change to any one of them
    after submission is named, that year and no other, and undoing it clears the notice."""
    batch = open_batch()
    years = list(batch.history_years)
    assert len(years) == 3
    for year in years:
        add_energy_data(cast.park_a, year)
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, batch), "submitted", cast
    )
    frozen = {c["year"] for c in application.submissions.get().snapshot["calculations"]}
    assert set(years) <= frozen
    assert services.data_changes_since_submission(application) == []
    review = reverse("review_detail", args=[application.pk])
    client.force_login(cast.provincial_a)
    for year in years:
        park_year = ParkYear.objects.get(park=cast.park_a, year=year)
        row = ElectricityRecord.objects.filter(park_year=park_year).first()
        row.mwh += Decimal("1")
        row.save()
        accounting.recalculate(park_year.pk)
        assert [c["year"] for c in services.data_changes_since_submission(application)] == [year]
        page = client.get(review).content.decode()
        assert BANNER in page and f"{year} 年" in page
        assert not any(f"{other} 年：" in page for other in years if other != year)
        row.mwh -= Decimal("1")
        row.save()
        accounting.recalculate(park_year.pk)
        assert services.data_changes_since_submission(application) == []
