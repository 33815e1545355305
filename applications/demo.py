"""A believable demo: parks in several provinces and one login per role.

Loading is idempotent: records are found by natural keys and updated, so running the set-up twice
leaves one copy of everything.
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
    DemoPark("subei", "苏北示范零碳产业园", "32", ParkScope.WHOLE, ZoneLevel.NATIONAL_ZONE,
             "苏北示范零碳产业园管理委员会",
             name_en="Subei Demonstration Zero-Carbon Industrial Park"),
    DemoPark("changzhou", "常州新能源装备产业园", "32", ParkScope.WHOLE, ZoneLevel.PROVINCIAL_ZONE,
             "常州新能源装备产业园管理办公室", name_en="Changzhou New Energy Equipment Park"),
    DemoPark("suzhou", "苏州工业园区零碳智造园", "32", ParkScope.WITHIN, ZoneLevel.NATIONAL_ZONE,
             "苏州工业园区管理委员会", host_park_name="苏州工业园区",
             name_en="Suzhou Zero-Carbon Smart Manufacturing Park"),
    DemoPark("yanjiang", "沿江化工新材料园", "34", ParkScope.WHOLE, ZoneLevel.PROVINCIAL_ZONE,
             "沿江化工新材料园管理委员会", name_en="Yanjiang Chemical New Materials Park"),
    DemoPark("xibu", "西部绿色铝硅产业园", "15", ParkScope.WHOLE, ZoneLevel.NATIONAL_ZONE,
             "西部绿色铝硅产业园管理委员会", name_en="Western Green Aluminium-Silicon Park"),
    DemoPark("binhai", "滨海数字经济园（园中园）", "12", ParkScope.WITHIN, ZoneLevel.HIGH_TECH_PARK,
             "天津滨海高新技术产业开发区管理委员会", host_park_name="天津滨海高新技术产业开发区",
             name_en="Binhai Digital Economy Park"),
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
    DemoUser("ndrc_expert", "评审专家", Role.NATIONAL),
    DemoUser("admin", "系统管理员", Role.ADMIN),
]


@transaction.atomic
def load_parks_and_people() -> dict[str, Park]:
    provinces = {p.code: p for p in Province.objects.all()}
    parks: dict[str, Park] = {}
    for spec in DEMO_PARKS:
        park, _ = Park.objects.update_or_create(
            province=provinces[spec.province_code],
            name=spec.name,
            defaults={
                "name_en": spec.name_en,
                "scope": spec.scope,
                "zone_level": spec.zone_level,
                "management_body": spec.management_body,
                "host_park_name": spec.host_park_name,
            },
        )
        parks[spec.key] = park
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first() or User(username=spec.username)
        user.display_name = spec.display_name
        user.email = f"{spec.username}@demo.zcparks.local"
        user.role = spec.role
        user.park = parks[spec.park_key] if spec.park_key else None
        user.province = provinces[spec.province_code] if spec.province_code else None
        user.is_superuser = spec.role == Role.ADMIN
        user.set_password(DEMO_PASSWORD)
        user.save()
    return parks


def login_lines() -> list[str]:
    lines = []
    for spec in DEMO_USERS:
        lines.append(f"  {spec.username:<16} {DEMO_PASSWORD}   {spec.display_name}")
    return lines
