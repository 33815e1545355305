"""Load the demo data and print the demo logins. Safe to run again."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from applications import demo


class Command(BaseCommand):
    help = "Load demo parks, people, energy data and applications, and print the demo logins."

    def handle(self, *args, **options) -> None:
        for loader in demo_loaders():
            loader()
        self.stdout.write("Demo logins (username  password  who):")
        for line in demo.login_lines():
            self.stdout.write(line)


def demo_loaders() -> list:
    """Each feature adds its demo here, in the order they depend on each other."""
    from accounting.demo import load_demo_energy_data
    from applications.demo_applications import load_demo_applications
    from applications.demo_reviews import load_demo_reviews

    return [demo.load_parks_and_people, load_demo_energy_data, load_demo_applications,
            load_demo_reviews]
