"""Factor-set CSV files: one set of rules for both doors.

The bundled loader (``load_factor_set_from_csv``) stops at the first problem; the administrator's
upload (``create_draft_from_csv``) lists every problem in the user's language. Both must refuse
the same file for the same reason, at the same row and column, and read a good file alike.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from django.utils import translation

from accounting import stored_factor_sets
from accounting.method import factor_set as fs
from accounting.method.factor_set import REFERENCE_DIR, FactorSetError, load_factor_set_from_csv
from accounting.models import FactorParameter, FactorSetVersion, FuelFactor

TRIAL = REFERENCE_DIR / "ZCP-2025-trial"
FACTORS = (TRIAL / "factors.csv").read_text(encoding="utf-8")
PARAMETERS = (TRIAL / "parameters.csv").read_text(encoding="utf-8")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _write(folder: Path, factors: str, parameters: str) -> tuple[Path, Path]:
    f, p = folder / "factors.csv", folder / "parameters.csv"
    f.write_bytes(factors.encode("utf-8"))
    p.write_bytes(parameters.encode("utf-8"))
    return f, p


def _refused_by_bundled_loader(folder: Path, factors: str, parameters: str) -> FactorSetError:
    with pytest.raises(FactorSetError) as caught:
        load_factor_set_from_csv(*_write(folder, factors, parameters), "X", 1, 2025)
    return caught.value


def _upload(factors: str, parameters: str) -> FactorSetVersion:
    return stored_factor_sets.create_draft_from_csv(
        code="ZCP-2026",
        year=2026,
        title_zh="2026",
        title_en="",
        factors=factors.encode("utf-8"),
        factors_name="factors.csv",
        parameters=parameters.encode("utf-8"),
        parameters_name="parameters.csv",
    )


def _refused_by_upload(factors: str, parameters: str) -> list[stored_factor_sets.CsvError]:
    with pytest.raises(stored_factor_sets.FactorCsvInvalid) as caught:
        _upload(factors, parameters)
    assert not FactorSetVersion.objects.exists()
    assert not FuelFactor.objects.exists() and not FactorParameter.objects.exists()
    return caught.value.errors


# file, (old, new) in that file, then where and why both doors must refuse it.
BAD_FILES = {
    "negative factor": (
        "factors",
        (
            "anthracite,无烟煤,anthracite,coal,t,0.7143,",
            "anthracite,无烟煤,anthracite,coal,t,-0.7,",
        ),
        (2, "tce_per_unit", "not_positive", "须大于 0"),
    ),
    "factor with more places than stored": (
        "factors",
        ("lignite,coal,t,0.7143,11.9,", "lignite,coal,t,0.7143,11.90000000001,"),
        (5, "ncv_gj_per_unit", "too_many_places", "最多 10 位小数"),
    ),
    "factor too large to store": (
        "factors",
        ("coke,coal,t,0.9714,", "coke,coal,t,1e14,"),
        (7, "tce_per_unit", "too_many_digits", "整数部分最多 14 位"),
    ),
    "factor that is no number": (
        "factors",
        ("coke,coal,t,0.9714,", "coke,coal,t,0.97x,"),
        (7, "tce_per_unit", "not_decimal", "“0.97x”不是十进制数"),
    ),
    "duplicate fuel code": (
        "factors",
        ("coke,焦炭,coke,", "washed_coal,焦炭,coke,"),
        (7, "code", "duplicate_code", "代码重复：washed_coal"),
    ),
    "missing column": (
        "factors",
        (",clean,source\n", ",clean\n"),
        (1, "", "header", "表头须为 " + ",".join(fs.FUEL_COLUMNS)),
    ),
    "cell too long for the csv module": (
        "factors",
        ('"tce: GB/T 2589-2020 raw coal 0.7143', '"' + "x" * 200_000),
        (2, "", "not_csv", "不是有效的 CSV 文件：field larger than field limit (131072)"),
    ),
    "fuel code longer than its column": (
        "factors",
        ("coke,焦炭,coke,", "c" * 65 + ",焦炭,coke,"),
        (7, "code", "too_long", "最多 64 个字符"),
    ),
    "fuel name longer than its column (counted in characters)": (
        "factors",
        ("coke,焦炭,coke,", "coke," + "焦" * 101 + ",coke,"),
        (7, "name_zh", "too_long", "最多 100 个字符"),
    ),
    "fuel unit longer than its column": (
        "factors",
        ("anthracite,coal,t,0.7143,", "anthracite,coal," + "t" * 33 + ",0.7143,"),
        (2, "unit", "too_long", "最多 32 个字符"),
    ),
    "NUL in a fuel source": (
        "factors",
        ('"tce: GB/T 2589-2020 raw coal', '"tce: GB/T 2589-2020\x00 raw coal'),
        (2, "source", "nul_character", "不能包含空字符（NUL）"),
    ),
    "parameter key longer than its column": (
        "parameters",
        ("co2_per_c,", "k" * 65 + ","),
        (9, "key", "too_long", "最多 64 个字符"),
    ),
    "parameter unit longer than its column": (
        "parameters",
        ("heat_tce,0.03412,tce/GJ,", "heat_tce,0.03412," + "u" * 33 + ","),
        (7, "unit", "too_long", "最多 32 个字符"),
    ),
    "NUL in a parameter source": (
        "parameters",
        ('"GB/T 2589-2020"\n', '"GB/T\x00 2589-2020"\n'),
        (7, "source", "nul_character", "不能包含空字符（NUL）"),
    ),
    "NUL in a number is refused once, as no number": (
        "parameters",
        ("heat_tce,0.03412,", "heat_tce,0.03\x00412,"),
        (7, "value", "not_decimal", "“0.03\x00412”不是十进制数"),
    ),
    "negative parameter": (
        "parameters",
        ("heat_tce,0.03412,", "heat_tce,-0.03412,"),
        (7, "value", "negative", "不得为负数"),
    ),
    "parameter with more places than stored": (
        "parameters",
        ("heat_tce,0.03412,", "heat_tce,0.03412000001,"),
        (7, "value", "too_many_places", "最多 10 位小数"),
    ),
    "missing parameter": (
        "parameters",
        ('heat_tce,0.03412,tce/GJ,"GB/T 2589-2020"\n', ""),
        (9, "key", "missing_parameter", "缺少参数 heat_tce"),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_both_doors_refuse_a_bad_file_by_the_same_rule_at_the_same_cell(tmp_path, case):
    file, (old, new), (row, column, code, words) = case
    factors = _edit(FACTORS, old, new) if file == "factors" else FACTORS
    parameters = _edit(PARAMETERS, old, new) if file == "parameters" else PARAMETERS

    error = _refused_by_bundled_loader(tmp_path, factors, parameters)
    listed = _refused_by_upload(factors, parameters)

    path = str(tmp_path / f"{file}.csv")
    assert [(p.file, p.row, p.column, p.code) for p in error.problems] == [
        (path, row, column, code)
    ]
    with translation.override("zh-hans"):
        assert [(e.file, e.row, e.column, e.message) for e in listed] == [
            (f"{file}.csv", row, column, words)
        ]


@pytest.mark.django_db
def test_the_upload_lists_every_problem_while_the_bundled_loader_stops_at_the_first(tmp_path):
    factors = _edit(FACTORS, "anthracite,coal,", "anthracite,rock,")  # row 2
    factors = _edit(factors, ",11.9,28.0,0.96,", ",11.9,28.0,1.5,")  # row 5
    factors = _edit(factors, "coke,coal,t,0.9714,", "coke,coal,t,-1,")  # row 7
    parameters = _edit(
        PARAMETERS, "electricity_fossil_factor,0.8325,", "electricity_fossil_factor,,"
    )

    error = _refused_by_bundled_loader(tmp_path, factors, parameters)
    listed = _refused_by_upload(factors, parameters)

    assert [(p.row, p.column, p.code) for p in error.problems] == [
        (2, "category", "not_a_category")
    ]
    assert [(e.file, e.row, e.column) for e in listed] == [
        ("factors.csv", 2, "category"),
        ("factors.csv", 5, "oxidation"),
        ("factors.csv", 7, "tce_per_unit"),
        ("parameters.csv", 2, "value"),
    ]


@pytest.mark.django_db
def test_the_upload_lists_every_cell_the_database_could_not_store(tmp_path):
    factors = _edit(
        FACTORS, "anthracite,coal,t,0.7143,", "anthracite,coal," + "t" * 33 + ",0.7143,"
    )
    factors = _edit(factors, '"tce: GB/T 2589-2020 raw coal', '"tce: GB/T 2589-2020\x00 raw coal')
    factors = _edit(factors, "coke,焦炭,coke,coal,t,0.9714,", "c" * 65 + ",焦炭,coke,coal,t,-1,")
    factors = _edit(
        factors,
        "coke_oven_gas,焦炉煤气,coke oven gas,",
        "coke_oven_gas,焦炉煤气," + "g" * 101 + ",",
    )
    parameters = _edit(PARAMETERS, "heat_tce,0.03412,tce/GJ,", "heat_tce,0.03412," + "u" * 33 + ",")

    error = _refused_by_bundled_loader(tmp_path, factors, parameters)
    listed = _refused_by_upload(factors, parameters)

    assert [(p.row, p.column, p.code) for p in error.problems] == [(2, "unit", "too_long")]
    assert [(e.file, e.row, e.column) for e in listed] == [
        ("factors.csv", 2, "unit"),
        ("factors.csv", 2, "source"),
        ("factors.csv", 7, "tce_per_unit"),  # the other rules still run on a too-long row
        ("factors.csv", 7, "code"),
        ("factors.csv", 8, "name_en"),
        ("parameters.csv", 7, "unit"),
    ]


@pytest.mark.django_db
def test_each_door_names_file_row_and_column_in_its_message(tmp_path):
    factors = _edit(FACTORS, "lignite,coal,t,0.7143,11.9,", "lignite,coal,t,0.7143,11.90000000001,")

    error = _refused_by_bundled_loader(tmp_path, factors, PARAMETERS)
    with translation.override("zh-hans"):
        [chinese] = [str(e) for e in _refused_by_upload(factors, PARAMETERS)]
    with translation.override("en"):
        [english] = [str(e) for e in _refused_by_upload(factors, PARAMETERS)]

    assert str(error) == (
        f"{tmp_path / 'factors.csv'}: row 5, column ncv_gj_per_unit: at most 10 decimal places"
    )
    assert chinese == "factors.csv 第 5 行，ncv_gj_per_unit 列：最多 10 位小数"
    assert english == "factors.csv, row 5, column ncv_gj_per_unit: At most 10 decimal places"


def _fuel_rows(version: FactorSetVersion) -> dict[str, fs.Fuel]:
    return dict(stored_factor_sets.to_engine(version).fuels)


GOOD_VARIANTS = {
    "CR line ends": lambda text: text.replace("\n", "\r"),
    "CRLF line ends": lambda text: text.replace("\n", "\r\n"),
    "a line break inside a quoted cell": lambda text: _edit(
        text, '"project default; non-fossil', '"project default;\nnon-fossil'
    ),
    "values at the stored limits": lambda text: _edit(
        text,
        "lignite,coal,t,0.7143,11.9,28.0,0.96,",
        "lignite,coal,t,12345678901234,0.1234567891,28.0,0.960000000000000,",
    ),
    "text at the column limits": lambda text: _edit(
        text,
        "coke,焦炭,coke,coal,t,",
        "c" * 64 + "," + "焦" * 100 + "," + "e" * 100 + ",coal," + "t" * 32 + ",",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("variant", GOOD_VARIANTS.values(), ids=GOOD_VARIANTS.keys())
def test_both_doors_read_a_good_file_alike(tmp_path, variant):
    factors = variant(FACTORS)

    loaded = load_factor_set_from_csv(*_write(tmp_path, factors, PARAMETERS), "X", 1, 2025)
    stored = _fuel_rows(_upload(factors, PARAMETERS))

    assert dict(loaded.fuels) == stored
    assert len(stored) == FACTORS.count("\n") - 1


@pytest.mark.django_db
def test_both_doors_read_parameters_at_the_column_limits(tmp_path):
    parameters = _edit(
        PARAMETERS, "co2_per_c,3.666667,tCO2/tC,", "k" * 64 + ",3.666667," + "u" * 32 + ","
    )

    loaded = load_factor_set_from_csv(*_write(tmp_path, FACTORS, parameters), "X", 1, 2025)
    stored = stored_factor_sets.to_engine(_upload(FACTORS, parameters)).parameters

    assert dict(loaded.parameters) == dict(stored)
    assert stored["k" * 64].unit == "u" * 32


@pytest.mark.django_db
def test_a_line_break_inside_a_quoted_cell_is_kept(tmp_path):
    factors = GOOD_VARIANTS["a line break inside a quoted cell"](FACTORS)

    loaded = load_factor_set_from_csv(*_write(tmp_path, factors, PARAMETERS), "X", 1, 2025)

    assert loaded.fuels["biomass"].source.startswith("project default;\nnon-fossil")


def test_the_limits_are_those_of_the_stored_columns():
    for model in (FuelFactor, FactorParameter):
        for field in model._meta.get_fields():
            if field.get_internal_type() == "DecimalField":
                assert field.decimal_places == fs.MAX_PLACES, field
                assert field.max_digits - field.decimal_places == fs.MAX_INTEGER_DIGITS, field


def test_the_text_limits_are_those_of_the_stored_columns():
    for model, columns, limits in (
        (FuelFactor, fs.FUEL_COLUMNS, fs.FUEL_MAX_LENGTHS),
        (FactorParameter, fs.PARAMETER_COLUMNS, fs.PARAMETER_MAX_LENGTHS),
    ):
        fields = [model._meta.get_field(column) for column in columns]
        assert limits == {f.name: f.max_length for f in fields if f.max_length is not None}
        # Every column without a limit is one the database does not limit either.
        unlimited = {f.get_internal_type() for f in fields if f.name not in limits}
        assert unlimited <= {"TextField", "DecimalField", "BooleanField"}, model


@pytest.mark.parametrize("code", fs.MESSAGES)
def test_every_problem_is_worded_in_chinese_and_in_english(code):
    names = [name for _, name, _, _ in string.Formatter().parse(fs.MESSAGES[code]) if name]
    problem = fs.Problem("factors.csv", 2, "code", code, dict.fromkeys(names, "7"))

    with translation.override("zh-hans"):
        chinese = stored_factor_sets.problem_text(problem)
    with translation.override("en"):
        english = stored_factor_sets.problem_text(problem)

    assert CJK.search(chinese), chinese
    assert english and not CJK.search(english), english
    assert all("7" in text for text in (chinese, english) if names)
