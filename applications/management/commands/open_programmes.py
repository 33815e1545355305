"""Open the construction programme of every approved application that has none.

Approving an application opens its programme (the approve transition's `open_programme`
effect); this command is for applications approved before programmes existed, and for an
operator after an effect was given up. Safe to run again: an existing programme is left as it is.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from applications import programme


class Command(BaseCommand):
    help = "Open the construction programme of every approved application that has none."

    def handle(self, *args, **options) -> None:
        opened = programme.open_missing()
        for item in opened:
            self.stdout.write(
                f"opened programme {item.pk}: {item.park.name} "
                f"{item.period_start}-{item.period_end}"
            )
        self.stdout.write(f"{len(opened)} programme(s) opened")
