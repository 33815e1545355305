"""The case command (``manage.py evaluate_park``) fed broken files: exit status 1 and exactly one
line ``<place>: <message>`` on stderr, never a traceback; nothing is written to the database."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CASES = Path(__file__).resolve().parents[1] / "accounting" / "acceptance" / "cases"
GOOD = json.loads((CASES / "01-green-medium.json").read_text(encoding="utf-8"))
# The command asks the database for stored factor sets first (none here: the bundled copy).
pytestmark = pytest.mark.django_db
BOUNDED = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def run(path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("evaluate_park", str(path), stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def assert_refused(code: int, out: str, err: str, place: str | None = None) -> str:
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err  # one clear line, no traceback
    assert "Traceback" not in err and ": " in lines[0]
    if place is not None:
        assert lines[0].startswith(f"{place}: "), lines[0]
    return lines[0]


def test_a_good_case_is_evaluated(tmp_path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(GOOD, ensure_ascii=False), encoding="utf-8")

    code, out, _err = run(path)

    assert code == 0 and "intensity" in json.loads(out)


@pytest.mark.parametrize(
    ("key", "shown"),
    [("a\nb", '"a\\nb"'), ("\u2028", '"\\u2028"'), ("x\x85y", '"x\\u0085y"'), ("电力", "电力")],
)
def test_an_unknown_key_with_a_line_break_is_named_on_one_line(tmp_path, key, shown) -> None:
    # Found by the property test below: the key went into the error's place unescaped.
    path = tmp_path / "case.json"
    guiding = {**GOOD["guiding"], key: 1}
    waste = {**GOOD["guiding"], "waste_energy": {key: {"recoverable_tce": 1, "recovered_tce": 1}}}
    for case, place in (
        ({**GOOD, "guiding": guiding}, f"guiding.{shown}"),
        ({**GOOD, "guiding": waste}, f"guiding.waste_energy.{shown}"),
    ):
        path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
        line = assert_refused(*run(path), place=place)
        assert "unknown" in line


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "invalid JSON"),
        (b"{", "invalid JSON"),
        (b"\xff\xfe\x00\x00", "not UTF-8"),
        (b"MZ\x90\x00\x03" + bytes(range(256)), "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a": ' * 50_000 + b"1" + b"}" * 50_000, "nested too deeply"),
        (b"[1, 2, 3]", "must be an object"),
        (b'"zcp-case/1"', "must be an object"),
        (b"null", "must be an object"),
    ],
)
def test_a_broken_file_is_refused_in_one_line_naming_the_file(tmp_path, content, words):
    path = tmp_path / "case.json"
    path.write_bytes(content)

    line = assert_refused(*run(path))

    assert words in line


def test_a_missing_file_or_a_directory_is_refused_naming_it(tmp_path) -> None:
    for path in (tmp_path / "missing.json", tmp_path):
        line = assert_refused(*run(path), place=str(path))
        assert "cannot read" in line


@pytest.mark.parametrize(
    ("change", "place"),
    [
        ({"schema": "zcp-case/2"}, "schema"),
        ({"factor_set": "NO-SUCH-SET"}, "factor_set"),
        ({"factor_set": "../../etc/passwd"}, "factor_set"),
        ({"year": "2025"}, "year"),
        (
            {"electricity": [{"direction": "import", "kind": "grid", "mwh": -1}]},
            "electricity[0].mwh",
        ),
        (
            {"fuels": [{"enterprise": "甲", "fuel": "raw_coal", "use": "end_use", "quantity": 1}]},
            "fuels[0].fuel",
        ),
        (
            {
                "fuels": [
                    {
                        "enterprise": "<script>",
                        "fuel": "diesel",
                        "use": "end_use",
                        "quantity": "0.1234567",
                    }
                ]
            },
            "fuels[0].quantity",
        ),
    ],
)
def test_a_bad_field_is_refused_in_one_line_naming_it(tmp_path, change, place) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({**GOOD, **change}, ensure_ascii=False), encoding="utf-8")

    assert_refused(*run(path), place=place)


@BOUNDED
@given(content=st.binary(max_size=300))
def test_any_bytes_are_refused_in_one_line(tmp_path, content) -> None:
    path = tmp_path / "case.json"
    path.write_bytes(content)

    assert_refused(*run(path))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=15,
)


@BOUNDED
@given(key=st.sampled_from(sorted(GOOD)), value=json_values)
def test_any_value_in_place_of_a_field_is_evaluated_or_refused_in_one_line(tmp_path, key, value):
    path = tmp_path / "case.json"
    path.write_text(json.dumps({**GOOD, key: value}), encoding="utf-8")

    code, out, err = run(path)

    if code == 0:
        assert "intensity" in json.loads(out)
    else:
        assert_refused(code, out, err)
