"""Demo applications in every state, driven through the workflow functions (never by setting
`status`), so that each role has work to see. Runs after the parks, people and energy data.

Idempotent: an application that already exists for its park and batch is left as it is, whatever
its state and content now (a user may have edited or moved it); a missing one is made whole in one
transaction, so a failed run leaves no half-made application behind.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from . import services, workflow
from .demo import DEMO_USERS
from .demo_texts import DEMO_TEXTS
from .models import Application, Batch, Park, User

OPEN_BATCH = "2025年第一批国家级零碳园区申报"
CLOSED_BATCH = "2025年试点预申报"

# A minimal, valid one-page PDF: enough for the content checks and a download.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


# Each demo park's intensity in its first and last year of construction (tCO2/tce), as its
# targets text (demo_texts.py) and its demo energy data say; the years between on a straight line.
DEMO_INTENSITY_PATH = {
    "subei": ("0.1900", "0.1500"),
    "changzhou": ("0.2000", "0.1500"),
    "suzhou": ("0.2400", "0.1800"),
    "yanjiang": ("1.6000", "0.8000"),
    "xibu": ("0.1880", "0.1500"),
    "binhai": ("0.6000", "0.1900"),
}
DEMO_SHARES = (  # clean energy, solid waste, waste energy, water (%), 2025 to 2028
    ("85", "80", "50", "80"),
    ("88", "82", "55", "82"),
    ("92", "85", "58", "85"),
    ("95", "88", "60", "88"),
)


def _indicator_targets(park_key: str) -> list[dict[str, object]]:
    first, last = (Decimal(v) for v in DEMO_INTENSITY_PATH[park_key])
    rows = []
    for n, year in enumerate(range(2025, 2029)):
        intensity = (first + (last - first) * n / 3).quantize(Decimal("0.0001"))
        clean, waste, energy, water = DEMO_SHARES[n]
        rows.append(
            {
                "year": year,
                "intensity": str(intensity),
                "clean_energy": clean,
                "solid_waste": waste,
                "waste_energy": energy,
                "water": water,
            }
        )
    return rows


def _content(park_key: str, park: Park) -> dict[str, dict]:
    within = park.scope == "within"
    content = {
        "basic": {
            "zone_level": park.zone_level,
            "in_catalogue": "yes",
            "approval_document": "天津市人民政府关于设立滨海数字经济园的批复（津政函〔2022〕35号）"
            if park.zone_level == "high_tech_park"
            else "",
            "approval_year": 2022 if park.zone_level == "high_tech_park" else None,
            "is_new_park": False,
            "builder": park.management_body,
        },
        "feasibility": {
            "trend": "随产业升级和绿电替代，预计能耗增速放缓、碳排放稳中有降。",
            "supply_plan": "源网荷储一体化：分布式光伏＋分散式风电＋绿电直连＋储能。",
        },
        "targets": {
            "baseline_year": 2025,
            "period_start": 2025,
            "period_end": 2028,
            "indicator_targets": _indicator_targets(park_key),
            "roadmap": [
                {"name": "第一阶段", "years": "2025—2026", "focus": "绿电直连与能碳管理平台"},
                {"name": "第二阶段", "years": "2027—2028", "focus": "热力系统清洁化与工艺降碳"},
            ],
        },
        "key_tasks": {
            "tasks": {
                "energy_structure": {"involved": True, "measures": "新增光伏80MW，开展绿电直连。"},
                "energy_saving": {"involved": True, "measures": "重点企业能效诊断全覆盖。"},
                "industry_structure": {"involved": True, "measures": "引进低能耗高附加值项目。"},
                "resource_efficiency": {"involved": True, "measures": "余热梯级利用、中水回用。"},
                "infrastructure": {"involved": True, "measures": "新建建筑按近零能耗标准设计。"},
                "technology": {"involved": False, "measures": ""},
                "management": {
                    "involved": True,
                    "measures": "建设覆盖主要用能企业的能碳管理平台。",
                },
                "reform": {"involved": False, "measures": ""},
            },
            "other_tasks": "",
            "projects": [
                {
                    "name": "园区屋顶分布式光伏",
                    "owner": "园区能源投资公司",
                    "content": "80MW屋顶光伏",
                    "investment": "32000",
                    "period": "2025—2026",
                    "plan": "2025年四季度开工",
                    "significance": "提高直供绿电比例",
                },
                {
                    "name": "能碳管理平台",
                    "owner": park.management_body,
                    "content": "计量监测与核算平台",
                    "investment": "3500",
                    "period": "2025",
                    "plan": "2025年底上线",
                    "significance": "支撑碳排放核算与监测",
                },
            ],
        },
        "economics": {
            "cost_structure": "能源设施62%、节能改造23%、平台与其他15%",
            "revenue_sources": "售电收益、节能收益、绿证与碳资产收益",
            "environmental_benefits": (
                "绿电替代和节能改造减少化石能源消费，同步削减二氧化硫、氮氧化物和颗粒物排放；"
                "余热回收和中水回用节约能源与水资源。减排量按附件4方法以基准年核算结果测算。"
            ),
            "social_benefits": (
                "带动新能源运维、能碳管理等就业岗位，为同类园区提供可复制的零碳建设路径，"
                "提升园区企业能碳管理能力。"
            ),
        },
        "support": {
            "organisation": "成立园区零碳建设领导小组和工作专班。",
            "policy_support": "省市专项资金和绿色金融支持。",
            "capacity_building": "与高校共建零碳技术中心，开展人才培训。",
            "gov_support": True,
            "special_mechanism": True,
            "research_platform": True,
            "renewable_exploration": True,
            "talent_team": True,
        },
        "data_foundation": {
            "statistics": "建立园区能源统计报表制度，覆盖规上企业。",
            "accounting": "按附件4开展年度碳排放核算。",
            "metering": "重点用能企业三级计量器具配备率100%。",
            "monitoring": "能耗在线监测系统接入主要用能企业。",
        },
        "_boundary": {
            "scope": park.scope,
            "host_park_name": park.host_park_name,
            "management_body": park.management_body,
            "boundary_east": "东至滨江大道" if within else "东至园区东环路",
            "boundary_south": "南至创新路",
            "boundary_west": "西至科技大道",
            "boundary_north": "北至北环路",
        },
    }
    for section, texts in DEMO_TEXTS[park_key].items():
        content[section] = {**content.get(section, {}), **texts}
    return content


DEMO_POLYGONS = {  # park key → [west, south, east, north] of a rectangular demo boundary
    "subei": (119.10, 33.90, 119.18, 33.96),
    "changzhou": (119.90, 31.70, 119.97, 31.75),
    "suzhou": (120.70, 31.30, 120.73, 31.32),
    "yanjiang": (117.80, 30.90, 117.87, 30.95),
    "xibu": (109.80, 40.60, 109.92, 40.68),
    "binhai": (117.68, 39.05, 117.70, 39.07),
}

# (park key, batch, steps of the workflow, the province's reviewer)
PLAN = [
    ("subei", OPEN_BATCH, ("submit", "recommend", "national"), "prov_jiangsu"),
    (
        "changzhou",
        OPEN_BATCH,
        ("submit", "return", "answer", "submit", "recommend"),
        "prov_jiangsu",
    ),
    ("suzhou", OPEN_BATCH, ("submit",), "prov_jiangsu"),
    ("yanjiang", OPEN_BATCH, ("submit", "return"), "prov_anhui"),
    ("xibu", OPEN_BATCH, ("submit", "recommend", "national", "approve"), "prov_neimenggu"),
    ("binhai", OPEN_BATCH, (), "prov_tianjin"),
    ("xibu", CLOSED_BATCH, ("submit", "recommend", "national", "reject"), "prov_neimenggu"),
    ("yanjiang", CLOSED_BATCH, ("submit", "not_recommend"), "prov_anhui"),
]
# The applications the demo reviewers work on (demo_reviews.py): the ones the plan leaves with NDRC.
REVIEWED = [
    (key, batch)
    for key, batch, steps, _p in PLAN
    if steps and steps[-1] in ("recommend", "national")
]


DEMO_EVIDENCE = {  # attachment section → (file name, title)
    "data_statistics": ("能源统计报表制度.pdf", "园区能源统计报表制度"),
    "data_accounting": ("碳排放核算报告.pdf", "2024年度园区碳排放核算报告"),
    "data_metering": ("能源计量器具配备.pdf", "重点用能单位能源计量器具配备情况"),
    "data_monitoring": ("能耗在线监测接入清单.pdf", "能耗在线监测系统接入清单"),
    "builder": ("设立批复.pdf", "园区设立批复文件"),
}


def _complete(park_key: str, park: Park, applicant: User, batch: Batch) -> Application:
    application = services.start_application(applicant, batch)
    content = _content(park_key, park)
    boundary = content.pop("_boundary")
    for key, section in content.items():
        services.save_section(application, key, section)
    west, south, east, north = DEMO_POLYGONS[park_key]
    boundary["boundary_geojson"] = {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }
    services.save_boundary(application, boundary)
    services.set_incident_register_confirmed(application, True)
    sections = ["data_statistics", "data_accounting", "data_metering", "data_monitoring"]
    if park.zone_level == "high_tech_park":
        sections.append("builder")
    for section in sections:
        name, title = DEMO_EVIDENCE[section]
        services.add_attachment(
            application, applicant, name=name, content=DEMO_PDF, title=title, section=section
        )
    return Application.objects.get(pk=application.pk)


def _batches(parks: dict[str, Park], now: datetime.datetime) -> dict[str, Batch]:
    """The demo's batches by name. They are made only on the first run (no demo park has an
    application yet): a batch that is missing later was renamed or removed by an administrator,
    and making it again would make a second set of applications."""
    batches = {b.name: b for b in Batch.objects.filter(name__in=[OPEN_BATCH, CLOSED_BATCH])}
    if Application.objects.filter(park__in=parks.values()).exists():
        return batches
    windows = {
        OPEN_BATCH: (now - datetime.timedelta(days=20), now + datetime.timedelta(days=90)),
        # Open just long enough for its applications to be made; closed afterwards.
        CLOSED_BATCH: (now - datetime.timedelta(days=120), now + datetime.timedelta(days=1)),
    }
    for name, (opens, deadline) in windows.items():
        if name not in batches:
            # The demo's energy data covers 2023–2025 (accounting/demo.py YEARS), the window
            # a 2025 batch may set (D43).
            batches[name] = Batch.objects.create(
                name=name, year=2025, history_start=2023, opens_at=opens, deadline=deadline
            )
    return batches


ANSWERS = {
    "general": "已按意见补充分品种能源消费数据和重点项目投资依据，修改见各部分。",
    "energy": "已在能源消费部分分列外购电力、外购热力和园区自供能源。",
    "economics": "已补充投资回收期的测算表和电价、碳价假设。",
}


def load_demo_applications(parks: dict[str, Park]) -> None:
    now = timezone.now()
    applicants = {u.park_key: u.username for u in DEMO_USERS if u.park_key}
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[*applicants.values(), *(p for *_r, p in PLAN), "ndrc_reviewer"]
        )
    }
    batches = _batches(parks, now)
    ndrc = users["ndrc_reviewer"]

    def actions(province: str) -> dict[str, Callable[[Application, User], object]]:
        reviewer = users[province]
        return {
            "submit": lambda app, applicant: workflow.submit(
                applicant, app, declaration=workflow.DECLARATION
            ),
            "return": lambda app, _a: workflow.return_for_revision(
                reviewer,
                app,
                "请补充能源消费分品种数据和重点项目投资依据。",
                {"energy": "请区分外购与自供能源。", "economics": "投资回收期测算依据不足。"},
            ),
            # The park answers each comment of the return (整改说明) before resubmitting.
            "answer": lambda app, _a: services.save_revision_answers(app, ANSWERS),
            "recommend": lambda app, _a: workflow.recommend(reviewer, app, "同意推荐。"),
            "not_recommend": lambda app, _a: workflow.not_recommend(
                reviewer, app, "近三年排放数据不完整，本批次暂不推荐。"
            ),
            "national": lambda app, _a: workflow.start_national_review(ndrc, app),
            "approve": lambda app, _a: workflow.approve(ndrc, app, "建设方案可行，纳入建设名单。"),
            "reject": lambda app, _a: workflow.reject(
                ndrc, app, "减碳路径论证不足，本批次不纳入。"
            ),
        }

    made_in_pilot = False
    for key, batch_name, steps, province in PLAN:
        park, batch = parks[key], batches.get(batch_name)
        applicant = users.get(applicants[key])
        if batch is None or Application.objects.filter(park=park, batch=batch).exists():
            continue
        if applicant is None or applicant.park_id != park.pk or not batch.is_open():
            # The demo applicant works for another park now, or the batch has closed: a missing
            # application there is not the demo's to add.
            continue
        with transaction.atomic():
            application = _complete(key, park, applicant, batch)
            for step in steps:
                actions(province)[step](application, applicant)
        made_in_pilot |= batch_name == CLOSED_BATCH
    # The pilot batch is over; closing it once its applications are made keeps them as they
    # ended. Only then: a batch someone opened again afterwards stays open.
    pilot = batches.get(CLOSED_BATCH)
    if made_in_pilot and pilot.deadline > now:
        Batch.objects.filter(pk=pilot.pk).update(deadline=now - datetime.timedelta(days=1))
