"""Load the demo data and print the demo logins and API token.

Safe to run again: each loader adds what is missing and leaves what exists, so nothing a user
changed (energy data, applications, names, passwords) is overwritten.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounting.demo import load_demo_energy_data
from applications import demo, demo_api, programme
from applications.demo_acceptance import load_demo_acceptance
from applications.demo_applications import load_demo_applications
from applications.demo_progress import load_demo_progress
from applications.demo_reviews import load_demo_reviews
from applications.models import Park


class Command(BaseCommand):
    help = (
        "Load demo parks, people, energy data and applications, and print the demo logins and "
        "the demo park's API token."
    )

    def handle(self, *args, **options) -> None:
        # The demo's letters are sealed: every issuing body needs its (demo) key first.
        call_command("make_demo_seals", stdout=self.stdout)
        # The demo drives applications through the workflow, which notifies the demo people by
        # e-mail; those messages are kept in memory rather than sent or printed.
        configured = settings.EMAIL_BACKEND
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        try:
            parks = demo.load_parks_and_people()
            for loader in demo_loaders():
                loader(parks)
        finally:
            settings.EMAIL_BACKEND = configured
        token = demo_api.load_demo_api_token()
        self.stdout.write("Demo logins (username  password  who):")
        for line in demo.login_lines():
            self.stdout.write(line)
        for line in demo_api.token_lines(token):
            self.stdout.write(line)


def demo_loaders() -> list[Callable[[dict[str, Park]], object]]:
    """Each feature adds its demo here, in the order they depend on each other; each is given
    the demo parks by demo key."""
    return [
        load_demo_energy_data,
        load_demo_applications,
        load_demo_reviews,
        lambda parks: programme.open_missing(),
        load_demo_progress,
        load_demo_acceptance,
    ]
