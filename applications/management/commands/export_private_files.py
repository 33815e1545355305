"""Copy every private file (evidence, import previews, letters, kept books) into a local folder,
from the folder or the object store alike: the files half of a backup (deploy/backup)."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.management.base import BaseCommand

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

    def handle(self, *args, destination: str, **options) -> None:
        root = Path(destination)
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
