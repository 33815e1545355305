"""Building applications for tests: a complete one, ready to submit, and its batch."""

from __future__ import annotations

import datetime
import io

from django.utils import timezone
from PIL import Image

from applications import services
from applications.models import Application, Batch, Park, User

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[118.70, 32.00], [118.75, 32.00], [118.75, 32.04], [118.70, 32.04], [118.70, 32.00]]
    ],
}


def square_in(province_code: str) -> dict:
    """SQUARE (in Nanjing) for a Jiangsu park, a square of the same size inside any other
    province: a boundary must lie in its park's province (D29)."""
    if province_code == "32":
        return SQUARE
    from applications import admin_areas

    point = admin_areas.provinces()[province_code].outline.representative_point()
    west, south = round(point.x, 3), round(point.y, 3)
    ring = [[west, south], [west + 0.05, south], [west + 0.05, south + 0.04]]
    return {"type": "Polygon", "coordinates": [[*ring, [west, south + 0.04], [west, south]]]}


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 128, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def open_batch(name: str = "2025年第一批", year: int = 2025) -> Batch:
    now = timezone.now()
    batch, _ = Batch.objects.get_or_create(
        name=name,
        defaults={
            "year": year,
            "opens_at": now - datetime.timedelta(days=30),
            "deadline": now + datetime.timedelta(days=30),
        },
    )
    return batch


SECTION_CONTENT = {
    "basic": {
        "zone_level": "national_zone",
        "is_new_park": False,
        "builder": "园区管委会",
        "location": "长江北岸，交通便利",
        "layout": "一区三园",
        "economy": "工业产值500亿元",
    },
    "industry": {
        "leading_industries": "新能源装备",
        "key_enterprises": "龙头企业10家",
        "key_projects_investment": "在建项目投资120亿元",
    },
    "energy": {
        "supply": "外购电力为主，自建光伏",
        "consumption": "燃料与原料用途分列",
        "emissions": "2024年排放约80万吨",
    },
    "feasibility": {
        "trend": "能耗稳中有降",
        "attainability": "风光资源充足",
        "supply_plan": "源网荷储一体化",
    },
    "targets": {
        "baseline_year": 2025,
        "period_start": 2025,
        "period_end": 2028,
        "targets": "单位能耗碳排放降至0.2以下",
        "roadmap": [{"name": "第一阶段", "years": "2025—2026", "focus": "绿电直连"}],
    },
    "key_tasks": {
        "tasks": {
            "energy_structure": {"involved": True, "measures": "建设分布式光伏"},
            "reform": {"involved": False, "measures": ""},
        },
        "other_tasks": "",
        "projects": [
            {
                "name": "光伏项目",
                "owner": "某能源公司",
                "content": "100MW光伏",
                "investment": "40000",
                "period": "2025—2026",
                "plan": "2025年开工",
                "significance": "提高绿电比例",
            }
        ],
    },
    "economics": {
        "total_cost": "150000",
        "annual_return": "20000",
        "payback_years": "7.5",
        "irr_percent": "8.2",
        "cost_structure": "设备为主",
        "revenue_sources": "售电节能",
        "environmental_benefits": "年减排二氧化碳约12万吨，减少二氧化硫排放约80吨",
        "co2_reduction_t": "120000",
        "social_benefits": "新增就业岗位约600个，形成可复制推广的园区零碳路径",
    },
    "support": {
        "organisation": "成立专班",
        "policy_support": "省级资金支持",
        "capacity_building": "人才培训",
        "gov_support": True,
    },
    "data_foundation": {
        "statistics": "能源统计报表制度",
        "accounting": "年度核算",
        "metering": "三级计量",
        "monitoring": "能碳管理平台",
    },
}


def year_reasons(batch: Batch) -> list[dict]:
    return [{"year": y, "reason": "园区该年尚未开展能源统计"} for y in batch.history_years]


def complete_application(park: Park, applicant: User, batch: Batch | None = None) -> Application:
    """A draft with every section filled and every basic condition passing."""
    batch = batch or open_batch()
    application = services.start_application(applicant, batch)
    for key, content in SECTION_CONTENT.items():
        services.save_section(application, key, content)
    # No energy data in these tests: each of the batch's three years has a reason (D43).
    services.save_section(
        application,
        "energy",
        {**SECTION_CONTENT["energy"], "year_reasons": year_reasons(batch)},
    )
    services.save_boundary(
        application,
        {
            "scope": "whole",
            "management_body": f"{park.name}管理委员会",
            "boundary_east": "东环路",
            "boundary_south": "南环路",
            "boundary_west": "西环路",
            "boundary_north": "北环路",
            "boundary_geojson": square_in(park.province.code),
        },
    )
    services.set_incident_register_confirmed(application, True)
    for area in ("statistics", "accounting", "metering", "monitoring"):
        services.add_attachment(
            application,
            applicant,
            name=f"{area}.pdf",
            content=PDF_BYTES,
            title=f"{area} 证明",
            section=f"data_{area}",
        )
    return Application.objects.get(pk=application.pk)


def drive_to(application: Application, status: str, cast) -> Application:
    """Take a complete draft to `status` through the workflow functions, as the right people."""
    from applications import workflow

    park_province = application.park.province_id
    provincial = (
        cast.provincial_a
        if park_province == cast.provincial_a.province_id
        else cast.provincial_other
    )
    applicant = User.objects.filter(park=application.park).first()
    steps = {
        "draft": [],
        "submitted": [
            lambda: workflow.submit(applicant, application, declaration=workflow.DECLARATION)
        ],
        "returned": [
            lambda: workflow.submit(applicant, application, declaration=workflow.DECLARATION),
            lambda: workflow.return_for_revision(provincial, application, "请修改"),
        ],
        "not_recommended": [
            lambda: workflow.submit(applicant, application, declaration=workflow.DECLARATION),
            lambda: workflow.not_recommend(provincial, application, "不符合"),
        ],
        "recommended": [
            lambda: workflow.submit(applicant, application, declaration=workflow.DECLARATION),
            lambda: workflow.recommend(provincial, application),
        ],
    }
    steps["under_national_review"] = [
        *steps["recommended"],
        lambda: workflow.start_national_review(cast.national, application),
    ]
    steps["approved"] = [
        *steps["under_national_review"],
        lambda: workflow.approve(cast.national, application, "同意"),
    ]
    steps["rejected"] = [
        *steps["under_national_review"],
        lambda: workflow.reject(cast.national, application, "不同意"),
    ]
    # NDRC returned it and the park answered and resubmitted: the province may recommend it
    # again on its own (a first recommendation is the province's act, D26).
    steps["resubmitted_after_ndrc"] = [
        *steps["under_national_review"],
        lambda: workflow.return_for_revision(cast.national, application, "请补充"),
        lambda: answer_return(application),
        lambda: workflow.submit(applicant, application, declaration=workflow.DECLARATION),
    ]
    for step in steps[status]:
        step()
    application.refresh_from_db()
    assert application.status == {"resubmitted_after_ndrc": "submitted"}.get(status, status)
    return application


def answer_return(application: Application, text: str = "已按意见修改。") -> Application:
    """The park answers every comment of the return it is answering (整改说明), as it must
    before resubmitting."""
    from applications import revisions, services

    services.save_revision_answers(
        application, {c.key: text for c in revisions.open_comments(application)}
    )
    return application


def attach_plans(user: User, recommendation, applications) -> list:
    """A construction plan (a small PDF) for each of these parks of the province's draft, as the
    provincial reviewer uploads them (recommendations.attach_plan)."""
    from applications import recommendations

    return [
        recommendations.attach_plan(
            user,
            recommendation,
            application.pk,
            name=f"{application.park.name}建设方案.pdf",
            content=PDF_BYTES,
        )
        for application in applications
    ]
