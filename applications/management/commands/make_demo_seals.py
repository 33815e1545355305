"""Make the demo certificate authority and a signing key for NDRC and every provincial DRC."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from applications.demo_seals import make_demo_seals


class Command(BaseCommand):
    help = (
        "Write a demo certificate authority and the signing key and certificate of every issuing "
        "body into ZCP_SIGNING_DIR (or --dir); existing keys are kept. For demos and development "
        "only: production uses the keys its certificate authority issued."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dir", type=Path, default=None, help="folder to write into (default: ZCP_SIGNING_DIR)"
        )

    def handle(self, *args, **options) -> None:
        if not (options["dir"] or settings.ZCP_SIGNING_DIR):
            raise CommandError("ZCP_SIGNING_DIR is not set: say where the keys go (or --dir)")
        folder = options["dir"] or Path(settings.ZCP_SIGNING_DIR)
        created = make_demo_seals(folder)
        if created:
            self.stdout.write(f"Demo seals in {folder}: made {len(created)} ({', '.join(created)})")
        else:
            self.stdout.write(f"Demo seals in {folder}: all present, nothing changed")
