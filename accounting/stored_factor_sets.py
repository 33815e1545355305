"""Factor sets in the database: resolve, validate from CSV, copy to a new version (publishing,
which owes recalculations, is ``publishing.py``'s).

The engine works on the plain ``accounting.method.factor_set.FactorSet``; this module converts
stored versions into it and keeps the rules of D10 (published is final, a change is a new
version).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import MappingProxyType

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounting.method import factor_set as fs
from accounting.models import FactorParameter, FactorSetStatus, FactorSetVersion, FuelFactor


@dataclass(frozen=True)
class CsvError:
    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("%(file)s 第 %(row)s 行，%(column)s 列：%(message)s") % {
            "file": self.file,
            "row": self.row,
            "column": self.column or "—",
            "message": self.message,
        }


class FactorCsvInvalid(ValueError):
    def __init__(self, errors: list[CsvError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


_PUBLISHED_SETS: dict[tuple, fs.FactorSet] = {}  # (id, published_at) → the engine's set


def to_engine(version: FactorSetVersion) -> fs.FactorSet:
    """The engine's FactorSet for a stored version (2 queries).

    A published version never changes (D10; a database trigger refuses any change), so its
    set is kept in memory, keyed by id and publication time: each recalculation would
    otherwise read the same ~40 fuels and parameters again.
    """
    if version.status != FactorSetStatus.PUBLISHED:
        return _read_engine_set(version)
    key = (version.pk, version.published_at)
    found = _PUBLISHED_SETS.get(key)
    if found is None:
        if len(_PUBLISHED_SETS) >= 64:
            _PUBLISHED_SETS.clear()
        found = _PUBLISHED_SETS[key] = _read_engine_set(version)
    return found


def _read_engine_set(version: FactorSetVersion) -> fs.FactorSet:
    fuels = {
        f.code: fs.Fuel(**{column: getattr(f, column) for column in fs.FUEL_COLUMNS})
        for f in FuelFactor.objects.filter(factor_set=version)
    }
    parameters = {
        p.key: fs.Parameter(p.key, p.value, p.unit, p.source)
        for p in FactorParameter.objects.filter(factor_set=version)
    }
    return fs.FactorSet(
        code=version.code,
        version=version.version,
        year=version.year,
        fuels=MappingProxyType(fuels),
        parameters=MappingProxyType(parameters),
        title_zh=version.title_zh,
        title_en=version.title_en,
    )


def latest_published(code: str) -> FactorSetVersion | None:
    return FactorSetVersion.objects.published().filter(code=code).order_by("-version").first()


def resolve_factor_set(code: str) -> fs.FactorSet | None:
    """The latest PUBLISHED version of ``code`` as the engine's FactorSet, or None."""
    version = latest_published(code)
    return None if version is None else to_engine(version)


def code_for_year(year: int) -> str | None:
    """The factor set a park-year uses when it names none: the newest published set of that
    year or the closest earlier one; failing that the earliest later one (a 2024 baseline is
    calculated with the first set there is, and the run records which)."""
    published = FactorSetVersion.objects.published()
    earlier = published.filter(year__lte=year).order_by("-year", "-published_at").first()
    chosen = earlier or published.filter(year__gt=year).order_by("year", "-published_at").first()
    return chosen.code if chosen else None


def store_factors(version: FactorSetVersion, engine_set: fs.FactorSet) -> None:
    """Write a set's fuels and parameters into a new (draft) version."""
    FuelFactor.objects.bulk_create(
        FuelFactor(
            factor_set=version,
            position=i,
            **{column: getattr(f, column) for column in fs.FUEL_COLUMNS},
        )
        for i, f in enumerate(engine_set.fuels.values())
    )
    FactorParameter.objects.bulk_create(
        FactorParameter(
            factor_set=version, position=i, key=p.key, value=p.value, unit=p.unit, source=p.source
        )
        for i, p in enumerate(engine_set.parameters.values())
    )


def next_version(code: str) -> int:
    return (FactorSetVersion.objects.filter(code=code).aggregate(m=Max("version"))["m"] or 0) + 1


@transaction.atomic
def copy_as_draft(version: FactorSetVersion) -> FactorSetVersion:
    """A new draft version with the same rows: the way to change a published set."""
    draft = FactorSetVersion.objects.create(
        code=version.code,
        version=next_version(version.code),
        year=version.year,
        title_zh=version.title_zh,
        title_en=version.title_en,
        note=_("复制自第 %(v)s 版") % {"v": version.version},
    )
    store_factors(draft, to_engine(version))
    return draft


# --- CSV upload: every row checked, every error named by file, row and column ------------------
# The rules are method.factor_set's (the same the bundled files pass); here they get the
# user's words.


def problem_text(problem: fs.Problem) -> str:
    """What ``problem`` says, in the active language."""
    p = problem.params
    match problem.code:
        case "not_utf8":
            return _("文件须为 UTF-8 编码")
        case "not_csv":
            return _("不是有效的 CSV 文件：%s") % p["reason"]
        case "header":
            return _("表头须为 %s") % p["columns"]
        case "column_count":
            return _("应有 %(n)s 列，实有 %(m)s 列") % {"n": p["expected"], "m": p["found"]}
        case "required":
            return _("必填")
        case "not_decimal":
            return _("“%s”不是十进制数") % p["text"]
        case "not_positive":
            return _("须大于 0")
        case "negative":
            return _("不得为负数")
        case "too_many_places":
            return _("最多 %s 位小数") % p["places"]
        case "too_many_digits":
            return _("整数部分最多 %s 位") % p["digits"]
        case "too_long":
            return _("最多 %s 个字符") % p["length"]
        case "nul_character":
            return _("不能包含空字符（NUL）")
        case "not_snake_case":
            return _("须为小写字母、数字和下划线")
        case "duplicate_code":
            return _("代码重复：%s") % p["code"]
        case "duplicate_key":
            return _("参数重复：%s") % p["key"]
        case "not_a_category":
            return _("须为 %s 之一") % p["choices"]
        case "not_yes_no":
            return _("须为 yes 或 no")
        case "blank_for_non_fossil":
            return _("非化石燃料此列须留空")
        case "above_one":
            return _("不得大于 1")
        case "no_fuels":
            return _("没有燃料行")
        case "missing_parameter":
            return _("缺少参数 %s") % p["key"]
    # A rule added in method.factor_set without words here still says what is wrong (in English); a
    # test walks every code so that this stays a fallback.
    return problem.message


def create_draft_from_csv(
    *,
    code: str,
    year: int,
    title_zh: str,
    title_en: str,
    factors: bytes,
    factors_name: str,
    parameters: bytes,
    parameters_name: str,
) -> FactorSetVersion:
    """Validate both files completely; if all is well store them as a new DRAFT version."""
    try:
        engine_set = fs.read_factor_set(
            factors,
            factors_name,
            parameters,
            parameters_name,
            code,
            0,
            year,
            title_zh=title_zh,
            title_en=title_en,
            stop_at_first=False,
        )
    except fs.FactorSetError as exc:
        raise FactorCsvInvalid(
            [CsvError(p.file, p.row, p.column, problem_text(p)) for p in exc.problems]
        ) from exc
    with transaction.atomic():
        version = FactorSetVersion.objects.create(
            code=code,
            version=next_version(code),
            year=year,
            title_zh=title_zh,
            title_en=title_en,
            note=json.dumps({"files": [factors_name, parameters_name]}, ensure_ascii=False),
        )
        store_factors(version, engine_set)
    return version
