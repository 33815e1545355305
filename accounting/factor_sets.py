"""Factor sets in the database: load, validate from CSV, copy to a new version, publish, resolve.

The engine works on the plain ``accounting.factorset.FactorSet``; this module converts stored
versions into it and keeps the rules of D10 (published is final, a change is a new version).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting import factorset as fs
from accounting.models import FactorParameter, FactorSetStatus, FactorSetVersion, FuelFactor

MAX_FACTOR_PLACES = 10  # the stored precision (models.factors.DECIMAL)


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


def to_engine(version: FactorSetVersion) -> fs.FactorSet:
    """The engine's FactorSet for a stored version (2 queries)."""
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


def _store(version: FactorSetVersion, engine_set: fs.FactorSet) -> None:
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


def publish(version: FactorSetVersion) -> FactorSetVersion:
    """Publish a draft; queue recalculation of the park-years it applies to once committed."""
    from accounting.services import request_recalculation_for_factor_set

    with transaction.atomic():
        locked = FactorSetVersion.objects.select_for_update().get(pk=version.pk)
        if locked.is_published:
            raise fs.FactorSetError(_("该版本已发布。"))
        if not FuelFactor.objects.filter(factor_set=locked).exists():
            raise fs.FactorSetError(_("因子集没有燃料因子，不能发布。"))
        keys = set(FactorParameter.objects.filter(factor_set=locked).values_list("key", flat=True))
        missing = [k for k in fs.REQUIRED_PARAMETERS if k not in keys]
        if missing:
            raise fs.FactorSetError(_("缺少参数：%s") % ", ".join(missing))
        FactorSetVersion.objects.filter(pk=locked.pk).update(
            status=FactorSetStatus.PUBLISHED, published_at=timezone.now()
        )
        locked.refresh_from_db()
        request_recalculation_for_factor_set(locked)
    return locked


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
    _store(draft, to_engine(version))
    return draft


def load_bundled_factor_sets() -> list[str]:
    """Load each folder under accounting/reference/ as a published set unless already loaded."""
    lines = []
    for folder in sorted(p for p in fs.REFERENCE_DIR.iterdir() if (p / "meta.json").is_file()):
        engine_set = fs.bundled_factor_set(folder.name)
        assert engine_set is not None
        label = f"factor set {engine_set.code} v{engine_set.version}"
        if FactorSetVersion.objects.filter(
            code=engine_set.code, version=engine_set.version
        ).exists():
            lines.append(f"{label}: already loaded")
            continue
        with transaction.atomic():
            version = FactorSetVersion.objects.create(
                code=engine_set.code,
                version=engine_set.version,
                year=engine_set.year,
                title_zh=engine_set.title_zh,
                title_en=engine_set.title_en,
                note=f"accounting/reference/{folder.name}",
            )
            _store(version, engine_set)
            publish(version)
        lines.append(f"{label}: loaded and published")
    return lines


# --- CSV upload: every row checked, every error named by file, row and column ------------------


def _read_csv(data: bytes, name: str, columns: tuple[str, ...], errors: list[CsvError]):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        errors.append(CsvError(name, 1, "", _("文件须为 UTF-8 编码")))
        return []
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != columns:
        errors.append(CsvError(name, 1, "", _("表头须为 %s") % ",".join(columns)))
        return []
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(columns):
            errors.append(
                CsvError(
                    name,
                    number,
                    "",
                    _("应有 %(n)s 列，实有 %(m)s 列") % {"n": len(columns), "m": len(cells)},
                )
            )
            continue
        rows.append((number, dict(zip(columns, (c.strip() for c in cells), strict=True))))
    return rows


def _decimal(
    text: str,
    name: str,
    number: int,
    column: str,
    errors: list[CsvError],
    *,
    required: bool,
    positive: bool = False,
) -> Decimal | None:
    try:
        value = fs._decimal(text, "", required=required, positive=positive)
    except fs.FactorSetError as exc:
        errors.append(CsvError(name, number, column, str(exc).removeprefix(": ")))
        return None
    if value is not None and value != value.quantize(Decimal(1).scaleb(-MAX_FACTOR_PLACES)):
        errors.append(CsvError(name, number, column, _("最多 %s 位小数") % MAX_FACTOR_PLACES))
    return value


def _check_fuels(rows, name: str, errors: list[CsvError]) -> None:
    seen: set[str] = set()
    for number, row in rows:

        def err(column: str, message: str, number: int = number) -> None:
            errors.append(CsvError(name, number, column, message))

        code = row["code"]
        if not fs._CODE.fullmatch(code):
            err("code", _("须为小写字母、数字和下划线"))
        elif code in seen:
            err("code", _("代码重复：%s") % code)
        seen.add(code)
        for column in ("name_zh", "name_en", "unit", "source"):
            if not row[column]:
                err(column, _("必填"))
        if row["category"] not in fs.FUEL_CATEGORIES:
            err("category", _("须为 %s 之一") % ", ".join(fs.FUEL_CATEGORIES))
        if row["clean"] not in ("yes", "no"):
            err("clean", _("须为 yes 或 no"))
        fossil = row["category"] != "non_fossil"
        for column in ("ncv_gj_per_unit", "carbon_tc_per_tj", "oxidation"):
            if not fossil and row[column]:
                err(column, _("非化石燃料此列须留空"))
                continue
            value = _decimal(
                row[column], name, number, column, errors, required=fossil, positive=True
            )
            if column == "oxidation" and value is not None and value > 1:
                err(column, _("不得大于 1"))
        _decimal(
            row["tce_per_unit"], name, number, "tce_per_unit", errors, required=True, positive=True
        )
    if not rows and not errors:
        errors.append(CsvError(name, 2, "", _("没有燃料行")))


def _check_parameters(rows, name: str, errors: list[CsvError]) -> None:
    seen: set[str] = set()
    for number, row in rows:
        key = row["key"]
        if not fs._CODE.fullmatch(key):
            errors.append(CsvError(name, number, "key", _("须为小写字母、数字和下划线")))
        elif key in seen:
            errors.append(CsvError(name, number, "key", _("参数重复：%s") % key))
        seen.add(key)
        _decimal(row["value"], name, number, "value", errors, required=True)
    for key in fs.REQUIRED_PARAMETERS:
        if key not in seen:
            errors.append(CsvError(name, len(rows) + 2, "key", _("缺少参数 %s") % key))


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
    errors: list[CsvError] = []
    fuel_rows = _read_csv(factors, factors_name, fs.FUEL_COLUMNS, errors)
    _check_fuels(fuel_rows, factors_name, errors)
    parameter_rows = _read_csv(parameters, parameters_name, fs.PARAMETER_COLUMNS, errors)
    if parameter_rows or not any(e.file == parameters_name for e in errors):
        _check_parameters(parameter_rows, parameters_name, errors)
    if errors:
        raise FactorCsvInvalid(errors)
    # The engine's own reader has the last word, so a stored set is one it can load.
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "f.csv").write_bytes(factors)
        (Path(folder) / "p.csv").write_bytes(parameters)
        try:
            engine_set = fs.load_factor_set_from_csv(
                Path(folder) / "f.csv", Path(folder) / "p.csv", code, 0, year
            )
        except fs.FactorSetError as exc:
            raise FactorCsvInvalid([CsvError(factors_name, 0, "", str(exc))]) from exc
    with transaction.atomic():
        version = FactorSetVersion.objects.create(
            code=code,
            version=next_version(code),
            year=year,
            title_zh=title_zh,
            title_en=title_en,
            note=json.dumps({"files": [factors_name, parameters_name]}, ensure_ascii=False),
        )
        _store(version, engine_set)
    return version
