"""The recalculation reads the case typed from the database (stored_case.read_case) and stores
its trace in chunks (trace_store): both must give exactly what the slower, plainer way gives."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounting import services, stored_case, stored_factor_sets, trace_store
from accounting.case_upload import parse_case_file
from accounting.data_entry import replace_data
from accounting.method import digest
from accounting.method.case import CaseError, check_stored, parse_case
from accounting.method.digest import ROW_SECTIONS, parsed_digest
from accounting.method.engine import evaluate, evaluate_parsed
from accounting.models import (
    CalculationRun,
    FuelRecord,
    HeatRecord,
    ParkYear,
    RunStatus,
    TraceChunk,
)

from .conftest import VALID_CASES, load_case

pytestmark = pytest.mark.django_db


def monthly(case: dict, months: int = 3) -> dict:
    """The case with every fuel, electricity and heat row split into ``months`` equal rows."""
    split = dict(case)
    for section, amount in (("fuels", "quantity"), ("electricity", "mwh"), ("heat", "gj")):
        rows = []
        for row in case.get(section, []):
            part = Decimal(str(row[amount])) / months
            rows.extend({**row, amount: part.quantize(Decimal("0.000001"))} for _ in range(months))
        split[section] = rows
    return split


def stored(cast, case: dict, year: int = 2025) -> ParkYear:
    park_year = ParkYear.objects.create(park=cast.park_a, year=year)
    content = json.dumps(case, ensure_ascii=False, default=str).encode()
    replace_data(park_year, parse_case_file(content, year=year))
    return park_year


@pytest.mark.parametrize("path", VALID_CASES, ids=lambda p: p.stem)
def test_read_case_is_exactly_the_parsed_case_dict(cast, trial_set, path):
    case = monthly(load_case(path))
    park_year = stored(cast, case)
    code = stored_case.effective_factor_set_code(park_year)
    fuels = stored_factor_sets.resolve_factor_set(code).fuels
    typed = stored_case.read_case(park_year, code)
    counted = {section: getattr(typed, section) for section in ROW_SECTIONS}
    # Each row says how many stored records it sums (the case dict cannot say so).
    for section in ROW_SECTIONS:
        assert sum(r.rows for r in counted[section]) == len(case.get(section, []))
    assert all(r.rows >= 3 for r in typed.fuels + typed.electricity + typed.heat)
    once = {s: tuple(r._replace(rows=1) for r in rows) for s, rows in counted.items()}
    assert replace(typed, **once) == parse_case(stored_case.build_case(park_year), fuels)
    assert parsed_digest(typed) == services.engine.case_digest(stored_case.build_case(park_year))
    # Sums of the monthly rows: one row per key, as many as the case had.
    assert len(typed.fuels) == len(load_case(path).get("fuels", []))


@pytest.mark.postgres
def test_the_database_and_python_sums_agree(cast, trial_set):
    park_year = stored(cast, monthly(load_case(VALID_CASES[2]), months=12))
    in_database = stored_case._stored_groups(park_year, in_database=True)
    assert in_database == stored_case._stored_groups(park_year, in_database=False)
    assert sum(len(rows) for rows in in_database) > 10
    # (…, total, records): exact Decimals, and the twelve monthly records of each key.
    assert all(isinstance(row[-2], Decimal) for rows in in_database for row in rows)
    assert {row[-1] for row in in_database[0]} == {12}


def test_park_level_rows_keep_their_label_and_measured_heat_factors_group_apart(cast, trial_set):
    case = load_case(VALID_CASES[0])
    case["heat"] = [
        {"direction": "import", "kind": "fossil", "gj": "10", "factor_tco2_per_gj": "0.1"},
        {"direction": "import", "kind": "fossil", "gj": "5", "factor_tco2_per_gj": "0.1"},
        {"direction": "import", "kind": "fossil", "gj": "7"},
    ]
    park_year = stored(cast, case)
    heat = stored_case.read_case(park_year, "ZCP-2025-trial").heat
    assert [(h.enterprise, h.gj, h.factor) for h in heat] == [
        ("_park", Decimal(15), Decimal("0.1")),
        ("_park", Decimal(7), None),
    ]


def test_the_run_is_the_engines_result_of_the_case(cast, trial_set):
    case = monthly(load_case(VALID_CASES[1]))
    park_year = stored(cast, case)
    run = services.recalculate(park_year.pk)
    factor_set = stored_factor_sets.resolve_factor_set(run.factor_set_code)
    assert run.status == RunStatus.SUCCEEDED
    # The same numbers as the stored monthly records, one case row each, summed by the engine …
    plain = evaluate(stored_case.build_case(park_year, monthly=True), factor_set)
    assert Decimal(run.result["intensity"]) == plain.intensity
    full = plain.to_full_dict()
    assert run.result["breakdowns"] == services._text(full["breakdowns"])
    # … and the stored trace is the engine's, line for line, with the records each line sums.
    direct = evaluate_parsed(stored_case.read_case(park_year, run.factor_set_code), factor_set)
    assert run.trace_lines == len(direct.trace) == len(plain.trace) == len(run.trace["rows"])
    numbers = ("quantity", "factor_value", "amount")
    for line, row in zip(direct.trace, run.trace["rows"], strict=True):
        stored_line = dict(zip(run.trace["columns"], row, strict=True))
        assert {k: v for k, v in stored_line.items() if k not in numbers} == {
            k: v for k, v in line.to_dict().items() if k not in numbers
        }
        for name in numbers:  # exact, in plain digits
            assert "E" not in stored_line[name]
            assert Decimal(stored_line[name]) == getattr(line, name)
    fuel_lines = [line for line in direct.trace if line.section == "fuels"]
    assert fuel_lines and all(line.rows == 3 for line in fuel_lines)


def test_a_fuel_the_factor_set_in_force_does_not_know_fails_the_run_naming_the_row(cast, trial_set):
    park_year = stored(cast, load_case(VALID_CASES[0]))
    FuelRecord.objects.filter(park_year=park_year).update(fuel="plutonium")
    run = services.recalculate(park_year.pk)
    assert run.status == RunStatus.FAILED
    assert run.error == 'fuels[0].fuel：因子集 ZCP-2025-trial 中没有能源品种 "plutonium"'
    assert run.trace is None and not TraceChunk.objects.filter(run=run).exists()


def test_sums_above_the_bound_fail_the_run_naming_the_row(cast, trial_set):
    case = load_case(VALID_CASES[0])
    case["heat"] = [{"direction": "import", "kind": "fossil", "gj": "900000000000000"}] * 2
    park_year = stored(cast, case)
    assert HeatRecord.objects.filter(park_year=park_year).count() == 2
    run = services.recalculate(park_year.pk)
    assert run.status == RunStatus.FAILED
    assert run.error == "heat[0].gj：不得超过1000000000000000"


def test_check_stored_refuses_raw_coal_and_unknown_uses():
    parsed = parse_case(load_case(VALID_CASES[0]))
    fuels = dict.fromkeys(["natural_gas", "diesel", "raw_coal"])
    coal = replace(parsed, fuels=(parsed.fuels[0]._replace(fuel="raw_coal"),))
    with pytest.raises(CaseError, match=r"^fuels\[0\]\.fuel: raw coal must be split"):
        check_stored(coal, fuels)
    # Of several bad rows, the first is named, whatever order the distinct labels come in.
    good = parsed.fuels[0]._replace(fuel="diesel")
    bad = [good._replace(fuel=name) for name in ("uranium", "thorium", "plutonium")]
    mixed = replace(parsed, fuels=(good, good, bad[0], bad[1], good, bad[2]))
    with pytest.raises(CaseError, match=r'^fuels\[2\]\.fuel: unknown fuel "uranium"'):
        check_stored(mixed, fuels)
    odd = replace(parsed, fuels=(parsed.fuels[0]._replace(fuel="diesel", use="export"),))
    with pytest.raises(CaseError, match=r"^fuels\[0\]\.use: must be one of end_use"):
        check_stored(odd, fuels)


# --- the trace store ---------------------------------------------------------------------------


FACTOR = Decimal("0.1229")  # one object for every line, as the engine uses one per factor


def full_rows(n: int, factor: Decimal = FACTOR) -> list[list]:
    return [
        ["energy" if i % 2 else "electricity", "electricity", f"企业{i % 7}", "electricity",
         "import", "grid", 12, Decimal(i) / 8, "MWh", "electricity_equal_value",
         factor, "tce/MWh", "Att.4 等价值", 1, Decimal(i) / 8 * factor,
         "tce" if i % 2 else "tCO2"]
        for i in range(n)
    ]  # fmt: skip


def test_pack_keeps_each_kind_once_and_unpack_gives_the_rows_back():
    rows = full_rows(2500)
    factors, chunks, count = trace_store.pack(rows)
    assert count == 2500 and len(chunks) == 3 and len(factors) == 2
    back = [row for chunk in chunks for row in trace_store.unpack(factors, chunk)]
    assert back == [[str(v) if isinstance(v, Decimal) else v for v in row] for row in rows]
    # Equal factors in separate objects cost a kind each, and come back the same.
    copies = [[*row[:10], Decimal("0.1229"), *row[11:]] for row in rows[:50]]
    factors, chunks, _ = trace_store.pack(copies)
    assert len(factors) == 50
    assert trace_store.unpack(factors, chunks[0]) == back[:50]


def test_exponent_decimals_are_written_in_plain_digits_and_amounts_worked_out_exactly():
    row = full_rows(1)[0]
    row[7], row[10] = Decimal("1E-7"), Decimal("0E-10")
    row[14] = row[7] * row[10]  # the engine's amount: 0E-17
    factors, chunks, _ = trace_store.pack([row])
    (back,) = trace_store.unpack(factors, chunks[0])
    assert (back[7], back[10], back[14]) == ("0.0000001", "0.0000000000", "0.00000000000000000")
    # Long products come back digit for digit, signs included.
    row = full_rows(1)[0]
    row[7], row[10], row[13] = Decimal("123456.654321"), Decimal("0.0000123456789012"), -1
    row[14] = -(row[7] * row[10])
    factors, chunks, _ = trace_store.pack([row])
    (back,) = trace_store.unpack(factors, chunks[0])
    assert back[14] == str(row[14]) and Decimal(back[14]) == row[14]


def test_trace_view_reads_only_the_chunks_a_slice_needs(cast, trial_set, django_assert_num_queries):
    park_year = ParkYear.objects.create(park=cast.park_a, year=2025)
    rows = full_rows(2345)
    factors, chunks, count = trace_store.pack(rows)
    run = CalculationRun.objects.create(
        park_year=park_year, status=RunStatus.SUCCEEDED, trace_factors=factors,
        trace_lines=count, started_at="2025-01-01T00:00Z", finished_at="2025-01-01T00:00Z",
        duration_ms=1,
    )  # fmt: skip
    services._store_chunks(run, chunks)
    expected = [[str(v) if isinstance(v, Decimal) else v for v in row] for row in rows]
    view = run.trace_view()
    with django_assert_num_queries(1):
        assert view[990:1010] == expected[990:1010]  # across two chunks: one query
    with django_assert_num_queries(0):
        assert view[995] == expected[995] and view[-1005] == expected[-1005]
    with django_assert_num_queries(1):
        assert view[-1] == expected[-1]
    assert len(view) == 2345 and view[5000:6000] == [] and view[::1000] == expected[::1000]
    assert view[::-500] == expected[::-500] and view[1500:900:-7] == expected[1500:900:-7]
    with pytest.raises(IndexError):
        view[2345]
    assert CalculationRun.objects.get(pk=run.pk).trace["rows"] == expected


def test_the_digest_tells_apart_texts_that_only_split_differently():
    def case(enterprise: str, source: str) -> dict:
        row = {"enterprise": enterprise, "source": source, "fossil": False, "mwh": 1}
        return {"schema": "zcp-case/1", "park": {"name": "P"}, "year": 2025,
                "factor_set": "ZCP-2025-trial", "generation": [row]}  # fmt: skip

    digests = {
        services.engine.case_digest(case("A|B", "C")),
        services.engine.case_digest(case("A", "B|C")),
        services.engine.case_digest(case("A\nB", "C")),
        services.engine.case_digest(case("A", "B\nC")),
    }
    assert len(digests) == 4
    # While the same quantity spelled differently is the same case.
    spelled = case("A", "B")
    spelled["generation"][0]["mwh"] = "1.000"
    assert services.engine.case_digest(spelled) == services.engine.case_digest(case("A", "B"))


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.decimals(min_value=0, max_value=10**15, allow_nan=False, places=6),
            st.builds(Decimal, st.sampled_from(["0E-10", "1E+3", "2.50E-7", "100.000", "0.0"])),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_the_quick_spelling_of_numbers_is_the_canonical_one(values):
    assert digest._numbers(tuple(values)) == [digest._field(v) for v in values]


def test_a_published_sets_engine_form_is_read_once(trial_set, django_assert_num_queries):
    first = stored_factor_sets.to_engine(trial_set)
    with django_assert_num_queries(0):
        assert stored_factor_sets.to_engine(trial_set) is first
    # A draft is always read afresh: it may still change.
    draft = stored_factor_sets.copy_as_draft(trial_set)
    with django_assert_num_queries(2):
        assert stored_factor_sets.to_engine(draft).fuels.keys() == first.fuels.keys()


def test_a_park_year_without_energy_rows_stores_an_empty_trace(cast, trial_set):
    park_year = ParkYear.objects.create(park=cast.park_a, year=2025)
    run = services.recalculate(park_year.pk)
    assert run.status == RunStatus.SUCCEEDED and "no_energy_consumption" in run.result["flags"]
    assert run.trace == {"columns": trace_store.TRACE_COLUMNS, "rows": []}
    assert run.trace_lines == 0 and not run.trace_chunks.exists()
