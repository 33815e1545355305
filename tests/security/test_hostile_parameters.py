"""Every parameter parsed, never assumed — the access matrix's way, for input.

Every named route of the URL configuration (the access matrix's PROBES point each at park A's
objects), for every role: a clean request first, during which every query and form parameter the
view reads is recorded (QueryDict's getters are wrapped), so a parameter added to a view tomorrow
is probed without touching this file. Then each recorded parameter gets each hostile value, by
GET and, where the route takes it, by POST, sent in turn by the roles whose request read it. No
answer may be a 500 (nor an exception escaping the view), nor an empty page, and a 400 page must
say which parameter it refused.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse

from applications.models import Application
from tests.reviews.conftest import add_energy_data

from .access_world import sign_in
from .test_access_matrix import PROBES, iter_routes, world  # noqa: F401 (the fixture)

ROLES = ("anonymous", "applicant_a", "provincial_a", "national", "expert", "admin")
HOSTILE = (
    "²",  # str.isdigit() says yes, int() says no
    "١٢",  # Arabic-Indic digits: int() reads them, a regex on [0-9] does not
    "%00",
    "\x00\x00",  # PostgreSQL refuses NUL in any text it is sent
    "9" * 40,
    "",
    "-1",
    "abc",
    "长" * 5000,
)
# Read by the framework for every form, not by a view.
IGNORED = {"csrfmiddlewaretoken"}


class Reads:
    """The keys read from any QueryDict (request.GET, request.POST, DRF's query_params)."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    @contextmanager
    def recording(self, monkeypatch):
        originals = {
            name: getattr(QueryDict, name)
            for name in ("get", "__getitem__", "getlist", "__contains__")
        }

        def wrap(name):
            original = originals[name]

            def recorded(querydict, key, *args, **kwargs):
                self.keys.add(key)
                return original(querydict, key, *args, **kwargs)

            return recorded

        with monkeypatch.context() as patch:
            for name in originals:
                patch.setattr(QueryDict, name, wrap(name))
            yield self


def send(client, method: str, url: str, data: dict) -> tuple[int, bytes, bool]:
    """One request whose writes are rolled back, so every probe meets the same world; whether
    it touched the session cookie (a logout, a login) is the third value."""
    with transaction.atomic():
        response = getattr(client, method)(url, data)
        transaction.set_rollback(True)
    body = b"" if getattr(response, "streaming", False) else response.content
    return response.status_code, body, settings.SESSION_COOKIE_NAME in response.cookies


def discover(client, monkeypatch, method: str, url: str, data: dict) -> tuple[int, set[str]]:
    reads = Reads()
    with reads.recording(monkeypatch):
        status, _body, _session = send(client, method, url, data)
    return status, reads.keys - IGNORED


def test_no_route_answers_500_to_a_hostile_parameter(
    client,
    cast,
    world,  # noqa: F811 (the fixture)
    monkeypatch,
    capsys,
):
    routes = [name for name in sorted(set(iter_routes())) if not name.startswith("admin:")]
    assert [name for name in routes if name not in PROBES] == []
    failures: list[str] = []
    counts: Counter[str] = Counter()

    def login(actor: str) -> None:
        client.logout()
        if actor != "anonymous":
            sign_in(client, getattr(cast, actor))

    # 1. Every route, as every role, by GET and POST: what does the view read?
    targets: dict[str, tuple[str, str, dict]] = {}  # "METHOD name" -> (method, url, clean data)
    readers: dict[str, dict[str, list[str]]] = {}  # "METHOD name" -> parameter -> roles reading it
    for actor in ROLES:
        login(actor)
        for name in routes:
            probe = PROBES[name]
            kwargs = probe.kwargs(world)
            if name == "api:park-year-run":
                kwargs["run_id"] = world.run.pk
            url = reverse(name, kwargs=kwargs)
            for method in ("get", "post") if probe.method == "get" else ("post",):
                target = f"{method.upper()} {name}"
                counts["requests"] += 1
                try:
                    status, keys = discover(client, monkeypatch, method, url, probe.data(world))
                except Exception as error:  # noqa: BLE001 - the test client re-raises
                    failures.append(
                        f"{target} as {actor}, clean: {type(error).__name__}: {error}"[:300]
                    )
                    keys = set()
                if name == "logout":
                    login(actor)
                targets[target] = (method, url, probe.data(world))
                for key in keys:
                    readers.setdefault(target, {}).setdefault(key, []).append(actor)

    # 2. Every hostile value of every parameter read, each sent by the roles that read it in turn
    # (so each role probes its share of every view it reaches), grouped to log in once per role.
    plan: dict[str, list[tuple[str, str, str]]] = {actor: [] for actor in ROLES}
    for target, keys in readers.items():
        for key, actors in keys.items():
            for index, value in enumerate(HOSTILE):
                plan[actors[index % len(actors)]].append((target, key, value))
    for actor, sends in plan.items():
        login(actor)
        for target, key, value in sends:
            method, url, clean = targets[target]
            what = f"{target} {key}={value[:20]!r} as {actor}"
            counts["requests"] += 1
            try:
                status, body, session = send(client, method, url, {**clean, key: value})
            except Exception as error:  # noqa: BLE001 - the test client re-raises
                failures.append(f"{what}: {type(error).__name__}: {error}"[:300])
                login(actor)
                continue
            if session:  # a logout, a login
                login(actor)
            counts[f"status {status}"] += 1
            if status >= 500:
                failures.append(f"{what}: {status}")
            elif status in (200, 400) and not body.strip() and method == "get":
                failures.append(f"{what}: an empty page")
            elif b"bad-parameter" in body and key.encode() not in body:
                failures.append(f"{what}: the 400 page does not name {key}")

    probed = {target: set(keys) for target, keys in readers.items()}
    with capsys.disabled():
        print(
            f"\nhostile parameters: {len(routes)} routes x {len(ROLES)} roles; "
            f"{sum(len(k) for k in probed.values())} parameters read on {len(probed)} "
            f"route/method pairs, each sent {len(HOSTILE)} hostile values: "
            f"{counts['requests']} requests; "
            + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()) if k.startswith("status"))
        )
    # The discovery must find what the views read, or the test proves nothing.
    assert {"batch", "assignee", "province", "q", "sort"} <= probed["GET review_queue_national"]
    assert "batch" in probed["POST application_start"]
    assert {"limit", "offset"} <= probed["GET api:park-list"]
    assert set(readers["GET review_queue_national"]["batch"]) == {"national", "admin"}
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:60])


# What the probe from outside found, one by one.


def test_a_superscript_digit_in_a_queue_filter_is_a_400_naming_it(client, cast):
    client.force_login(cast.national)
    for name in ("batch", "assignee"):
        response = client.get(reverse("review_queue_national"), {name: "²"})

        assert response.status_code == 400
        assert response.context["parameter"].name == name
        assert f"（{name}）" in response.content.decode()


def test_nul_in_the_province_filter_is_a_400_on_the_page_and_the_export(client, cast):
    client.force_login(cast.national)
    page = client.get(reverse("review_queue_national") + "?province=%00%00")
    export = client.get(
        reverse("review_queue_export", args=["national", "csv"]),
        {"province": "\x00\x00", "batch": "1"},
    )

    assert page.status_code == 400
    assert "省份" in page.content.decode()
    assert export.status_code == 400
    assert export["Content-Type"].startswith("text/html")


def test_a_queue_filter_with_plain_values_still_filters(client, cast):
    client.force_login(cast.national)

    response = client.get(
        reverse("review_queue_national"),
        {"province": "32", "batch": "", "sort": "park", "q": " 甲 "},
    )

    assert response.status_code == 200
    filters = response.context["filters"]
    assert (filters.province, filters.batch, filters.sort, filters.q) == ("32", None, "park", "甲")


@pytest.mark.parametrize("value", ["abc", "", "²", "-1"])
def test_starting_an_application_with_a_malformed_batch_is_a_400_writing_nothing(
    client, cast, value
):
    client.force_login(cast.applicant_a)

    response = client.post(reverse("application_start"), {"batch": value})

    assert response.status_code == 400
    assert response.context["parameter"].name == "batch"
    assert not Application.objects.exists()


@pytest.mark.parametrize("name", ["limit", "offset"])
def test_the_api_answers_a_superscript_page_parameter_with_400_in_its_shape(client, cast, name):
    client.force_login(cast.national)

    response = client.get("/api/v1/parks/", {name: "²"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"][0]["field"] == name


def test_the_api_names_a_malformed_include_trace(client, cast):
    add_energy_data(cast.park_a, 2024)
    client.force_login(cast.applicant_a)
    url = f"/api/v1/parks/{cast.park_a.pk}/years/2024/result/"
    assert client.get(url, {"include_trace": "true"}).status_code == 200

    response = client.get(url, {"include_trace": "\x00"})

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "请求有误。",
        "fields": [{"field": "include_trace", "message": "含有无效字符。"}],
    }


def test_the_400_page_names_the_parameter_in_english_too(client, cast):
    client.force_login(cast.national)

    response = client.get(
        reverse("review_queue_national"), {"batch": "abc"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    text = " ".join(response.content.decode().split())
    assert response.status_code == 400
    assert "The parameter “Batch” (batch) must be a whole number of at least 1." in text
