"""The import contracts of pyproject.toml: kept by the code, and each able to fail.

`lint-imports` runs in `dev.py test` too; running it here makes a broken contract fail pytest
as well. The second test adds one forbidden import to the real import graph and asks the
contract that should notice it, so that a contract loosened into saying nothing fails here.
"""

from __future__ import annotations

import subprocess
import sys
from copy import deepcopy
from pathlib import Path

import grimp
import pytest
from importlinter import api
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract

ROOT = Path(__file__).resolve().parent.parent
TYPES = {
    "forbidden": ForbiddenContract,
    "acyclic_siblings": AcyclicSiblingsContract,
}


def test_every_import_contract_is_kept():
    linter = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.fixture(scope="module")
def configuration():
    return api.read_configuration(str(ROOT / "pyproject.toml"))


@pytest.fixture(scope="module")
def graph(configuration):
    session = configuration["session_options"]
    return grimp.build_graph(
        *session["root_packages"],
        include_external_packages=bool(session.get("include_external_packages")),
        cache_dir=None,
    )


def _contract(configuration, name_start: str):
    session = configuration["session_options"]
    for options in configuration["contracts_options"]:
        if options["name"].startswith(name_start):
            return TYPES[options["type"]](
                name=options["name"], session_options=session, contract_options=options
            )
    raise AssertionError(f"no contract named {name_start!r}…")


@pytest.mark.parametrize(
    ("contract_name", "importer", "imported"),
    [
        ("The accounting method imports no Django", "accounting.method.engine", "django"),
        ("The accounting method imports no Django", "accounting.method.case", "zcparks.numbers"),
        (
            "No other accounting module is below the method",
            "accounting.method.rules",
            "accounting.models",
        ),
        (
            "accounting imports from applications only",
            "accounting.views",
            "applications.permissions",
        ),
        (
            "accounting imports from applications only",
            "accounting.models.data",
            "applications.workflow",
        ),
        (
            "The park kernel and applications' models import no accounting",
            "applications.kernel.scope",
            "accounting.services",
        ),
        (
            "applications' models import nothing else",
            "applications.models.applications",
            "applications.views",
        ),
        (
            "The park kernel imports nothing else",
            "applications.kernel.tokens",
            "applications.access",
        ),
        ("The shared package imports no app", "zcparks.numbers", "applications.models"),
        ("The shared package imports no app", "zcparks.api.errors", "accounting.api"),
        # A cycle closed by an import inside a function is still a cycle.
        ("No module cycles", "accounting.services", "accounting.tasks"),
        ("No module cycles", "applications.permissions", "applications.workflow"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    configuration, graph, contract_name, importer, imported
):
    contract = _contract(configuration, contract_name)
    # Contracts may change the graph they check (lint-imports gives each a copy too).
    assert contract.check(deepcopy(graph), verbose=False).kept, "the real code keeps it"
    changed = deepcopy(graph)
    changed.add_import(importer=importer, imported=imported)
    assert not contract.check(changed, verbose=False).kept
