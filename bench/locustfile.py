"""Load-test mix: park applicants and reviewers using the site at the same time.

Run by bench/load_test.py (which starts the server); by hand:

    locust -f bench/locustfile.py --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:8001

Each simulated person is a signed-in user. bench/load_test.py logs every virtual user in before
locust starts (one log-in after the other, timed apart) and passes the sessions in a JSON file
named by ZCP_BENCH_SESSIONS ({"park": [{"username": …, "cookies": {…}}, …], "reviewer": […]});
each locust user takes the next session of its role, so the measured traffic holds no log-in.
Without that variable (by hand), each simulated person logs in once with a demo login (the
password is ZCP_BENCH_PASSWORD, default the demo password) at its start. Either way it then keeps
using the pages of the role with a think time of 1–3 s. Which pages
exist is read from the pages themselves (the navigation and the links in lists), so the mix follows
the site as it grows; requests are grouped by URL shape (`/applications/[id]/`) in the statistics.

The server runs the production settings over plain http on loopback, where the session and CSRF
cookies are marked Secure. A browser behind the TLS proxy would send them; here the client is told
to send Secure cookies over http too (client side only; the server is unchanged). requests builds a
fresh cookie jar for each request, so this has to be the default policy of this process.
"""

from __future__ import annotations

import http.cookiejar
import itertools
import json
import os
import random
import re
from pathlib import Path
from threading import Lock

from locust import HttpUser, between, task

PASSWORD = os.environ.get("ZCP_BENCH_PASSWORD", "zcp-Demo-2025")
PARK_LOGINS = os.environ.get(
    "ZCP_BENCH_PARK_USERS",
    "park_subei,park_changzhou,park_suzhou,park_yanjiang,park_xibu,park_binhai",
).split(",")
REVIEWER_LOGINS = os.environ.get(
    "ZCP_BENCH_REVIEWER_USERS",
    "prov_jiangsu,prov_anhui,prov_neimenggu,prov_tianjin,ndrc_reviewer,ndrc_expert",
).split(",")

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NAV_LINK = re.compile(r'data-nav="([\w-]+)"\s+href="([^"]+)"')
HREF = re.compile(r'href="(/[^"#?]*)"')
NUMBER = re.compile(r"/\d+")

# Detail pages worth visiting, as they appear in links of lists, queues and overviews.
APPLICATION_PAGE = re.compile(r"^/applications/\d+/$")
REVIEW_PAGE = re.compile(r"^/review/\d+/$")
RESULT_PAGE = re.compile(r"^/energy/\d+/\d+/result/$")

http.cookiejar.DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True

# Pre-made sessions by role (see the docstring); None: log in at the start instead.
SESSIONS_FILE = os.environ.get("ZCP_BENCH_SESSIONS")
SESSIONS: dict[str, list[dict]] | None = (
    json.loads(Path(SESSIONS_FILE).read_text(encoding="utf-8")) if SESSIONS_FILE else None
)


_next_login: dict[str, itertools.cycle] = {}
_login_lock = Lock()


def next_login(kind: str, names: list):
    """The next of names (logins or sessions) for this kind of user, round robin."""
    with _login_lock:
        cycle = _next_login.setdefault(kind, itertools.cycle(names))
        return next(cycle)


def shape(path: str) -> str:
    """A path with its numbers replaced, so that statistics group pages of one kind."""
    return NUMBER.sub("/[id]", path)


class SiteUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    role = ""
    logins: list[str] = []

    def on_start(self) -> None:
        self.nav: dict[str, str] = {}
        self.details: dict[str, list[str]] = {"application": [], "review": [], "result": []}
        if SESSIONS is None:
            self.log_in(next_login(self.role, self.logins))
            return
        session = next_login(self.role, SESSIONS[self.role])
        for name, value in session["cookies"].items():
            self.client.cookies.set(name, value)
        self.visit("/")  # a page view like any other; it also shows the role's navigation

    def log_in(self, username: str) -> None:
        page = self.client.get("/accounts/login/", name="login page")
        token = CSRF_INPUT.search(page.text)
        with self.client.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "next": "/",
            },
            name="log in",
            catch_response=True,
        ) as response:
            logged_in = 'data-testid="current-user"' in response.text
            if "/accounts/login/" in response.url or not logged_in:
                response.failure(f"{username} could not log in")
                return
            self.learn(response.text)

    def learn(self, html: str) -> None:
        """Remember the navigation and the detail pages linked from this page."""
        self.nav.update(dict(NAV_LINK.findall(html)))
        for href in set(HREF.findall(html)):
            if REVIEW_PAGE.match(href):
                self.details["review"].append(href)
            elif RESULT_PAGE.match(href):
                self.details["result"].append(href)
            elif APPLICATION_PAGE.match(href):
                self.details["application"].append(href)
        for kind, pages in self.details.items():
            self.details[kind] = list(dict.fromkeys(pages))[-50:]

    def visit(self, path: str) -> None:
        with self.client.get(path, name=shape(path), catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{path}: HTTP {response.status_code}")
            elif "/accounts/login/" in response.url:
                response.failure(f"{path}: sent back to the login page")
            else:
                self.learn(response.text)

    def visit_nav(self, *keys: str) -> None:
        for key in keys:
            if key in self.nav:
                self.visit(self.nav[key])
                return
        self.visit("/")

    def visit_detail(self, kind: str) -> None:
        pages = self.details[kind]
        if pages:
            self.visit(random.choice(pages))
        else:
            self.visit("/")

    @task(2)
    def home(self) -> None:
        self.visit("/")


class ParkApplicant(SiteUser):
    role = "park"
    logins = PARK_LOGINS

    @task(2)
    def my_applications(self) -> None:
        self.visit_nav("applications", "my_park")

    @task(3)
    def application_page(self) -> None:
        self.visit_detail("application")

    @task(1)
    def energy_overview(self) -> None:
        self.visit_nav("energy", "my_park")

    @task(3)
    def result_page(self) -> None:
        if not self.details["result"]:
            self.visit_nav("energy", "my_park")
        self.visit_detail("result")


class Reviewer(SiteUser):
    role = "reviewer"
    logins = REVIEWER_LOGINS

    @task(3)
    def queue(self) -> None:
        self.visit_nav("review_provincial", "review_national", "review_mine", "applications")

    @task(4)
    def review_page(self) -> None:
        self.visit_detail("review" if self.details["review"] else "application")

    @task(1)
    def parks(self) -> None:
        self.visit_nav("parks")
