"""Load (or refresh) the reference data: provinces and the bundled factor sets.

Safe to run again."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from accounting.publishing import load_bundled_factor_sets
from applications.models import Province
from applications.models.people import read_provinces


class Command(BaseCommand):
    help = "Load the 31 provinces and the bundled emission factor sets."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        for row in read_provinces():
            Province.objects.update_or_create(
                code=row["code"], defaults={"name_zh": row["name_zh"], "name_en": row["name_en"]}
            )
        self.stdout.write(f"provinces: {Province.objects.count()}")
        for line in load_bundled_factor_sets():
            self.stdout.write(line)
