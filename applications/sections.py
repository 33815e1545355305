"""The sections of the application book (Att.2 outline), and what each needs to be complete.

Keys and titles here; the fields of each section, with their requirements, are declared once in
book.py. Section content lives in `Application.data[key]` as plain JSON (strings, booleans,
lists; decimals as strings). Completeness of the sections kept in their own fields or rows
(boundary, incidents, attachments) is decided in services.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import book


@dataclass(frozen=True)
class Section:
    key: str
    title: str

    def _needing(self, requirement: str) -> tuple[str, ...]:
        return tuple(f.key for f in book.FIELDS[self.key] if f.requirement == requirement)

    @property
    def required(self) -> tuple[str, ...]:
        return self._needing(book.REQUIRED)

    @property
    def required_unless_new(self) -> tuple[str, ...]:
        """Fields needed only when the park is not new (新建园区可不提供)."""
        return self._needing(book.UNLESS_NEW)

    @property
    def required_if_new(self) -> tuple[str, ...]:
        return self._needing(book.IF_NEW)


SECTIONS: list[Section] = [
    Section("basic", _("园区基本情况")),
    Section("boundary", _("申报边界")),
    Section("industry", _("产业发展情况")),
    Section("energy", _("能源供应、消费及碳排放")),
    Section("feasibility", _("可行性分析")),
    Section("targets", _("建设目标")),
    Section("key_tasks", _("重点任务与重点项目")),
    Section("economics", _("经济性分析")),
    Section("support", _("保障措施")),
    Section("data_foundation", _("能碳数据基础")),
    Section("incidents", _("安全、环境与社会事件记录")),
    Section("attachments", _("证明材料")),
]
SECTIONS_BY_KEY: dict[str, Section] = {s.key: s for s in SECTIONS}


def _filled(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | dict):
        return bool(value)
    return True


def missing_fields(key: str, content: dict, is_new_park: bool) -> list[str]:
    """Names of the required fields of a JSON section that are still empty."""
    section = SECTIONS_BY_KEY[key]
    needed = list(section.required)
    needed += list(section.required_if_new if is_new_park else section.required_unless_new)
    missing = [name for name in needed if not _filled(content.get(name))]
    if key == "basic":
        level = content.get("zone_level")
        if level == "provincial_zone" and not _filled(content.get("in_catalogue")):
            missing.append("in_catalogue")
        if level in ("emerging_park", "high_tech_park"):
            missing += [
                n for n in ("approval_document", "approval_year") if not _filled(content.get(n))
            ]
    if key == "key_tasks" and "tasks" not in missing:
        tasks = content.get("tasks") or {}
        if not any(t.get("involved") for t in tasks.values()) or any(
            t.get("involved") and not _filled(t.get("measures")) for t in tasks.values()
        ):
            missing.append("tasks")
    return missing


def label(section: str, name: str) -> str:
    return book.label(section, name)


def displayed(content_by_section: dict, skip: tuple[str, ...] = ()) -> list[dict]:
    """Every section of a snapshot (or of `Application.data`) as the book displays it:
    [{"key", "title", "rows": [book.Row]}], in the outline's order."""
    return [
        {
            "key": s.key,
            "title": s.title,
            "rows": book.rows(s.key, content_by_section.get(s.key)),
        }
        for s in SECTIONS
        if s.key not in skip
    ]
