"""Hostile and broken `zcp-case/1` input fed to the accounting engine.

Whatever arrives (from a form, an import, the API or the case command ends up here), the engine
either calculates or refuses with one ``CaseError`` whose path names the bad field; it never
raises anything else (no KeyError, TypeError, decimal.Overflow …).
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounting.method.case import MAX_PLACES, MAX_VALUE, CaseError, parse_case
from accounting.method.engine import dumps, evaluate
from accounting.method.factor_set import bundled_factor_set

CASES = Path(__file__).resolve().parents[1] / "accounting" / "acceptance" / "cases"
FACTOR_SET = bundled_factor_set("ZCP-2025-trial")
BOUNDED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _base_case() -> dict[str, Any]:
    """A valid case with every list and every guiding indicator present."""
    case = json.loads((CASES / "01-green-medium.json").read_text(encoding="utf-8"))
    case["fuels"].append(
        {"enterprise": "炼化厂", "fuel": "crude_oil", "use": "transformation_input", "quantity": 10}
    )
    case["heat"].append(
        {"direction": "import", "kind": "fossil", "gj": 500, "factor_tco2_per_gj": "0.09"}
    )
    case["processes"].append(
        {"product": "水泥熟料", "tonnes": 100, "factor_tco2_per_t": "0.52", "basis": "企业实测"}
    )
    return case


BASE = _base_case()


def _numeric_paths(case: dict[str, Any]) -> list[tuple[str, ...]]:
    paths: list[tuple] = []
    for section, keys in (
        ("fuels", ("quantity",)),
        ("electricity", ("mwh",)),
        ("generation", ("mwh",)),
        ("heat", ("gj", "factor_tco2_per_gj")),
        ("processes", ("tonnes", "factor_tco2_per_t")),
    ):
        for i, _row in enumerate(case[section]):
            paths.extend((section, i, key) for key in keys)
    guiding = case["guiding"]
    paths += [("guiding", "solid_waste", k) for k in guiding["solid_waste"]]
    paths += [("guiding", "water", k) for k in guiding["water"]]
    for kind, values in guiding["waste_energy"].items():
        paths += [("guiding", "waste_energy", kind, k) for k in values]
    paths += [("guiding", "product_energy", 0, k) for k in ("actual", "level2_limit")]
    return paths


NUMERIC_PATHS = _numeric_paths(BASE)
TEXT_PATHS = [
    ("park", "name"),
    ("fuels", 0, "enterprise"),
    ("generation", 0, "source"),
    ("processes", 0, "product"),
    ("processes", 0, "basis"),
    ("guiding", "product_energy", 0, "product"),
]


def _dotted(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _with(case: dict[str, Any], path: tuple, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(case)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


def _evaluate_or_refuse(case: Any) -> CaseError | None:
    """Evaluate; a refusal is returned, any other exception fails the test."""
    try:
        result = evaluate(case, FACTOR_SET)
    except CaseError as error:
        assert error.message and str(error).startswith(error.path)
        return error
    # A result must always be writable as exact JSON (no NaN, no float noise).
    json.loads(dumps(result.to_full_dict()))
    return None


def test_the_base_case_used_below_is_valid() -> None:
    assert _evaluate_or_refuse(BASE) is None


hostile_numbers = st.one_of(
    st.decimals(max_value=Decimal("-0.000001"), allow_nan=False, allow_infinity=False),
    st.integers(max_value=-1),
    st.integers(min_value=int(MAX_VALUE) + 1),
    st.decimals(min_value=MAX_VALUE + 1, allow_nan=False, allow_infinity=False, places=0),
    st.floats(max_value=-1e-6, allow_nan=False),
    st.sampled_from(
        [
            True,
            False,
            "",
            "abc",
            "12,5",
            "1 000",
            "0x10",
            "NaN",
            "Infinity",
            "-1",
            "1e16",
            "0.1234567",
            "0.30000000000000004",
            float("nan"),
            float("inf"),
            float("-inf"),
            Decimal("NaN"),
            Decimal("sNaN"),
            Decimal("Infinity"),
            [],
            [1],
            {},
            {"value": 1},
            "<script>alert(1)</script>",
        ]
    ),
    # Too many decimals: seven or more places that are not trailing zeros.
    st.integers(min_value=1, max_value=10**9).map(
        lambda n: Decimal(n).scaleb(-(MAX_PLACES + 1)) if n % 10 else Decimal(n + 1).scaleb(-7)
    ),
)


@BOUNDED
@given(path=st.sampled_from(NUMERIC_PATHS), value=hostile_numbers)
def test_a_hostile_number_in_any_numeric_field_is_refused_naming_that_field(path, value) -> None:
    error = _evaluate_or_refuse(_with(BASE, path, value))

    assert error is not None, f"{_dotted(path)} accepted {value!r}"
    assert error.path == _dotted(path)


def test_the_messages_say_what_is_wrong_with_the_number() -> None:
    path = ("electricity", 0, "mwh")
    cases = {
        -1: "must not be negative",
        "1e16": f"must not exceed {MAX_VALUE:f}",
        "0.1234567": f"must have at most {MAX_PLACES} decimal places",
        "abc": "must be a number",
        True: "must be a number",
        float("nan"): "must be a finite number",
    }
    for value, message in cases.items():
        error = _evaluate_or_refuse(_with(BASE, path, value))
        assert str(error) == f"electricity[0].mwh: {message}"


valid_numbers = st.one_of(
    st.integers(min_value=0, max_value=int(MAX_VALUE)),
    st.decimals(min_value=0, max_value=MAX_VALUE, places=MAX_PLACES, allow_nan=False),
    st.sampled_from([0, "0", "0.000001", "1e15", "999999999999999.999999", 0.1, 1e-6]),
)


@BOUNDED
@given(values=st.lists(valid_numbers, min_size=len(NUMERIC_PATHS), max_size=len(NUMERIC_PATHS)))
def test_any_in_range_numbers_either_calculate_or_are_refused_by_name(values) -> None:
    # Enormous but allowed quantities everywhere: no Overflow, no division by zero, no 500.
    case = BASE
    for path, value in zip(NUMERIC_PATHS, values, strict=True):
        case = _with(case, path, value)

    error = _evaluate_or_refuse(case)

    if error is not None:
        # Only the guiding rates may be refused (a used part above its total, or a zero
        # total), and energy consumption below zero: exports above all use (D11).
        assert error.path.startswith("guiding.") or error.path == "energy", str(error)


unknown_codes = st.text(min_size=0, max_size=30).filter(lambda s: s not in FACTOR_SET.fuels)


@BOUNDED
@given(code=st.one_of(unknown_codes, st.integers(), st.none(), st.booleans()))
def test_an_unknown_fuel_code_is_refused_naming_the_row(code) -> None:
    error = _evaluate_or_refuse(_with(BASE, ("fuels", 1, "fuel"), code))

    assert error is not None
    assert error.path == "fuels[1].fuel"


@BOUNDED
@given(
    path=st.sampled_from(
        [
            ("fuels", 0, "use"),
            ("electricity", 1, "direction"),
            ("electricity", 1, "kind"),
            ("heat", 0, "direction"),
            ("heat", 0, "kind"),
        ]
    ),
    value=st.one_of(st.text(max_size=20), st.integers(), st.none(), st.lists(st.text())),
)
def test_an_unknown_choice_is_refused_with_the_allowed_values(path, value) -> None:
    case = _with(BASE, path, value)
    if value in ("end_use", "import", "export", "grid", "fossil", "non_fossil"):
        return  # a valid choice drawn by chance (e.g. "fossil" as heat kind)

    error = _evaluate_or_refuse(case)

    assert error is not None
    assert error.path == _dotted(path)
    assert "must be one of" in error.message


def test_raw_coal_is_refused_with_the_split_message() -> None:
    error = _evaluate_or_refuse(_with(BASE, ("fuels", 0, "fuel"), "raw_coal"))

    assert str(error).startswith("fuels[0].fuel: raw coal must be split into anthracite")


@BOUNDED
@given(
    path=st.sampled_from(TEXT_PATHS),
    value=st.one_of(
        st.just(""),
        st.just("   "),
        st.none(),
        st.integers(),
        st.text(min_size=2001, max_size=2100),
        st.lists(st.text(), max_size=2),
    ),
)
def test_an_empty_or_oversized_text_is_refused_naming_the_field(path, value) -> None:
    error = _evaluate_or_refuse(_with(BASE, path, value))

    assert error is not None
    assert error.path == _dotted(path)


@pytest.mark.parametrize(
    "text", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "'; DROP TABLE x;--"]
)
def test_markup_in_text_fields_is_kept_verbatim_as_data_not_interpreted(text) -> None:
    # The engine stores text as given; escaping is the job of whatever renders it (see the
    # test_bad_input_* page tests). It must not crash on it or lose it.
    case = _with(_with(BASE, ("fuels", 0, "enterprise"), text), ("park", "name"), text)

    result = evaluate(case, FACTOR_SET)

    assert text in {line.enterprise for line in result.trace}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
CASE_KEYS = [
    "schema",
    "park",
    "year",
    "factor_set",
    "fuels",
    "electricity",
    "generation",
    "heat",
    "processes",
    "guiding",
]


@BOUNDED
@given(value=json_values)
def test_any_json_document_is_refused_cleanly(value) -> None:
    assert _evaluate_or_refuse(value) is not None


@BOUNDED
@given(key=st.sampled_from(CASE_KEYS), value=json_values)
def test_any_json_in_place_of_a_top_level_field_calculates_or_is_refused_cleanly(key, value):
    _evaluate_or_refuse(_with(BASE, (key,), value))


@BOUNDED
@given(
    section=st.sampled_from(["fuels", "electricity", "generation", "heat", "processes"]),
    row=st.dictionaries(
        st.sampled_from(
            [
                "enterprise",
                "fuel",
                "use",
                "quantity",
                "direction",
                "kind",
                "mwh",
                "source",
                "fossil",
                "gj",
                "factor_tco2_per_gj",
                "product",
                "tonnes",
                "factor_tco2_per_t",
                "basis",
            ]
        ),
        json_values,
        max_size=8,
    ),
)
def test_any_broken_row_is_refused_naming_that_row(section, row) -> None:
    case = copy.deepcopy(BASE)
    case[section].insert(0, row)

    error = _evaluate_or_refuse(case)

    if error is not None:
        assert error.path.startswith(f"{section}[0]")


@BOUNDED
@given(
    guiding=st.dictionaries(
        st.sampled_from(["solid_waste", "waste_energy", "water", "product_energy", "other"]),
        json_values,
        max_size=4,
    )
)
def test_any_broken_guiding_block_is_refused_naming_the_indicator(guiding) -> None:
    error = _evaluate_or_refuse(_with(BASE, ("guiding",), guiding))

    if error is not None:
        assert error.path.startswith("guiding")


def test_a_case_that_is_not_an_object_is_refused() -> None:
    for value in (None, [], "zcp-case/1", 1, b"{}"):
        with pytest.raises(CaseError) as caught:
            parse_case(value)
        assert caught.value.path == "case"
