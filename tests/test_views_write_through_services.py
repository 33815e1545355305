"""Views never write models themselves: every change to a draft or a park-year goes through its
app's door (applications/services.py, applications/workflow.py, accounting/data_entry.py …), where
the frozen-application rules and the recalculation are kept. A view that saves, creates or deletes
a row directly fails this test, naming the file and line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VIEW_MODULES = sorted(
    [
        *(ROOT / "applications" / "views").glob("*.py"),
        ROOT / "applications" / "api" / "views.py",
        ROOT / "accounting" / "views.py",
        ROOT / "accounting" / "api" / "views.py",
    ]
)
# Methods that write whatever they are called on (a model, a form, a formset, a queryset).
WRITING_METHODS = frozenset(
    {
        "save",
        "delete",
        "create",
        "bulk_create",
        "bulk_update",
        "get_or_create",
        "update_or_create",
        "_raw_delete",
        "save_m2m",
    }
)
# ``update`` writes only on a queryset (``Model.objects.filter(...).update(...)``); on a dict or a
# context it does not.
QUERYSET_METHODS = frozenset(
    {
        "objects",
        "filter",
        "exclude",
        "all",
        "select_for_update",
        "select_related",
        "prefetch_related",
        "order_by",
        "only",
        "defer",
        "annotate",
        "using",
    }
)


def _is_queryset(node: ast.expr) -> bool:
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in QUERYSET_METHODS:
                return True
            node = node.value
        else:
            return False


def direct_writes(source: str, filename: str = "<views>") -> list[str]:
    """``file:line: call`` for every ORM write in ``source``."""
    calls = [
        node
        for node in ast.walk(ast.parse(source, filename))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]
    return [
        f"{filename}:{call.lineno}: {ast.unparse(call.func)}()"
        for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset))
        if call.func.attr in WRITING_METHODS
        or (call.func.attr == "update" and _is_queryset(call.func.value))
    ]


def test_the_scan_finds_each_kind_of_direct_write_and_not_a_dict_update():
    source = "\n".join(
        [
            "incident = form.save(commit=False)",
            "incident.save()",
            "Incident.objects.create(application=a)",
            "get_object_or_404(Attachment, pk=1).delete()",
            "Record.objects.bulk_create(rows)",
            "ParkYear.objects.get_or_create(park=p, year=y)",
            "Application.objects.filter(pk=1).update(status='draft')",
            "for instance in formset.save(commit=False): pass",
            "context.update(a=1)",
            "digest.update(b'x')",
            "services.save_section(application, key, content)",
        ]
    )
    writes = direct_writes(source)
    assert [w.split(": ", 1)[1] for w in writes] == [
        "form.save()",
        "incident.save()",
        "Incident.objects.create()",
        "get_object_or_404(Attachment, pk=1).delete()",
        "Record.objects.bulk_create()",
        "ParkYear.objects.get_or_create()",
        "Application.objects.filter(pk=1).update()",
        "formset.save()",
    ]


def test_the_scan_covers_the_views_of_both_apps():
    names = {path.relative_to(ROOT).as_posix() for path in VIEW_MODULES}
    assert {"applications/views/editing.py", "accounting/views.py"} <= names
    assert all(path.is_file() for path in VIEW_MODULES)


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_views_write_no_model_themselves(path: Path):
    assert direct_writes(path.read_text(), path.relative_to(ROOT).as_posix()) == []
