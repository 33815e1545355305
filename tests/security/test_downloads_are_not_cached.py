"""Letters, dossiers, exports and downloads are served `Cache-Control: private,
no-store`, so neither a shared proxy nor the browser's cache keeps a copy of a park's record."""

from __future__ import annotations

from django.urls import reverse
from django.utils.cache import get_max_age

from .access_world import sign_in, world  # noqa: F401 (the fixture)


def _directives(response) -> set[str]:
    return {part.strip().lower() for part in response["Cache-Control"].split(",")}


def test_every_download_is_private_and_not_stored(client, cast, world):  # noqa: F811
    park_year = {"park_id": world.park_year.park_id, "year": world.park_year.year}
    downloads = [
        (cast.applicant_a, reverse("letter_download", args=[world.approved.pk, world.letter.pk])),
        (cast.applicant_a, reverse("application_dossier", args=[world.approved.pk])),
        (
            cast.applicant_a,
            reverse("application_attachment", args=[world.draft.pk, world.attachment_id]),
        ),
        (cast.national, reverse("review_queue_export", args=["national", "csv"])),
        (cast.national, reverse("review_queue_export", args=["national", "xlsx"])),
        *[
            (cast.applicant_a, reverse("accounting:download", kwargs={**park_year, "what": what}))
            for what in ("data.xlsx", "template.xlsx", "template.zip")
        ],
    ]
    for user, url in downloads:
        sign_in(client, user)

        response = client.get(url)

        assert response.status_code == 200, url
        assert response["Content-Disposition"].startswith("attachment;"), url
        assert {"private", "no-store"} <= _directives(response), url
        assert "public" not in _directives(response) and get_max_age(response) is None, url
