"""Demo after approval: the approved demo park (西部) builds, with two yearly progress reports —
2025 accepted by its province, 2026 submitted and awaiting review — made through the report door
(applications/progress.py) as the park and the province would.

The 2026 energy data the second report needs is the park's 2025 case a year on: a little less
fuel burnt and a little more output (``YEAR_AFTER``), entered through the same door as an import.

Never overwrites what a user did: the 2026 data goes only into a park-year nobody has written to,
and the reports only into a programme that has none yet.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from django.db import transaction

from accounting import services as accounting
from accounting.case_upload import parse_case_file
from accounting.data_entry import replace_data
from accounting.demo import DEMO_CASES, YearShift, shift_year, split_months
from accounting.models import ParkYear

from . import progress
from .models import ConstructionProgramme, Park, ProjectStatus, User

BUILDING_PARK = "xibu"
YEAR_AFTER = {2026: YearShift(Decimal(0), Decimal(1), Decimal("0.95"), Decimal("1.03"), Decimal(1))}
PROVINCE_REVIEWER = "prov_neimenggu"


def _add_year(park: Park, key: str, year: int) -> None:
    case = json.loads(DEMO_CASES[key].read_bytes())
    case["year"] = year
    case["park"] = {"name": park.name, "province": park.province.name_zh}
    data = parse_case_file(json.dumps(case, ensure_ascii=False).encode(), year=year)
    with transaction.atomic():
        park_year, _created = ParkYear.objects.get_or_create(park=park, year=year)
        park_year = ParkYear.objects.select_for_update().get(pk=park_year.pk)
        if park_year.inputs_changed_at is not None:
            return
        replace_data(park_year, split_months(shift_year(data, YEAR_AFTER[year])))
    park_year.refresh_from_db(fields=["inputs_changed_at"])
    if not park_year.runs.filter(inputs_as_of=park_year.inputs_changed_at).exists():
        accounting.recalculate(park_year.pk)


def _fill(applicant: User, report, year: int) -> None:
    projects = {}
    for row in report.project_rows.select_related("project"):
        done = year >= 2026 or row.project.position > 1
        projects[row.pk] = progress.ProjectProgress(
            status=ProjectStatus.IN_OPERATION if done else ProjectStatus.UNDER_CONSTRUCTION,
            investment_made=(row.project.investment or Decimal(0))
            * (1 if done else Decimal("0.6")),
            commissioned_on=datetime.date(year, 12, 20) if done else None,
            note="按计划推进，已完成阶段验收。" if done else "光伏组件已安装六成，预计次年并网。",
        )
    phases = {
        row.pk: (row.phase.position == 1 and year >= 2026, "")
        for row in report.phase_rows.select_related("phase")
    }
    progress.save_report(
        applicant,
        report,
        projects=projects,
        phases=phases,
        problems=(
            "分布式光伏接入配电网容量受限，部分屋顶并网排队。"
            if year == 2025
            else "工业硅工序余热回收改造需停产检修，窗口期有限。"
        ),
        support_needed=(
            "请协调电网企业加快接入批复。" if year == 2025 else "请支持申报节能降碳专项资金。"
        ),
    )


def load_demo_progress(parks: dict[str, Park]) -> None:
    park = parks.get(BUILDING_PARK)
    if park is None:
        return
    programme = ConstructionProgramme.objects.filter(park=park).first()
    if programme is None or programme.reports.exists():
        return
    for year in YEAR_AFTER:
        _add_year(park, BUILDING_PARK, year)
    applicant = User.objects.filter(park=park, role="applicant").order_by("pk").first()
    reviewer = User.objects.filter(username=PROVINCE_REVIEWER).first()
    if applicant is None or reviewer is None:
        return
    with transaction.atomic():
        first = progress.start(applicant, programme, 2025)
        _fill(applicant, first, 2025)
        progress.submit(applicant, first)
        progress.accept(reviewer, first, "进展符合建设方案，请继续推进绿电接入。")
        second = progress.start(applicant, programme, 2026)
        _fill(applicant, second, 2026)
        progress.submit(applicant, second)
