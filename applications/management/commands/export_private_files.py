"""Copy every private file (evidence, import previews, letters, kept books) into a local folder,
from the folder or the object store alike: the files half of a backup (deploy/backup).

With ``--at TIME`` (a versioned bucket only) each object is copied as it was at that time, from
its earlier version: the restore drill's way back past a file overwritten or deleted since
(deploy/restore-drill --bucket-at, decision D40)."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from zcparks import storage
from zcparks.storage import private_storage


def walk(folder: str = ""):
    folders, files = private_storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from walk(f"{folder}/{sub}" if folder else sub)


class Command(BaseCommand):
    help = "Copy every private file into DESTINATION (a folder, created if missing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("destination")
        parser.add_argument(
            "--at",
            help="copy each object's version current at this time (ISO 8601, e.g. "
            "2026-12-03T02:00:00+08:00); needs a bucket with versioning enabled",
        )

    def handle(self, *args, destination: str, at: str | None = None, **options) -> None:
        root = Path(destination)
        if at:
            self._copy_versions(root, at)
            return
        count = 0
        for name in walk():
            if any(part.startswith(".tmp-") for part in name.split("/")):
                continue  # a write in progress, not yet a file
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with private_storage.open(name, "rb") as source, target.open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
            count += 1
        self.stdout.write(f"copied {count} files to {root}")

    def _copy_versions(self, root: Path, at: str) -> None:
        when = parse_datetime(at)
        if when is None:
            raise CommandError(f"--at {at!r} is not a date and time (ISO 8601)")
        if timezone.is_naive(when):
            when = timezone.make_aware(when)
        found = storage.bucket_versioning()
        if found is None:
            raise CommandError("--at needs the private files in a bucket (ZCP_S3_BUCKET)")
        bucket, status = found
        if status != "Enabled":
            raise CommandError(
                f"bucket {bucket} has no versioning ({status or 'never enabled'}): "
                "earlier versions cannot be read"
            )
        versions = storage.versions_at(when)
        for name, version_id in sorted(versions.items()):
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(storage.read_version(name, version_id))
        self.stdout.write(f"copied {len(versions)} files as of {when.isoformat()} to {root}")
