"""The access matrix's second share of the site's routes (test_access_matrix.py walks the first and
says what the matrix checks), and the admin site, which answers administrators only."""

from __future__ import annotations

from django.urls import reverse

from .access_world import sign_in
from .test_access_matrix import (  # noqa: F401 (the fixtures)
    ACTORS,
    cast,
    iter_routes,
    matrix_world,
    walk,
    world,
)


def test_every_url_answers_every_role_as_expected(
    client,
    cast,  # noqa: F811 (the fixture)
    world,  # noqa: F811 (the fixture)
    capsys,
):
    walk(client, cast, world, capsys, shard=2)


def admin_models() -> dict:
    """`admin:<app>_<model>` → model class, for every model registered in the admin."""
    from django.contrib import admin

    return {f"admin:{m._meta.app_label}_{m._meta.model_name}": m for m in admin.site._registry}


def test_admin_site_answers_only_administrators(
    client,
    cast,  # noqa: F811 (the fixture)
    world,  # noqa: F811 (the fixture)
    capsys,
):
    routes = [name for name in set(iter_routes()) if name.startswith("admin:")]
    checked = 0
    failures = []
    for name in sorted(routes):
        kwargs = {}
        if name.endswith(("_change", "_delete", "_history")):
            model_class = admin_models().get(name.rsplit("_", 1)[0])
            obj = model_class.objects.first() if model_class else None
            if obj is None:
                continue
            kwargs = {"object_id": obj.pk}
        elif name == "admin:app_list":
            kwargs = {"app_label": "applications"}
        elif (
            name
            in (
                "admin:view_on_site",
                "admin:password_change_done",
                "admin:logout",
                "admin:login",
                "admin:password_change",
                "admin:jsi18n",
                "admin:autocomplete",
            )
            or "password" in name
        ):
            continue
        url = reverse(name, kwargs=kwargs)
        for actor in ACTORS:
            client.logout()
            if actor != "anonymous":
                sign_in(client, getattr(cast, actor))
            status = client.get(url).status_code
            checked += 1
            # Read-only records (events, submissions, runs, published factor sets) refuse
            # adding, changing or deleting even to administrators.
            refusable = name.endswith(("_add", "_change", "_delete"))
            allowed = ({200, 403} if refusable else {200}) if actor == "admin" else {302}
            if status not in allowed:
                failures.append(f"{name} as {actor}: {status}")
    with capsys.disabled():
        print(f"\nadmin site: {checked} requests over {len(routes)} admin routes")
    assert not failures, "\n".join(failures)
