"""After submission, a change to a year's energy data is shown to the park and the reviewer: the
current calculation's input digest differs from the one the submission froze."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from accounting import services as accounting
from accounting.models import ElectricityRecord, ParkYear

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
