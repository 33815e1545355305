"""Every parameter parsed, never assumed — the access matrix's way, for input (the walk itself;
its tests are test_hostile_parameters.py and test_hostile_parameters_2.py, _3.py).

Every named route of the URL configuration (the access matrix's PROBES point each at park A's
objects), for every role: a clean request first, during which every query and form parameter the
view reads is recorded (QueryDict's getters are wrapped), so a parameter added to a view tomorrow
is probed without touching this file. Then each recorded parameter gets each hostile value, by
GET and, where the route takes it, by POST, sent in turn by the roles whose request read it. No
answer may be a 500 (nor an exception escaping the view), nor an empty page, and a 400 page must
say which parameter it refused.

The routes are dealt to SHARDS test files by their measured cost (COST, the most costly first,
each to the file with the least so far), so that the suite's workers, which take a file each
(pytest-xdist's loadfile), share the walk evenly; each file builds its own world and walks its
routes exactly as the one walk did.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse

from .access_world import sign_in
from .test_access_matrix import PROBES, iter_routes

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
SHARDS = 3
# The CPU seconds each route's walk took (discovery and hostile values, every role, GET and POST),
# measured on one worker on 2026-12-03 (163 s for the 115 routes); routes under half a second
# are left out and count as DEFAULT_COST. Only the dealing to shares uses them: a stale figure
# unbalances the files, it never drops a route.
DEFAULT_COST = 0.3
COST = {
    "review_queue_mine": 10.7,
    "review_queue_provincial": 10.4,
    "application_boundary": 9.9,
    "review_queue": 8.8,
    "review_queue_national": 8.4,
    "application_list": 6.2,
    "api:schema": 5.9,
    "application_section": 5.2,
    "batch_rubric": 4.6,
    "accounting:guiding": 4.5,
    "review_queue_export": 4.3,
    "review_decide": 4.2,
    "application_transition": 3.9,
    "report_edit": 3.5,
    "accounting:result": 3.4,
    "deadlines": 2.9,
    "application_book": 2.8,
    "application_incidents": 2.5,
    "report_list": 2.5,
    "two_factor_setup": 2.3,
    "acceptance_score": 2.2,
    "guidance_visit": 2.1,
    "province_recommendation": 2.0,
    "application_attachments": 2.0,
    "programme_list": 1.9,
    "accounting:records": 1.7,
    "application_eligibility_preview": 1.5,
    "guidance_list": 1.5,
    "guidance_solve": 1.3,
    "park_list": 1.2,
    "inbox": 1.2,
    "report_request": 1.1,
    "review_score": 1.1,
    "acceptance_detail": 1.1,
    "application_dossier": 1.0,
    "two_factor_keys": 1.0,
    "acceptance_act": 1.0,
    "password_change": 1.0,
    "login": 1.0,
    "letter_reissue": 0.9,
    "api:application-list": 0.9,
    "acceptance_unassign": 0.8,
    "api:park-year-list": 0.8,
    "guidance_respond": 0.8,
    "two_factor_verify": 0.8,
    "api:park-year-runs": 0.8,
    "review_unassign": 0.7,
    "api:park-year-result": 0.7,
    "score_table": 0.7,
    "favicon": 0.6,
    "api:park-list": 0.6,
    "report_act": 0.6,
    "acceptance_assign": 0.6,
    "score_table_export": 0.6,
    "application_answers": 0.6,
    "review_detail": 0.6,
    "api:park-year-run": 0.6,
    "batch_close": 0.6,
    "accounting:download": 0.6,
    "review_assign": 0.6,
    "application_detail": 0.6,
    "letter_verify": 0.5,
    "api:park-programme": 0.5,
    "home": 0.5,
    "api:docs": 0.5,
}
# What the discovery must find (or the walk proves nothing), checked by the file walking the route.
MUST_READ = {
    "GET review_queue_national": {"batch", "assignee", "province", "q", "sort"},
    "POST application_start": {"batch"},
    "GET api:park-list": {"limit", "offset"},
}
MUST_READ_BY = {("GET review_queue_national", "batch"): {"national", "admin"}}


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


def shard_routes(shard: int) -> list[str]:
    """The site's routes (admin's aside) that file `shard` (1 … SHARDS) walks: the routes are
    dealt the most costly first, each to the share with the least cost so far (a route not in
    COST, added since it was measured, counts as DEFAULT_COST)."""
    routes = [name for name in sorted(set(iter_routes())) if not name.startswith("admin:")]
    assert [name for name in routes if name not in PROBES] == []
    shares: list[list[str]] = [[] for _ in range(SHARDS)]
    loads = [0.0] * SHARDS
    for name in sorted(routes, key=lambda name: (-COST.get(name, DEFAULT_COST), name)):
        lightest = loads.index(min(loads))
        shares[lightest].append(name)
        loads[lightest] += COST.get(name, DEFAULT_COST)
    return sorted(shares[shard - 1])


def walk(client, cast, world, monkeypatch, capsys, shard: int) -> None:
    """Discover what the routes of `shard` read, send each hostile value, assert no failure."""
    routes = shard_routes(shard)
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
            f"\nhostile parameters ({shard}/{SHARDS}): {len(routes)} routes x {len(ROLES)} roles; "
            f"{sum(len(k) for k in probed.values())} parameters read on {len(probed)} "
            f"route/method pairs, each sent {len(HOSTILE)} hostile values: "
            f"{counts['requests']} requests; "
            + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()) if k.startswith("status"))
        )
    # The discovery must find what the views read, or the test proves nothing.
    for target, keys in MUST_READ.items():
        if target.split(" ", 1)[1] in routes:
            assert keys <= probed[target], target
    for (target, key), actors in MUST_READ_BY.items():
        if target.split(" ", 1)[1] in routes:
            assert set(readers[target][key]) == actors, target
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:60])
