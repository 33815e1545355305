"""Private file storage: a FileSystemStorage on settings.PRIVATE_STORAGE_ROOT, outside MEDIA_ROOT.

The root is read on every use (not cached) so that tests and deployments can point it elsewhere.
Files here have no URL; they are served only by views that check access.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.PRIVATE_STORAGE_ROOT)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:  # type: ignore[override]
        return None

    def url(self, name: str | None) -> str:
        raise ValueError(
            "Private files have no public URL; serve them through an access-checked view."
        )


private_storage = PrivateStorage()
