"""The demo's API token: one for the first demo park, so that the API can be tried at once.

The secret is random like every other token (issued through kernel/tokens.py), never a fixed text
written here: a demo database copied somewhere public must not come with a known key. Only its
hash is stored, so the plaintext can be printed by the run that creates it and never again; later
runs find the token by its name and say how to get another one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from .demo import DEMO_PARKS, DEMO_USERS
from .kernel import tokens
from .models import ApiToken, User

DEMO_TOKEN_NAME = "演示令牌（load_demo 创建）"  # noqa: S105 - the label, not the secret


@dataclass(frozen=True)
class DemoToken:
    token: ApiToken
    owner: User
    plaintext: str | None  # None: the token existed before this run


def demo_token_owner() -> User:
    """The applicant of the first demo park (park_subei)."""
    park_key = DEMO_PARKS[0].key
    username = next(u.username for u in DEMO_USERS if u.park_key == park_key)
    return User.objects.select_related("park").get(username=username)


@transaction.atomic
def load_demo_api_token() -> DemoToken:
    owner = demo_token_owner()
    # Locking the owner makes two loads at once create one token between them.
    User.objects.select_for_update().get(pk=owner.pk)
    existing = ApiToken.objects.active().filter(park=owner.park, name=DEMO_TOKEN_NAME).first()
    if existing is not None:
        return DemoToken(existing, owner, None)
    issued = tokens.issue_token(owner, owner.park, DEMO_TOKEN_NAME)
    return DemoToken(issued.token, owner, issued.plaintext)


def token_lines(demo: DemoToken) -> list[str]:
    park = demo.token.park.name
    if demo.plaintext is None:
        return [
            f"Demo API token for {park} ({demo.owner.username}): {demo.token.display_prefix}…, "
            "created by an earlier load_demo; its secret is not stored and cannot be shown again.",
            "  Another one: .venv/bin/python manage.py create_api_token "
            f"{demo.owner.username} <name>",
        ]
    base_url = settings.ZCP_PUBLIC_BASE_URL.rstrip("/")
    return [
        f"Demo API token for {park} ({demo.owner.username}), shown only now:",
        f"  {demo.plaintext}",
        f'  curl -H "Authorization: Bearer {demo.plaintext}" {base_url}/api/v1/me/',
    ]
