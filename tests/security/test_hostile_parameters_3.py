"""Every parameter parsed, never assumed: share 3 of the routes (tests/security/hostile.py)."""

from __future__ import annotations

from .access_world import world  # noqa: F401 (the fixture)
from .hostile import walk


def test_no_route_answers_500_to_a_hostile_parameter(
    client,
    cast,
    world,  # noqa: F811 (the fixture)
    monkeypatch,
    capsys,
):
    walk(client, cast, world, monkeypatch, capsys, shard=3)
