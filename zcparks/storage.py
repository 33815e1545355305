"""Private files (evidence, imports, letters, books, dossiers) go through Django's STORAGES.

`STORAGES["private"]` is either `LocalPrivateStorage` (a folder, settings.PRIVATE_STORAGE_ROOT,
outside MEDIA_ROOT: the default) or `PrivateS3Storage` (a bucket of an S3-compatible object
store, when ZCP_S3_BUCKET is set; see zcparks/settings.py), so that every node serves every file.

`private_storage` (and the `PrivateStorage()` a model field names) delegates each call to
`storages["private"]`, looked up at that moment: tests and deployments can point it elsewhere.
Files here have no URL; they are served only by views that check access.
"""

from __future__ import annotations

import os
import tempfile

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.deconstruct import deconstructible

NO_URL = "Private files have no public URL; serve them through an access-checked view."


class LocalPrivateStorage(FileSystemStorage):
    """A folder read from settings on every use; a file appears whole under its name or not at
    all (written beside it, then linked), and an existing name is never overwritten."""

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
        raise ValueError(NO_URL)

    def _save(self, name: str, content) -> str:
        full = self.path(name)
        folder = os.path.dirname(full)
        os.makedirs(folder, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                if hasattr(content, "seek"):
                    content.seek(0)
                for chunk in content.chunks():
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            while True:
                try:
                    os.link(temp, full)  # fails if the name exists: never overwrite
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full = self.path(name)
        finally:
            os.unlink(temp)
        if self.file_permissions_mode is not None:
            os.chmod(full, self.file_permissions_mode)
        return str(name).replace("\\", "/")


def _s3_class():
    from storages.backends.s3 import S3Storage

    class PrivateS3Storage(S3Storage):
        """Objects are private (no ACL granted, no signed URL handed out) and never overwritten:
        a name taken gets another, as on disk."""

        default_acl = None
        file_overwrite = False
        querystring_auth = True

        def url(self, name, parameters=None, expire=None, http_method=None) -> str:
            raise ValueError(NO_URL)

    return PrivateS3Storage


def PrivateS3Storage(**options):  # noqa: N802 - named as the class it builds (STORAGES' BACKEND)
    """Imported lazily: django-storages and boto3 load only when an object store is configured."""
    return _s3_class()(**options)


@deconstructible(path="zcparks.storage.PrivateStorage")
class PrivateStorage(Storage):
    """Delegates every call to `storages["private"]` (the model field's storage)."""

    @property
    def backend(self) -> Storage:
        return storages["private"]

    def open(self, name, mode="rb"):
        return self.backend.open(name, mode)

    def save(self, name, content, max_length=None):
        return self.backend.save(name, content, max_length=max_length)

    def get_valid_name(self, name):
        return self.backend.get_valid_name(name)

    def get_alternative_name(self, file_root, file_ext):
        return self.backend.get_alternative_name(file_root, file_ext)

    def get_available_name(self, name, max_length=None):
        return self.backend.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return self.backend.generate_filename(filename)

    def path(self, name):
        return self.backend.path(name)

    def delete(self, name):
        return self.backend.delete(name)

    def exists(self, name):
        return self.backend.exists(name)

    def listdir(self, path):
        return self.backend.listdir(path)

    def size(self, name):
        return self.backend.size(name)

    def url(self, name):
        raise ValueError(NO_URL)

    def get_modified_time(self, name):
        return self.backend.get_modified_time(name)

    def get_created_time(self, name):
        return self.backend.get_created_time(name)

    def get_accessed_time(self, name):
        return self.backend.get_accessed_time(name)

    # --- what the application needs beyond Django's API -----------------------------------------

    def save_once(self, name: str, content: bytes) -> str:
        """Store `content` under `name` unless a file is there already (a previous attempt or
        another node got there first: theirs is kept, ours dropped); returns `name`."""
        if self.exists(name):
            return name
        saved = self.save(name, ContentFile(content))
        if saved != name:  # another writer took the name between our look and our write
            self.delete(saved)
        return name

    def read(self, name: str) -> bytes:
        with self.open(name, "rb") as handle:
            return handle.read()


private_storage = PrivateStorage()


# --- the object store's versions (docs/deployment.md, "Backups"; decision D40) --------------------


def _bucket():
    """(boto3 client, bucket name) of the private storage, or None when files are on disk."""
    backend = storages["private"]
    bucket = getattr(backend, "bucket_name", None)
    if not bucket:
        return None
    return backend.connection.meta.client, bucket


def bucket_versioning() -> tuple[str, str] | None:
    """(bucket, status) with status "Enabled", "Suspended" or "" (never turned on), from
    GetBucketVersioning; None when the private files are in a folder, not a bucket."""
    found = _bucket()
    if found is None:
        return None
    client, bucket = found
    return bucket, client.get_bucket_versioning(Bucket=bucket).get("Status", "")


def versions_at(when) -> dict[str, str]:
    """Every object's version that was the current one at `when` (an aware datetime): name →
    version id. A name deleted by then (a delete marker) or not yet written is left out."""
    found = _bucket()
    if found is None:
        raise ValueError("The private files are in a folder, not a bucket: no versions to read.")
    client, bucket = found
    latest: dict[str, tuple] = {}
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        entries = [(item, True) for item in page.get("Versions", [])]
        entries += [(item, False) for item in page.get("DeleteMarkers", [])]
        for item, is_version in entries:
            if item["LastModified"] > when:
                continue
            known = latest.get(item["Key"])
            if known is None or item["LastModified"] >= known[0]["LastModified"]:
                latest[item["Key"]] = (item, is_version)
    return {key: item["VersionId"] for key, (item, is_version) in latest.items() if is_version}


def read_version(name: str, version_id: str) -> bytes:
    client, bucket = _bucket()
    return client.get_object(Bucket=bucket, Key=name, VersionId=version_id)["Body"].read()
