#!/usr/bin/env python3
"""Set up zcparks and run it, or run its whole test suite.

    python3 dev.py run             set up, load demo data, start http://127.0.0.1:8000
    python3 dev.py test [ARGS]     set up, run pytest (ARGS go to pytest), ruff check and
                                   format --check, lint-imports, bandit, pip-audit

Standard library only: this is the first thing a fresh Debian 12 machine with nothing but Python
runs. Every step is safe to repeat: packages already present are left alone, the virtualenv is
reinstalled only when a requirements file changed, and the Django commands are idempotent.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_BIN = VENV / "bin"
VPY = VENV_BIN / "python"
CHROMIUM = Path("/usr/bin/chromium")

# WeasyPrint's libraries, CJK fonts for the PDF letters (Noto CJK, cwTeX FangSong), and
# msgfmt for compilemessages.
RUNTIME_DEBS = [
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz-subset0",
    "fonts-noto-cjk",
    "gettext",
    "fonts-cwtex-fs",  # FangSong (仿宋) for the body of letters, GB/T 9704-2012
]
TEST_DEBS = ["poppler-utils"]
OPTIONAL_TEST_DEBS = ["chromium"]  # the browser tests are skipped without it

# Not CELERY_BROKER_URL for the tests: with it set, settings queue every task instead of running
# it inline, and no worker would run them. The Redis tests start their own worker on db 15.
POSTGRES = ("postgres", 5432, "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zcparks")
REDIS = ("redis", 6379, "ZCP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class SetupError(Exception):
    """A set-up step failed; the message says what to do."""


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def banner(*lines: str) -> None:
    bar = "!" * 78
    print(f"\n{bar}", *(f"!!! {line}" for line in lines), f"{bar}\n", sep="\n", flush=True)


def require_services() -> bool:
    return os.environ.get("ZCP_REQUIRE_SERVICES") == "1"


def child_env() -> dict[str, str]:
    """The environment for every child: the virtualenv first on PATH, output unbuffered."""
    env = dict(os.environ)
    env["VIRTUAL_ENV"] = str(VENV)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    return env


def call(args: list[str], **kwargs) -> int:
    print("$", shlex.join(str(a) for a in args), flush=True)
    return subprocess.call([str(a) for a in args], cwd=ROOT, env=child_env(), **kwargs)


def check(args: list[str], what: str) -> None:
    if call(args) != 0:
        raise SetupError(f"{what} failed (command above).")


def manage(*args: str) -> list[str]:
    return [str(VPY), "manage.py", *args]


# --- a. system packages -------------------------------------------------------------------------


def deb_installed(name: str) -> bool:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True, check=False
    )
    return result.returncode == 0 and result.stdout.strip() == "install ok installed"


def ensure_debs(required: list[str], optional: list[str]) -> list[str]:
    """Install what is missing; return the optional packages that are still missing."""
    if not importlib.util.find_spec("ensurepip"):
        required = [*required, "python3-venv"]  # Debian's python3 needs it for `-m venv`
    if not shutil.which("dpkg-query"):
        wanted = " ".join(required + optional)
        banner(
            "No dpkg-query: not a Debian system, so system packages are not checked.",
            f"Make sure these (or their equivalents) are installed: {wanted}",
        )
        return []
    missing = [name for name in required if not deb_installed(name)]
    missing_optional = [name for name in optional if not deb_installed(name)]
    if not missing and not missing_optional:
        return []
    install = ["apt-get", "install", "-y", "--no-install-recommends"]
    if os.geteuid() != 0:
        command = shlex.join(["sudo", *install, *missing, *missing_optional])
        if missing:
            raise SetupError(
                f"Missing system packages: {' '.join(missing)}. Install them with:\n    {command}"
            )
        banner(f"Missing {' '.join(missing_optional)}; install with: {command}")
        return missing_optional
    say(f"Installing system packages: {' '.join(missing + missing_optional)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.call(["apt-get", "update"], env=env) != 0:
        print("apt-get update failed; trying the install with the lists we have.", flush=True)
    if missing and subprocess.call([*install, *missing], env=env) != 0:
        raise SetupError(f"apt-get could not install: {' '.join(missing)}")
    # Optional packages go separately so that their failure cannot block the required ones.
    if missing_optional:
        subprocess.call([*install, *missing_optional], env=env)
    return [name for name in missing_optional if not deb_installed(name)]


# --- b. virtualenv ------------------------------------------------------------------------------


def requirement_files(top: Path) -> list[Path]:
    """The file and every file it includes with -r, in order."""
    files = [top]
    for line in top.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*(?:-r|--requirement)[\s=]+(\S+)", line)
        if match:
            files += requirement_files(top.parent / match.group(1))
    return files


def venv_works() -> bool:
    return (
        VPY.exists()
        and subprocess.call(
            [str(VPY), "-m", "pip", "--version"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        == 0
    )


def ensure_venv(requirements: str) -> None:
    if not venv_works():
        # --clear mends a half-made venv, or one whose interpreter has gone away.
        say(f"Creating {VENV.name} with {sys.executable}")
        check([sys.executable, "-m", "venv", "--clear", str(VENV)], "Creating the virtualenv")
    digest = hashlib.sha256()
    for path in requirement_files(ROOT / requirements):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    stamp = VENV / f".requirements-{digest.hexdigest()}"
    if stamp.exists():
        say(f"Python packages are up to date ({requirements})")
        return
    say(f"Installing Python packages from {requirements}")
    check([VPY, "-m", "pip", "install", "--progress-bar", "off", "-r", requirements], "pip install")
    stamp.touch()


# --- c. Django set-up ---------------------------------------------------------------------------


def compile_messages() -> None:
    if not any(ROOT.glob("locale/*/LC_MESSAGES/*.po")):
        say("No translation catalogs in locale/; nothing to compile")
        return
    # Without --ignore it would walk into .venv and recompile every installed package's catalogs.
    ignored = [arg for folder in (".venv", "var", "node_modules") for arg in ("--ignore", folder)]
    check(manage("compilemessages", *ignored), "compilemessages")


def common_setup(required: list[str], optional: list[str], requirements: str) -> list[str]:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by any python3
        raise SetupError(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    missing_optional = ensure_debs(required, optional)
    ensure_venv(requirements)
    compile_messages()
    return missing_optional


# --- run ----------------------------------------------------------------------------------------


def start(command: list[str]) -> subprocess.Popen:
    print("$", shlex.join(command), flush=True)
    # Its own process group, so that stopping it also stops what it forked (runserver's
    # autoreloader child, Celery's pool and beat).
    return subprocess.Popen(command, cwd=ROOT, env=child_env(), start_new_session=True)


def group_alive(process: subprocess.Popen) -> bool:
    process.poll()  # reap the leader first: its zombie would count as alive
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(process: subprocess.Popen | None, name: str) -> None:
    """Stop a process and everything in its group: SIGTERM (Celery's warm shutdown), then KILL."""
    if process is None or not group_alive(process):
        return
    say(f"Stopping {name}")
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if not group_alive(process):
                return
            time.sleep(0.2)


def cmd_run(extra: list[str]) -> int:
    if extra:
        raise SetupError(f"`run` takes no arguments (got {' '.join(extra)}).")
    common_setup(RUNTIME_DEBS, [], "requirements.txt")
    check(manage("migrate", "--noinput"), "migrate")
    check(manage("load_reference"), "load_reference")
    check(manage("collectstatic", "--noinput", "-v", "0"), "collectstatic")
    print("$", shlex.join(manage("load_demo")), flush=True)
    demo = subprocess.run(
        manage("load_demo"), cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, text=True
    )
    print(demo.stdout, end="", flush=True)
    if demo.returncode != 0:
        raise SetupError("load_demo failed (command above).")

    port = os.environ.get("PORT", "8000")
    worker = None
    server = None
    try:
        if os.environ.get("CELERY_BROKER_URL"):
            (ROOT / "var").mkdir(exist_ok=True)
            worker = start(
                [
                    str(VPY),
                    "-m",
                    "celery",
                    "-A",
                    "zcparks",
                    "worker",
                    "-l",
                    "info",
                    "-B",
                    "--schedule",
                    str(ROOT / "var" / "celerybeat-schedule"),
                ]
            )
        else:
            say("CELERY_BROKER_URL is not set: background tasks run inline, no worker needed")
        print(f"\nzcparks is starting on http://127.0.0.1:{port}/  (Ctrl-C stops it)\n")
        print(demo.stdout, flush=True)
        server = start(manage("runserver", f"127.0.0.1:{port}"))
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(server, "runserver")
        stop(worker, "the Celery worker")


# --- test ---------------------------------------------------------------------------------------


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


CREATE_DB = """
import sys, psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
url = sys.argv[1]
name = conninfo_to_dict(url)["dbname"]
with psycopg.connect(url, dbname="postgres", autocommit=True, connect_timeout=5) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"created database {name}")
"""


def create_base_database(url: str) -> bool:
    say(f"Making sure the database of {url} exists")
    return subprocess.call([str(VPY), "-c", CREATE_DB, url], cwd=ROOT, env=child_env()) == 0


def detect_services() -> list[str]:
    """Point the tests at PostgreSQL and Redis when they answer; return the names that did."""
    available = []
    for name, port, variable, url in (POSTGRES, REDIS):
        if not port_answers(port):
            continue
        os.environ.setdefault(variable, url)
        available.append(name)
    # pytest-django makes test_zcparks itself but connects to the base database first.
    if "postgres" in available and not create_base_database(os.environ["DATABASE_URL"]):
        banner("PostgreSQL answers on 127.0.0.1:5432 but the base database could not be made.")
        available.remove("postgres")
        del os.environ["DATABASE_URL"]
    os.environ["ZCP_SERVICES_AVAILABLE"] = ",".join(available)

    missing = [(name, port) for name, port, *_ in (POSTGRES, REDIS) if name not in available]
    if missing and require_services():
        names = ", ".join(f"{name} (127.0.0.1:{port})" for name, port in missing)
        raise SetupError(f"ZCP_REQUIRE_SERVICES=1 but these did not answer: {names}")
    for name, port in missing:
        rest = "runs on SQLite" if name == "postgres" else "runs Celery tasks inline, as always"
        banner(
            f"{name} does not answer on 127.0.0.1:{port}: tests that need it will be SKIPPED.",
            f"The rest of the suite {rest}.",
        )
    urls = [f"{v}={os.environ[v]}" for v in (POSTGRES[2], REDIS[2]) if v in os.environ]
    say("; ".join([f"Services: {', '.join(available) or 'none'}", *urls]))
    return available


BROWSER_SMOKE = """
import sys
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=sys.argv[1])
    page = browser.new_page()
    page.set_content("<p>ok</p>")
    assert page.inner_text("p") == "ok"
    browser.close()
"""


def ensure_browser(chromium_missing: bool) -> bool:
    """Check that Playwright drives Debian's chromium (it cannot download a browser here)."""
    problem = None
    if chromium_missing or not CHROMIUM.exists():
        problem = f"{CHROMIUM} is not installed"
    else:
        say(f"Checking that Playwright can drive {CHROMIUM}")
        try:
            smoke = subprocess.run(
                [str(VPY), "-c", BROWSER_SMOKE, str(CHROMIUM)],
                cwd=ROOT,
                env=child_env(),
                capture_output=True,
                text=True,
                timeout=120,
            )
            if smoke.returncode != 0:
                problem = f"Playwright could not start {CHROMIUM}:\n{smoke.stderr.strip()[-2000:]}"
        except subprocess.TimeoutExpired:
            problem = f"Playwright did not start {CHROMIUM} within 120 s"
    if problem is None:
        os.environ["ZCP_CHROMIUM"] = str(CHROMIUM)
        return True
    if require_services():
        raise SetupError(f"ZCP_REQUIRE_SERVICES=1 but {problem}")
    banner(problem, "The browser (e2e) tests will be SKIPPED.")
    return False


def run_pytest(args: list[str]) -> tuple[str, str]:
    """Run pytest, echoing its output; return (status, its closing line)."""
    command = [str(VPY), "-m", "pytest", *args]
    print("$", shlex.join(command), flush=True)
    last = ""
    with subprocess.Popen(
        command,
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            if line.strip():
                last = line.strip()
    if process.returncode == 5:
        return "FAILED (no tests were collected)", last
    return ("passed" if process.returncode == 0 else f"FAILED (exit {process.returncode})"), last


def run_pip_audit() -> str:
    """Audit the runtime requirements; a known vulnerability fails the run."""
    command = [
        str(VENV_BIN / "pip-audit"),
        "-r",
        "requirements.txt",
        "-f",
        "json",
        "--progress-spinner",
        "off",
    ]
    print("$", shlex.join(command), flush=True)
    result = subprocess.run(command, cwd=ROOT, env=child_env(), capture_output=True, text=True)
    try:
        dependencies = json.loads(result.stdout)["dependencies"]
    except (ValueError, KeyError):
        print(result.stdout, result.stderr, sep="\n", flush=True)
        return f"FAILED (exit {result.returncode})"
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"  {dep['name']} {dep.get('version', '')}: {vuln['id']} (fixed in {fixed})")
    if vulnerable:
        return f"FAILED ({len(vulnerable)} vulnerable packages)"
    if skipped and len(skipped) == len(dependencies):
        banner(
            "pip-audit could not query its vulnerability service (PyPI's JSON API):",
            f"first answer: {skipped[0]['skip_reason']}",
            "NONE of the requirements were audited for known vulnerabilities.",
        )
        if os.environ.get("ZCP_REQUIRE_AUDIT") == "1":
            return "FAILED (not audited, ZCP_REQUIRE_AUDIT=1)"
        return "NOT AUDITED (vulnerability service unreachable)"
    if skipped:
        for dep in skipped:
            print(f"  {dep['name']}: {dep['skip_reason']}")
        return f"FAILED ({len(skipped)} packages could not be audited)"
    return f"passed ({len(dependencies)} packages, no known vulnerabilities)"


def plain_count(closing: str) -> str:
    """pytest's closing line as a plain 'N passed, N failed, N skipped' line (errors fail)."""
    found = re.findall(r"(\d+) (passed|failed|skipped|errors?)\b", closing)
    counts = {word.rstrip("s") if word.startswith("error") else word: int(n) for n, word in found}
    passed, skipped = counts.get("passed", 0), counts.get("skipped", 0)
    failed = counts.get("failed", 0) + counts.get("error", 0)
    return f"tests: {passed} passed, {failed} failed, {skipped} skipped"


def cmd_test(pytest_args: list[str]) -> int:
    missing_optional = common_setup(
        RUNTIME_DEBS + TEST_DEBS, OPTIONAL_TEST_DEBS, "requirements-dev.txt"
    )
    available = detect_services()
    browser = ensure_browser("chromium" in missing_optional)

    results: list[tuple[str, str]] = []
    if not pytest_args:
        # The whole suite: one pytest-xdist worker a core (at least two, at most four), each test
        # file on one worker (its module-wide data built once); each worker has its own test
        # database and Redis database (tests/conftest.py). Files are handed out in the order they
        # are collected, the longest first (tests/ordering.py), not xdist's default of the files
        # with most tests first, which left the one-test walks of a minute or two to run alone
        # at the end.
        workers = max(2, min(os.cpu_count() or 2, 4))
        pytest_args = ["-n", str(workers), "--dist", "loadfile", "--no-loadscope-reorder"]
    status, closing = run_pytest(pytest_args)
    results.append(("pytest", status))
    code = call([VENV_BIN / "ruff", "check", "."])
    results.append(("ruff check", "passed" if code == 0 else f"FAILED (exit {code})"))

    code = call([VENV_BIN / "ruff", "format", "--check", "."])
    results.append(("ruff format --check", "passed" if code == 0 else f"FAILED (exit {code})"))
    # The import contracts of pyproject.toml: imports run one way (README, "Layout").
    code = call([VENV_BIN / "lint-imports"])
    results.append(("lint-imports", "passed" if code == 0 else f"FAILED (exit {code})"))
    packages = [n for n in ("zcparks", "applications", "accounting") if (ROOT / n).is_dir()]
    code = call([VENV_BIN / "bandit", "-r", *packages, "-lll", "-q"])
    results.append(("bandit (high severity)", "passed" if code == 0 else f"FAILED (exit {code})"))
    results.append(("pip-audit", run_pip_audit()))

    print("\n" + "=" * 78)
    print("Summary of python3 dev.py test")
    print(
        f"  services: {', '.join(available) or 'none (SQLite, inline tasks)'}; "
        f"browser tests: {'chromium' if browser else 'SKIPPED (no chromium)'}"
    )
    for name, status in results:
        print(f"  {name:<24} {status}")
    print(f"  pytest said: {closing}")
    print("=" * 78, flush=True)
    print(plain_count(closing), flush=True)
    return 1 if any(status.startswith("FAILED") for _, status in results) else 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    os.chdir(ROOT)
    # A plain `kill` should stop the children too, the same way Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return cmd_run(argv[1:]) if argv[0] == "run" else cmd_test(argv[1:])
    except SetupError as error:
        banner(str(error))
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted.", flush=True)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
