#!/usr/bin/env python3
"""The load test, start to finish: one command.

    .venv/bin/python bench/load_test.py                 # both worker models, 50 users, 60 s each
    .venv/bin/python bench/load_test.py --models gthread --duration 30s

It creates a throwaway PostgreSQL database (`zcparks_bench`, dropped and made again), migrates it,
loads the reference and demo data and the generated applications (bench/generate.py), collects the
static files, and then, for each gunicorn worker model, starts gunicorn with the production
settings on 127.0.0.1, logs every virtual user in once, one after the other (timing each log-in:
the log-in figures), then runs locust headless against it with those sessions (bench/locustfile.py:
signed-in users working, no log-in in the measured traffic), stops gunicorn and reads locust's CSV
figures. The figures and the machine they ran on replace the load-test section of
bench/RESULTS.md; the other sections are kept. Everything runs on loopback only.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import http.client
import http.cookies
import json
import os
import platform
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python" if (VENV_BIN / "python").exists() else Path(sys.executable)
RESULTS = ROOT / "bench" / "RESULTS.md"
OUT = ROOT / "var" / "bench"
HOST = "127.0.0.1"  # the load test never leaves this machine
START_MARK = "<!-- load_test:start -->"
END_MARK = "<!-- load_test:end -->"
P95_TARGET_MS = 500

# The demo logins the virtual users sign in as, by role (the locustfile's defaults, which it uses
# when run by hand; here the sessions are made before locust starts and handed to it).
PASSWORD = os.environ.get("ZCP_BENCH_PASSWORD", "zcp-Demo-2025")
ROLES = {
    "park": os.environ.get(
        "ZCP_BENCH_PARK_USERS",
        "park_subei,park_changzhou,park_suzhou,park_yanjiang,park_xibu,park_binhai",
    ).split(","),
    "reviewer": os.environ.get(
        "ZCP_BENCH_REVIEWER_USERS",
        "prov_jiangsu,prov_anhui,prov_neimenggu,prov_tianjin,ndrc_reviewer,ndrc_expert",
    ).split(","),
}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SIGNED_IN = 'data-testid="current-user"'


@dataclass
class Logins:
    """The sequential log-ins made before locust started (time of the POST only)."""

    count: int
    failures: int
    median: float
    p95: float
    slowest: float
    load: tuple[float, float]  # 1-minute load average before and after them


@dataclass
class Figures:
    model: str
    gunicorn: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    slowest: list[tuple[str, int, float, float]]  # name, count, p95, p99
    logins: Logins
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after the run


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    print("$", shlex.join(str(a) for a in args), flush=True)
    return subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=True, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until_serving(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    """Wait for the login page to answer 200, so that start-up is not measured as load."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode} before answering")
        with contextlib.suppress(OSError):
            url = f"http://{HOST}:{port}/accounts/login/"
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not serve {HOST}:{port} within {seconds:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn's process group: politely (TERM lets workers finish), then firmly."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
            return
        except subprocess.TimeoutExpired:
            continue


# --- the database and the data ------------------------------------------------------------------


def recreate_database(admin_url: str, name: str) -> str:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        conn.execute(drop.format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        version = conn.execute("SHOW server_version").fetchone()[0]
    say(f"Database {name} made afresh (PostgreSQL {version})")
    return version


def prepare(env: dict[str, str], generate_args: list[str]) -> None:
    manage = [PYTHON, "manage.py"]
    run([*manage, "migrate", "--noinput", "-v", "0"], env)
    run([*manage, "load_reference"], env)
    run([*manage, "load_demo"], env, stdout=subprocess.DEVNULL)
    generator = ROOT / "bench" / "generate.py"
    if generator.exists():
        run([PYTHON, generator, *generate_args], env)
    else:
        say("bench/generate.py does not exist yet: only the demo data is loaded")
    run([*manage, "collectstatic", "--noinput", "-v", "0"], env)


COUNT_SCRIPT = """
import json, django
django.setup()
from django.apps import apps
counts = {}
for name in ("applications.Park", "applications.User", "applications.Application"):
    try:
        counts[name] = apps.get_model(name).objects.count()
    except LookupError:
        pass
print(json.dumps(counts))
"""


def table_counts(env: dict[str, str]) -> dict[str, int]:
    result = run([PYTHON, "-c", COUNT_SCRIPT], env, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- the log-ins, made before locust starts -----------------------------------------------------


def cookies_of(response: http.client.HTTPResponse) -> dict[str, str]:
    jar: dict[str, str] = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        parsed = http.cookies.SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            if morsel.value and morsel["max-age"] not in ("0",):
                jar[name] = morsel.value
    return jar


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def sign_in(port: int, username: str) -> tuple[dict[str, str], float]:
    """Log one user in through the login form, as a browser does; return the cookies (the
    session) and the time of the log-in POST in ms. Raises RuntimeError if it did not work."""
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        conn.request("GET", "/accounts/login/")
        response = conn.getresponse()
        page = response.read().decode("utf-8", "replace")
        jar = cookies_of(response)
        token = CSRF_INPUT.search(page)
        form = urllib.parse.urlencode(
            {
                "username": username,
                "password": PASSWORD,
                "next": "/",
                "csrfmiddlewaretoken": token.group(1) if token else "",
            }
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie_header(jar),
        }
        started = time.perf_counter()
        conn.request("POST", "/accounts/login/", body=form, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - started) * 1000
        jar.update(cookies_of(response))
        location = response.getheader("Location") or ""
        if response.status != 302 or "/accounts/login/" in location:
            raise RuntimeError(f"{username}: log-in answered {response.status} {location!r}")
        conn.request("GET", "/", headers={"Cookie": cookie_header(jar)})
        response = conn.getresponse()
        if SIGNED_IN not in response.read().decode("utf-8", "replace"):
            raise RuntimeError(f"{username}: the home page does not show a signed-in user")
        return jar, elapsed
    finally:
        conn.close()


def sign_in_everyone(port: int, users: int, sessions_file: Path) -> Logins:
    """One session per virtual user: locust runs the two roles half and half, so each role gets
    half of the users (rounded up), cycling through that role's demo logins. The log-ins run one
    after the other, so each is timed on its own."""
    per_role = -(-users // 2)
    say(f"Logging {per_role * len(ROLES)} users in, one after the other")
    load_before = os.getloadavg()[0]
    sessions: dict[str, list[dict]] = {role: [] for role in ROLES}
    times: list[float] = []
    failures = 0
    for role, names in ROLES.items():
        for i in range(per_role):
            username = names[i % len(names)]
            try:
                jar, elapsed = sign_in(port, username)
            except (OSError, RuntimeError) as error:
                failures += 1
                print(f"   log-in failed: {error}", flush=True)
                continue
            times.append(elapsed)
            sessions[role].append({"username": username, "cookies": jar})
    load_after = os.getloadavg()[0]
    if not all(sessions.values()):
        raise SystemExit("No session could be made for one of the roles; see above")
    sessions_file.write_text(json.dumps(sessions, indent=1), encoding="utf-8")
    logins = Logins(
        len(times) + failures,
        failures,
        percentile(times, 0.50),
        percentile(times, 0.95),
        max(times),
        (load_before, load_after),
    )
    say(
        f"{logins.count} log-ins: median {logins.median:.0f} ms, p95 {logins.p95:.0f} ms, "
        f"slowest {logins.slowest:.0f} ms, {logins.failures} failed"
    )
    return logins


# --- one run ------------------------------------------------------------------------------------


def gunicorn_command(model: str, workers: int, threads: int, port: int) -> list[str]:
    command = [
        str(VENV_BIN / "gunicorn"),
        "zcparks.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        model,
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        "--log-level",
        "warning",
        "--timeout",
        "60",
        # Load Django once in the master, so that every worker is ready when it forks.
        "--preload",
    ]
    if model == "gthread":
        command += ["--threads", str(threads)]
    return command


def run_once(model: str, args: argparse.Namespace, env: dict[str, str]) -> Figures:
    port = free_port()
    server_env = {**env, "DJANGO_CSRF_TRUSTED_ORIGINS": f"http://{HOST}:{port}"}
    command = gunicorn_command(model, args.workers, args.threads, port)
    log = (OUT / f"gunicorn-{model}.log").open("w")
    say(f"Starting gunicorn ({model}) on {HOST}:{port}")
    print("$", shlex.join(command), flush=True)
    server = subprocess.Popen(
        command, cwd=ROOT, env=server_env, stdout=log, stderr=log, start_new_session=True
    )
    try:
        wait_until_serving(port, server)
        sessions_file = OUT / f"sessions-{model}.json"
        logins = sign_in_everyone(port, args.users, sessions_file)
        load_before = os.getloadavg()[0]
        prefix = OUT / f"locust-{model}"
        locust = [
            str(VENV_BIN / "locust"),
            "-f",
            "bench/locustfile.py",
            "--headless",
            "-u",
            str(args.users),
            "-r",
            str(args.spawn_rate),
            "-t",
            args.duration,
            "--host",
            f"http://{HOST}:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "10",
        ]
        print("$", shlex.join(locust), flush=True)
        # Locust exits with 1 when any request failed; the figures say how many, so go on.
        subprocess.run(
            locust, cwd=ROOT, env={**env, "ZCP_BENCH_SESSIONS": str(sessions_file)}, check=False
        )
        load_after = os.getloadavg()[0]
    finally:
        stop(server)
        log.close()
    described = " ".join(command[command.index("--workers") : command.index("--access-logfile")])
    described += " --preload"
    if model == "gthread":
        described += f" --threads {args.threads}"
    figures = read_figures(model, described, prefix, logins)
    figures.load = (load_before, load_after)
    return figures


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[max(0, min(len(ordered) - 1, int(-(-share * len(ordered) // 1)) - 1))]


def read_figures(model: str, described: str, prefix: Path, logins: Logins) -> Figures:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    per_page = sorted(
        (row for row in rows if row["Name"] != "Aggregated"),
        key=lambda row: float(row["95%"] or 0),
        reverse=True,
    )
    return Figures(
        model=model,
        gunicorn=described,
        requests=int(total["Request Count"]),
        failures=int(total["Failure Count"]),
        rps=float(total["Requests/s"]),
        p50=float(total["50%"]),
        p95=float(total["95%"]),
        p99=float(total["99%"]),
        slowest=[
            (
                f"{row['Type']} {row['Name']}",
                int(row["Request Count"]),
                float(row["95%"]),
                float(row["99%"]),
            )
            for row in per_page
        ],
        logins=logins,
    )


# --- the report ---------------------------------------------------------------------------------


def machine(pg_version: str) -> list[str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = match.group(1) if match else cpu
    memory = "unknown"
    with contextlib.suppress(OSError):
        match = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
        memory = f"{int(match.group(1)) / 1024 / 1024:.1f} GiB" if match else memory
    gunicorn = subprocess.run(
        [str(VENV_BIN / "gunicorn"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    locust = (
        subprocess.run(
            [str(VENV_BIN / "locust"), "--version"], capture_output=True, text=True, check=False
        )
        .stdout.strip()
        .splitlines()[0]
    )
    return [
        f"- nproc: {os.cpu_count()}; memory: {memory}; CPU: {cpu}",
        f"- Python {platform.python_version()}; PostgreSQL {pg_version}; {gunicorn}; {locust}",
        f"- OS: {platform.platform()}",
    ]


def choose(figures: list[Figures]) -> Figures:
    # With a fixed number of users and think time, the server that completes more requests in
    # the same minute is the one with more capacity to spare; p95 breaks ties.
    return min(figures, key=lambda f: (f.failures > 0, -f.requests, f.p95))


def login_line(figures: list[Figures]) -> str:
    parts = [
        f"`{f.model}`: {f.logins.count} log-ins, median {f.logins.median:.0f} ms, "
        f"p95 {f.logins.p95:.0f} ms, slowest {f.logins.slowest:.0f} ms, "
        f"{f.logins.failures} failed (load average {f.logins.load[0]:.1f} before, "
        f"{f.logins.load[1]:.1f} after)"
        for f in figures
    ]
    return (
        "**Log-in, measured apart** (sequential, before locust, time of the log-in POST): "
        + "; ".join(parts)
        + "."
    )


def section(
    figures: list[Figures], args: argparse.Namespace, pg_version: str, counts: dict[str, int]
) -> str:
    best = choose(figures)
    lines = [
        START_MARK,
        "## Load test (bench/load_test.py)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `.venv/bin/python bench/load_test.py"
        f"{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}`.",
        "",
        *machine(pg_version),
        "",
        f"Set-up: gunicorn with the production settings (ZCP_PRODUCTION=1, random secret key, "
        f"DJANGO_ALLOWED_HOSTS={HOST}, ZCP_SSL_REDIRECT=0, whitenoise static after collectstatic) "
        f"on PostgreSQL (database `{args.database}`, persistent connections "
        f"DATABASE_CONN_MAX_AGE={args.conn_max_age}) and Redis as the Celery broker; data: "
        + ", ".join(f"{n} {name.split('.')[1].lower()}s" for name, n in counts.items())
        + f". Before locust starts, each of the {args.users} virtual users is logged in once "
        "through the login form, one log-in after the other, and gets its own session. Locust: "
        f"{args.users} signed-in users ({args.spawn_rate}/s ramp), {args.duration}, half park "
        "applicants and half reviewers (provincial and national), each starting with its "
        "pre-made session (no log-in in the measured traffic) and using the home page, the queue "
        "or own application, the review page or application page and the result page, with "
        "1–3 s think time (bench/locustfile.py).",
        "",
        "Signed-in users working (the target is judged on these figures):",
        "",
        "| gunicorn | requests | req/s | p50 ms | p95 ms | p99 ms | errors | load avg (1 min) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for f in figures:
        lines.append(
            f"| `{f.model}` {f.gunicorn} | {f.requests} | {f.rps:.1f} | {f.p50:.0f} "
            f"| {f.p95:.0f} | {f.p99:.0f} | {f.failures} "
            f"| {f.load[0]:.1f} before, {f.load[1]:.1f} after |"
        )
    lines += [
        "",
        login_line(figures) + " Log-in is measured apart from the working users because each "
        "log-in hashes the password with PBKDF2-SHA256 at Django's 1,000,000 iterations, "
        "deliberately expensive (about 0.25 s of one core here when idle, 1 s and more when the "
        "machine is shared), and reviewers log in about once a day, not 50 at the same moment.",
    ]
    met = best.p95 < P95_TARGET_MS and best.failures == 0
    lines += [
        "",
        f"Chosen: **{best.model}** ({best.gunicorn}): no errors and the most requests served. "
        f"Target p95 < {P95_TARGET_MS} ms with no errors: "
        + ("**met**." if met else f"**missed** (p95 {best.p95:.0f} ms, {best.failures} errors)."),
        "",
        f"Per page with `{best.model}` (slowest p95 first):",
        "",
        "| request | count | p95 ms | p99 ms |",
        "|---|---:|---:|---:|",
        *[f"| {name} | {n} | {p95:.0f} | {p99:.0f} |" for name, n, p95, p99 in best.slowest],
        "",
        "Raw locust CSV files: `var/bench/locust-<model>_*.csv` (not committed).",
        END_MARK,
    ]
    return "\n".join(lines) + "\n"


SUMMARY_ROW = re.compile(r"^\| load test, .*$", re.M)


def summary_row(figures: list[Figures]) -> str:
    best = choose(figures)
    met = best.p95 < P95_TARGET_MS and best.failures == 0
    logins = best.logins
    return (
        f"| load test, {best.model} gunicorn, 50 signed-in users for 60 s "
        f"| p95 < {P95_TARGET_MS} ms, no errors | {best.rps:.1f} req/s, p50 {best.p50:.0f} ms, "
        f"p95 {best.p95:.0f} ms, p99 {best.p99:.0f} ms, {best.failures} errors; log-in "
        f"measured apart: {logins.count} sequential, median {logins.median:.0f} ms, "
        f"p95 {logins.p95:.0f} ms | {'met' if met else 'missed'} |"
    )


def write_section(text: str, row: str) -> None:
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    current = SUMMARY_ROW.sub(lambda _: row, current, count=1)
    if START_MARK in current and END_MARK in current:
        before, rest = current.split(START_MARK, 1)
        after = rest.split(END_MARK, 1)[1].lstrip("\n")
        updated = before + text + ("\n" + after if after else "")
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(updated, encoding="utf-8")
    say(f"Wrote the load-test section of {RESULTS.relative_to(ROOT)}")


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--duration", default="60s")
    parser.add_argument(
        "--models",
        default="sync,gthread",
        help="gunicorn worker classes to measure, comma-separated",
    )
    parser.add_argument("--workers", type=int, default=2 * cores + 1)
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--database", default="zcparks_bench")
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="an admin connection used to drop and create the database",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--conn-max-age", type=int, default=60)
    parser.add_argument(
        "--generate-args", default="", help="arguments for bench/generate.py (quoted as one string)"
    )
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not (VENV_BIN / "locust").exists():
        print(
            "locust is not installed: .venv/bin/pip install -r requirements-bench.txt",
            file=sys.stderr,
        )
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    pg_version = recreate_database(args.postgres, args.database)
    database_url = re.sub(r"/[^/]*$", f"/{args.database}", args.postgres)
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DJANGO_SETTINGS_MODULE": "zcparks.settings",
        "ZCP_PRODUCTION": "1",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "ZCP_PUBLIC_BASE_URL": f"https://{HOST}",
        # Production sends mail by SMTP; the benchmark sends none anywhere.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "ZCP_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": str(args.conn_max_age),
        "CELERY_BROKER_URL": args.redis,
        "ZCP_PRIVATE_STORAGE_ROOT": str(OUT / "private"),
        "ZCP_SIGNING_DIR": str(OUT / "signing"),  # demo seals, made by load_demo
        "PYTHONUNBUFFERED": "1",
    }
    prepare(env, shlex.split(args.generate_args))
    counts = table_counts(env)
    say(f"Data: {counts}")
    figures = [run_once(model.strip(), args, env) for model in args.models.split(",")]
    for f in figures:
        say(
            f"{f.model}: {f.requests} requests, {f.rps:.1f} req/s, p50 {f.p50:.0f} ms, "
            f"p95 {f.p95:.0f} ms, p99 {f.p99:.0f} ms, {f.failures} errors; log-ins: "
            f"{f.logins.count}, median {f.logins.median:.0f} ms, p95 {f.logins.p95:.0f} ms"
        )
    if not args.no_write:
        write_section(section(figures, args, pg_version, counts), summary_row(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
