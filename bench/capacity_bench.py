#!/usr/bin/env python3
"""Capacity: the main pages' saturated throughput as a fraction of the cheapest Django response.

    .venv/bin/python bench/capacity_bench.py --database zcparks_capbench --redis redis://127.0.0.1:6379/13

Measured from outside, all in one run against one server: gunicorn with 2 sync workers and the
production settings (ZCP_PRODUCTION=1, DEBUG off, PostgreSQL with persistent connections, Redis
as broker and cache) on 127.0.0.1, driven by wrk (Debian's `wrk` package: `apt-get install wrk`)
with 16 connections until saturated. First the cheapest Django response, a redirect
(`/favicon.ico`, anonymous: no session, no query), sets the ceiling; then, signed in: the national
queue (national reviewer, with the second factor), the review page of an application under
national review whose snapshot carries calculation results, a park's result page (a 96,000-row
park-year, 15,000 trace lines) and a park's home page (its applicant); then the ceiling again.
Each page's requests/s is given as a fraction of the ceiling of the same round, so the machine's
speed and load (it is shared) cancel out as far as they can; the load average is recorded beside
every figure. --rounds repeats the whole sequence; the summary takes each page's median fraction.

The database (`--database`, dropped and made again unless --reuse) is migrated and seeded by this
script in a child process with the same settings: the reference data, --count generated
applications (bench/generate.py), the result page's park-year and the review page's application
(bench/pages_bench.py), then VACUUM ANALYZE; the static files are collected (the production
settings serve hashed names from the manifest). Sessions are made on the server side as a log-in
would (django-otp's device in the session for the national reviewer), so the measured traffic has
no log-in in it. Everything runs on loopback only; each wrk run stops after --duration seconds.
Writes the `capacity` section of bench/RESULTS.md unless --no-write.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python" if (VENV_BIN / "python").exists() else Path(sys.executable)
RESULTS = ROOT / "bench" / "RESULTS.md"
OUT = ROOT / "var" / "bench"
HOST = "127.0.0.1"  # never leaves this machine
START_MARK, END_MARK = "<!-- capacity:start -->", "<!-- capacity:end -->"
GOAL = 0.25  # queue, review page and result page: at least a quarter of the redirect
GOAL_PAGES = ("queue", "review", "result")
SIGNED_IN = 'data-testid="current-user"'


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def loadavg() -> float:
    return os.getloadavg()[0]


# --- the seed, in a child process with the server's settings ------------------------------------


def seed(out: Path, count: int) -> None:
    """Migrate, load and generate; write the URLs and session cookies of the cases to `out`."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from types import SimpleNamespace

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from generate import generate
    from pages_bench import result_park, review_application

    from applications.models import Application, Province, Role, User
    from zcparks.celery import app

    app.conf.task_always_eager = True  # the seed's recalculations and effects inline
    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    started = time.perf_counter()
    generate(count)
    elapsed = time.perf_counter() - started
    say(f"generated {Application.objects.count()} applications in {elapsed:.0f} s")
    jiangsu, anhui = Province.objects.get(code="32"), Province.objects.get(code="34")
    cast = SimpleNamespace(
        national=User.objects.create(username="cap_national", role=Role.NATIONAL),
        provincial_a=User.objects.create(
            username="cap_prov_js", role=Role.PROVINCIAL, province=jiangsu
        ),
        provincial_other=User.objects.create(
            username="cap_prov_ah", role=Role.PROVINCIAL, province=anhui
        ),
    )
    result_url, applicant, result_note = result_park()
    review_url, review_note = review_application(cast)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    engine = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"])

    def cookie(user: User) -> str:
        """A session as django.contrib.auth.login makes it, plus django-otp's verified device
        for the roles that need a second factor (D23)."""
        session = engine.SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if user.role in (Role.NATIONAL, Role.EXPERT, Role.ADMIN) or user.is_superuser:
            device = TOTPDevice.objects.create(user=user, name="capacity", confirmed=True)
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    national = cookie(cast.national)
    park = cookie(applicant)
    cases = {
        "redirect": {"url": "/favicon.ico", "cookie": "", "status": 302},
        "redirect_signed_in": {"url": "/favicon.ico", "cookie": national, "status": 302},
        "queue": {"url": reverse("review_queue_national"), "cookie": national, "status": 200},
        "review": {"url": review_url, "cookie": national, "status": 200},
        "result": {"url": result_url, "cookie": park, "status": 200},
        "home": {"url": reverse("home"), "cookie": park, "status": 200},
    }
    data = {
        "applications": Application.objects.count(),
        "result_note": result_note,
        "review_note": review_note,
        "cases": cases,
    }
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


# --- the server and the load ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    command = [
        str(VENV_BIN / "gunicorn"),
        "zcparks.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--preload",
        "--timeout=60",
        "--log-level=warning",
        "--error-logfile=-",
        # no access log: writing it would be part of every measured request
    ]
    say("$ " + shlex.join(command))
    log = (OUT / "capacity-gunicorn.log").open("w")
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
            return
        except subprocess.TimeoutExpired:
            continue


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(port: int, case: dict) -> tuple[int, str]:
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(f"http://{HOST}:{port}{case['url']}")
    if case["cookie"]:
        request.add_header("Cookie", case["cookie"])
    try:
        with opener.open(request, timeout=30) as response:  # noqa: S310 - loopback only
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def wait_until_serving(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see var/bench/")
        with contextlib.suppress(OSError):
            if fetch(port, {"url": "/favicon.ico", "cookie": ""})[0] == 302:
                return
        time.sleep(0.3)
    raise SystemExit("gunicorn did not answer in time")


def check(port: int, name: str, case: dict) -> None:
    """Each case answers as expected before it is measured: a signed-in page, not a redirect to
    the log-in or the second-factor page."""
    status, body = fetch(port, case)
    if status != case["status"]:
        raise SystemExit(f"{name}: {case['url']} answered {status}, expected {case['status']}")
    if status == 200 and SIGNED_IN not in body:
        raise SystemExit(f"{name}: {case['url']} does not show a signed-in user")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(port: int, case: dict, args: argparse.Namespace) -> dict:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--latency",
        "--timeout=30s",
    ]
    if case["cookie"]:
        command += ["-H", f"Cookie: {case['cookie']}"]
    command.append(f"http://{HOST}:{port}{case['url']}")
    before = loadavg()
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    after = loadavg()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    latency = {
        p: float(v) * UNITS[u]
        for p, v, u in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    return {
        "rps": rps,
        "requests": total,
        "bad": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
        "p50": latency.get("50", 0.0),
        "p99": latency.get("99", 0.0),
        "load": (before, after),
    }


ORDER = ("redirect", "redirect_signed_in", "queue", "review", "result", "home", "redirect")
LABELS = {
    "redirect": "redirect (`/favicon.ico`, anonymous): the ceiling",
    "redirect_signed_in": "the same redirect, signed in (session, user, second factor)",
    "queue": "national queue, first page (national reviewer)",
    "review": "review page (national reviewer)",
    "result": "park's result page, 96,000-row park-year (its applicant)",
    "home": "park's home page (its applicant)",
}


def measure(port: int, cases: dict, args: argparse.Namespace) -> list[dict]:
    rounds = []
    for number in range(1, args.rounds + 1):
        figures: dict[str, dict] = {}
        ceilings = []
        for name in ORDER:
            if name not in args.cases and name != "redirect":
                continue
            wrk(port, cases[name], argparse.Namespace(**{**vars(args), "duration": 2}))  # warm
            result = wrk(port, cases[name], args)
            say(
                f"round {number} {name}: {result['rps']:.1f} req/s, p50 {result['p50']:.1f} ms, "
                f"p99 {result['p99']:.1f} ms, non-2xx/3xx {result['bad']}, load "
                f"{result['load'][0]:.1f}→{result['load'][1]:.1f}"
            )
            if name == "redirect":
                ceilings.append(result)
            else:
                figures[name] = result
        ceiling = statistics.mean(c["rps"] for c in ceilings)
        for result in figures.values():
            result["fraction"] = result["rps"] / ceiling
        rounds.append({"ceilings": ceilings, "ceiling": ceiling, "pages": figures})
    return rounds


# --- the report ----------------------------------------------------------------------------------


def summary(rounds: list[dict]) -> dict[str, float]:
    names = rounds[0]["pages"].keys()
    return {n: statistics.median(r["pages"][n]["fraction"] for r in rounds) for n in names}


def section(rounds: list[dict], data: dict, args: argparse.Namespace, versions: str) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    fractions = summary(rounds)
    lines = [
        START_MARK,
        "## Capacity: saturated throughput as a fraction of the cheapest response "
        "(bench/capacity_bench.py)",
        "",
        f"Run {when} with `.venv/bin/python bench/capacity_bench.py "
        f"{shlex.join(sys.argv[1:])}`; {versions}.",
        "",
        f"Server: gunicorn, {args.workers} sync workers, `--preload`, production settings "
        "(ZCP_PRODUCTION=1, DEBUG off, random secret key, ZCP_SSL_REDIRECT=0 on loopback, no "
        "access log), PostgreSQL with persistent connections (DATABASE_CONN_MAX_AGE=60), Redis "
        f"as broker and cache. Data: {data['applications']:,} applications; result page: "
        f"{data['result_note']}; review page: {data['review_note']}. Load: wrk "
        f"-t{args.threads} -c{args.connections}, {args.duration} s a case after a 2 s "
        "warm-up, on the same 2 cores as the server; the ceiling measured at the start and the "
        "end of every round, each page's fraction taken against their mean.",
        "",
        "| round | case | requests | req/s | fraction of the ceiling | p50 ms | p99 ms "
        "| non-2xx/3xx | load avg (1 min) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for number, r in enumerate(rounds, 1):
        for c in r["ceilings"]:
            lines.append(
                f"| {number} | {LABELS['redirect']} | {c['requests']} | {c['rps']:.1f} | 1 "
                f"| {c['p50']:.1f} "
                f"| {c['p99']:.1f} | {c['bad']} | {c['load'][0]:.1f} → {c['load'][1]:.1f} |"
            )
        for name, p in r["pages"].items():
            lines.append(
                f"| {number} | {LABELS[name]} | {p['requests']} | {p['rps']:.1f} "
                f"| {p['fraction']:.1%} "
                f"| {p['p50']:.1f} | {p['p99']:.1f} | {p['bad']} "
                f"| {p['load'][0]:.1f} → {p['load'][1]:.1f} |"
            )
    lines += [
        "",
        "Median fraction over the rounds, against the goal (≥ 25 % for the queue, "
        "the review page and the result page):",
        "",
    ]
    for name, fraction in fractions.items():
        goal = ""
        if name in GOAL_PAGES:
            goal = (
                " — goal **met**"
                if fraction >= GOAL
                else f" — goal **missed** by {GOAL - fraction:.1%} of the ceiling "
                f"({fraction / GOAL:.0%} of the goal)"
            )
        lines.append(f"- {LABELS[name]}: **{fraction:.1%}**{goal}")
    lines += ["", END_MARK]
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    current = RESULTS.read_text(encoding="utf-8")
    if START_MARK in current and END_MARK in current:
        before, rest = current.split(START_MARK, 1)
        current = before + text + rest.split(END_MARK, 1)[1].lstrip("\n")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(current, encoding="utf-8")
    say(f"wrote the capacity section of {RESULTS.relative_to(ROOT)}")


# --- main ----------------------------------------------------------------------------------------


def recreate_database(admin_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="zcparks_capbench")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--reuse", action="store_true", help="keep the database and its data")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10, help="seconds a case")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cases", default="redirect_signed_in,queue,review,result,home")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--seed-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seed_child:
        seed(Path(args.seed_child), args.count)
        return 0
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    args.cases = args.cases.split(",")
    OUT.mkdir(parents=True, exist_ok=True)
    seeded = OUT / f"capacity-{args.database}.json"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zcparks.settings",
        "ZCP_PRODUCTION": "1",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("ZCP_BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "ZCP_PUBLIC_BASE_URL": f"https://{HOST}",
        "ZCP_SSL_REDIRECT": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DATABASE_URL": re.sub(r"/[^/]*$", f"/{args.database}", args.postgres),
        "DATABASE_CONN_MAX_AGE": "60",
        "CELERY_BROKER_URL": args.redis,
        "ZCP_CACHE_URL": args.redis,  # beside the broker's keys (prefixed), on the one database
        "ZCP_PRIVATE_STORAGE_ROOT": str(OUT / "capacity-private"),
        "ZCP_SIGNING_DIR": str(OUT / "signing"),
        "PYTHONUNBUFFERED": "1",
    }
    # The sessions are signed with the secret key: a reused database keeps its key.
    key_file = OUT / f"capacity-{args.database}.key"
    if args.reuse and key_file.exists() and seeded.exists():
        env["DJANGO_SECRET_KEY"] = key_file.read_text().strip()
    else:
        recreate_database(args.postgres, args.database)
        key_file.write_text(env["DJANGO_SECRET_KEY"])
        say(f"seeding {args.database} with {args.count:,} applications")
        subprocess.run(
            [str(PYTHON), __file__, "--seed-child", str(seeded), "--count", str(args.count)],
            cwd=ROOT,
            env=env,
            check=True,
        )
    if args.reuse:
        # A reused database gets the migrations of the code being measured.
        subprocess.run(
            [str(PYTHON), "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    data = json.loads(seeded.read_text(encoding="utf-8"))
    # The production settings serve hashed static file names from collectstatic's manifest.
    subprocess.run(
        [str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = free_port()
    server = start_gunicorn(env, port, args.workers)
    try:
        wait_until_serving(port, server)
        for name, case in data["cases"].items():
            check(port, name, case)
        rounds = measure(port, data["cases"], args)
    finally:
        stop(server)
    versions = subprocess.run(
        [str(VENV_BIN / "gunicorn"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    versions += "; " + (wrk_version.stdout or wrk_version.stderr).splitlines()[0].split(" [")[0]
    versions += f"; nproc {os.cpu_count()}"
    text = section(rounds, data, args, versions)
    print(text)
    if not args.no_write:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
