"""The whole journey of an application in a real browser, in English (tests/e2e/journey.py says
what it walks through). The Chinese run is test_journey.py; this one is a file of its own, so
that the suite's two workers (pytest-xdist, a file a worker) can each take one of the two long
walks."""

from __future__ import annotations

import pytest

from .journey import open_batch, walk  # noqa: F401 (the fixture)

pytestmark = [
    pytest.mark.e2e,
    # Provinces come back after each flush through tests/conftest.py (_put_back_reference_data);
    # serialized_rollback would collide with other transactional tests' content types.
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("language", ["en"])
def test_an_application_goes_from_the_park_to_an_approved_letter_that_verifies(
    site,
    browser,
    cast,
    open_batch,  # noqa: F811 (the fixture)
    language,
):
    walk(site, browser, cast, language)
