"""Publishing a factor set: final from then on (D10), and every park-year it applies to is
recalculated once the publication commits. ``load_bundled_factor_sets`` publishes the sets
bundled under accounting/reference/."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting.method import factor_set as fs
from accounting.models import FactorParameter, FactorSetStatus, FactorSetVersion, FuelFactor
from accounting.stored_factor_sets import store_factors
from accounting.tasks import request_recalculation_for_factor_set


def publish(version: FactorSetVersion) -> FactorSetVersion:
    """Publish a draft; queue recalculation of the park-years it applies to once committed."""
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


def load_bundled_factor_sets() -> list[str]:
    """Load each version bundled under accounting/reference/ (oldest first) as a published set
    unless already loaded: a new bundled version is published beside the old one (D19)."""
    folders = sorted(p for p in fs.REFERENCE_DIR.iterdir() if (p / "meta.json").is_file())
    return [
        load_bundled_version(engine_set)
        for folder in folders
        for engine_set in fs.bundled_history(folder.name)
    ]


def load_bundled_version(engine_set: fs.FactorSet) -> str:
    """Store and publish one bundled version unless that code and version exist already."""
    label = f"factor set {engine_set.code} v{engine_set.version}"
    if FactorSetVersion.objects.filter(code=engine_set.code, version=engine_set.version).exists():
        return f"{label}: already loaded"
    with transaction.atomic():
        version = FactorSetVersion.objects.create(
            code=engine_set.code,
            version=engine_set.version,
            year=engine_set.year,
            title_zh=engine_set.title_zh,
            title_en=engine_set.title_en,
            note=f"accounting/reference/{engine_set.code} v{engine_set.version}",
        )
        store_factors(version, engine_set)
        publish(version)
    return f"{label}: loaded and published"
