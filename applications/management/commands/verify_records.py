"""Check that letters, submissions and evidence still prove themselves (applications/integrity.py):
after a restore (deploy/restore-drill runs it), or at any time. Exit status 1 names each problem."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from applications import integrity


class Command(BaseCommand):
    help = (
        "Verify every ready letter (file, SHA-256, seal), submission snapshot (SHA-256) and "
        "evidence file (SHA-256)."
    )

    def handle(self, *args, **options) -> None:
        report = integrity.verify()
        counts = ", ".join(f"{kind}: {count}" for kind, count in report.checked.items())
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(f"{len(report.problems)} problem(s); checked {counts}")
        self.stdout.write(f"verified {counts}")
