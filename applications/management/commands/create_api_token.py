"""Create an API token for a park applicant's platform and print it (once), e.g. to set up a
platform or try the API against the demo data: ``manage.py create_api_token applicant_a 平台``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from applications.kernel import tokens
from applications.models import User


class Command(BaseCommand):
    help = "Create an API token for an applicant's park and print it; it is not shown again."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. the platform's name")

    def handle(self, *args, **options) -> None:
        user = User.objects.select_related("park").filter(username=options["username"]).first()
        if user is None or user.park is None:
            raise CommandError("username: no park applicant with this username")
        try:
            issued = tokens.issue_token(user, user.park, options["name"])
        except PermissionDenied:
            raise CommandError(
                "username: only an active applicant of the park may own a token"
            ) from None
        except tokens.TokenLimitReached as limit:
            raise CommandError(
                f"the park already holds {limit.limit} active tokens; revoke one first"
            ) from None
        self.stdout.write(f"Token for {user.park.name} ({issued.token.name}); shown once:")
        self.stdout.write(issued.plaintext)
