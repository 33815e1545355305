"""A believable demo: parks in several provinces and one login per role.

Loading adds what is missing and leaves the rest: parks and people are found by their natural
keys, and one that exists keeps whatever a user changed since (names, e-mail, role, password).
Running the set-up twice leaves one copy of everything and loses no one's edits.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from .models import Park, ParkScope, Province, Role, User, ZoneLevel

# Printed for newcomers by the set-up; demo installations only.
DEMO_PASSWORD = "zcp-Demo-2025"  # noqa: S105


@dataclass(frozen=True)
class DemoPark:
    key: str
    name: str
    province_code: str
    scope: str
    zone_level: str
    management_body: str
    host_park_name: str = ""
    name_en: str = ""


DEMO_PARKS = [
    DemoPark(
        "subei",
        "苏北示范零碳产业园",
        "32",
        ParkScope.WHOLE,
        ZoneLevel.NATIONAL_ZONE,
        "苏北示范零碳产业园管理委员会",
        name_en="Subei Demonstration Zero-Carbon Industrial Park",
    ),
    DemoPark(
        "changzhou",
        "常州新能源装备产业园",
        "32",
        ParkScope.WHOLE,
        ZoneLevel.PROVINCIAL_ZONE,
        "常州新能源装备产业园管理办公室",
        name_en="Changzhou New Energy Equipment Park",
    ),
    DemoPark(
        "suzhou",
        "苏州工业园区零碳智造园",
        "32",
        ParkScope.WITHIN,
        ZoneLevel.NATIONAL_ZONE,
        "苏州工业园区管理委员会",
        host_park_name="苏州工业园区",
        name_en="Suzhou Zero-Carbon Smart Manufacturing Park",
    ),
    DemoPark(
        "yanjiang",
        "沿江化工新材料园",
        "34",
        ParkScope.WHOLE,
        ZoneLevel.PROVINCIAL_ZONE,
        "沿江化工新材料园管理委员会",
        name_en="Yanjiang Chemical New Materials Park",
    ),
    DemoPark(
        "xibu",
        "西部绿色铝硅产业园",
        "15",
        ParkScope.WHOLE,
        ZoneLevel.NATIONAL_ZONE,
        "西部绿色铝硅产业园管理委员会",
        name_en="Western Green Aluminium-Silicon Park",
    ),
    DemoPark(
        "binhai",
        "滨海数字经济园（园中园）",
        "12",
        ParkScope.WITHIN,
        ZoneLevel.HIGH_TECH_PARK,
        "天津滨海高新技术产业开发区管理委员会",
        host_park_name="天津滨海高新技术产业开发区",
        name_en="Binhai Digital Economy Park",
    ),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    park_key: str = ""
    province_code: str = ""


DEMO_USERS = [
    DemoUser("park_subei", "苏北园区申报人", Role.APPLICANT, park_key="subei"),
    DemoUser("park_changzhou", "常州园区申报人", Role.APPLICANT, park_key="changzhou"),
    DemoUser("park_suzhou", "苏州园区申报人", Role.APPLICANT, park_key="suzhou"),
    DemoUser("park_yanjiang", "沿江园区申报人", Role.APPLICANT, park_key="yanjiang"),
    DemoUser("park_xibu", "西部园区申报人", Role.APPLICANT, park_key="xibu"),
    DemoUser("park_binhai", "滨海园区申报人", Role.APPLICANT, park_key="binhai"),
    DemoUser("prov_jiangsu", "江苏省发展改革委审核人", Role.PROVINCIAL, province_code="32"),
    DemoUser("prov_anhui", "安徽省发展改革委审核人", Role.PROVINCIAL, province_code="34"),
    DemoUser("prov_neimenggu", "内蒙古自治区发展改革委审核人", Role.PROVINCIAL, province_code="15"),
    DemoUser("prov_tianjin", "天津市发展改革委审核人", Role.PROVINCIAL, province_code="12"),
    DemoUser("ndrc_reviewer", "国家发展改革委环资司评审人", Role.NATIONAL),
    DemoUser("ndrc_expert", "评审专家", Role.EXPERT),
    DemoUser("admin", "系统管理员", Role.ADMIN),
]


def find_parks() -> dict[str, Park]:
    """The demo parks that exist, by demo key: found by province and name, or, for a park
    renamed since, as the park of its demo applicant (in the same province)."""
    applicants = {u.park_key: u.username for u in DEMO_USERS if u.park_key}
    by_name = {
        (p.province.code, p.name): p
        for p in Park.objects.select_related("province").filter(
            name__in=[spec.name for spec in DEMO_PARKS]
        )
    }
    their_parks = {
        u.username: u.park
        for u in User.objects.select_related("park__province").filter(
            username__in=applicants.values(), park__isnull=False
        )
    }
    parks: dict[str, Park] = {}
    for spec in DEMO_PARKS:
        park = by_name.get((spec.province_code, spec.name))
        if park is None:
            park = their_parks.get(applicants[spec.key])
            if park is not None and park.province.code != spec.province_code:
                park = None
        if park is not None:
            parks[spec.key] = park
    return parks


@transaction.atomic
def load_parks_and_people() -> dict[str, Park]:
    provinces = {p.code: p for p in Province.objects.all()}
    parks = find_parks()
    for spec in DEMO_PARKS:
        if spec.key not in parks:
            parks[spec.key] = Park.objects.create(
                province=provinces[spec.province_code],
                name=spec.name,
                name_en=spec.name_en,
                scope=spec.scope,
                zone_level=spec.zone_level,
                management_body=spec.management_body,
                host_park_name=spec.host_park_name,
            )
    existing = set(
        User.objects.filter(username__in=[u.username for u in DEMO_USERS]).values_list(
            "username", flat=True
        )
    )
    for spec in DEMO_USERS:
        if spec.username in existing:
            # Whatever was changed since (name, role, a password of the user's own) stays:
            # resetting it on every set-up would undo the user's work.
            continue
        user = User(
            username=spec.username,
            display_name=spec.display_name,
            email=f"{spec.username}@demo.zcparks.local",
            role=spec.role,
            park=parks[spec.park_key] if spec.park_key else None,
            province=provinces[spec.province_code] if spec.province_code else None,
            is_superuser=spec.role == Role.ADMIN,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
    return parks


def login_lines() -> list[str]:
    lines = [f"  {u.username:<16} {DEMO_PASSWORD}   {u.display_name}" for u in DEMO_USERS]
    lines.append("  (an account that existed before this run keeps the password it has)")
    return lines
