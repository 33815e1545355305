"""Send again what the outbox still owes: letters to render, mail to send, recalculations.

What Celery beat runs every minute (`applications.sweep_effects` and
`accounting.sweep_recalculations`), for an operator to run by hand, e.g. after restoring Redis.
With `--here` the owed letters and mail are produced in this process, without the broker.
Safe to run again: an effect that is done is never run twice.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from accounting import tasks as accounting
from applications import tasks


class Command(BaseCommand):
    help = "Queue (or, with --here, run) every owed effect and stale recalculation."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--here",
            action="store_true",
            help="run owed letters and mail in this process instead of queueing them",
        )

    def handle(self, *args, here: bool = False, **options) -> None:
        if here:
            counts = tasks.run_due_here()
            self.stdout.write(
                "effects run here: "
                + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none due")
            )
        else:
            self.stdout.write(f"effects queued: {len(tasks.sweep())}")
        self.stdout.write(f"recalculations queued: {len(accounting.sweep())}")
