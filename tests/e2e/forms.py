"""Filling the application's forms as a person would: every empty field gets a sensible value.

The section forms are many and grow; rather than name every field, the filler reads the form in
the page and fills what is empty, with a few fields given exact values where a rule needs them
(years in order, a zone level that passes)."""

from __future__ import annotations

import re

# Values that rules care about; everything else gets a generic answer.
SECTION_VALUES = {
    "zone_level": "national_zone",
    "in_catalogue": "yes",
    "approval_year": "2018",
    "period_start": "2026",
    "period_end": "2030",
    "total_cost": "52000",
    "annual_return": "6800",
    "payback_years": "7.5",
    "irr_percent": "8.2",
    # The yearly targets' year lies within the construction period.
    "indicator_targets-0-year": "2027",
    "roadmap-0-name": "近期",
    "roadmap-0-years": "2026—2028",
    "projects-0-name": "屋顶分布式光伏",
    "projects-0-investment": "12000",
}
# Left unticked: a new park may skip its history, and formset rows are not to be deleted.
UNTICKED = re.compile(r"(^is_new_park$|-DELETE$)")
# Only the first row of each formset is filled; the spare rows stay empty.
SPARE_ROW = re.compile(r"-[1-9]\d*-")

FIELDS_JS = """form => Array.from(form.elements)
    .filter(e => e.name && !e.disabled && e.type !== 'hidden' && e.type !== 'submit'
                 && e.type !== 'file' && e.name !== 'csrfmiddlewaretoken')
    .map(e => ({name: e.name, tag: e.tagName.toLowerCase(), type: e.type || '', value: e.value,
                checked: !!e.checked,
                options: e.tagName === 'SELECT'
                    ? Array.from(e.options).map(o => o.value).filter(v => v) : []}))"""


def fill_form(form, values: dict[str, str] | None = None, text: str = "示例说明") -> list[str]:
    """Fill every empty field of a form locator; returns the names filled."""
    values = {**SECTION_VALUES, **(values or {})}
    filled = []
    for field in form.evaluate(FIELDS_JS):
        name = field["name"]
        if SPARE_ROW.search(name) and name not in values:
            continue
        control = form.locator(f'[name="{name}"]').first
        if field["type"] == "checkbox":
            if not UNTICKED.search(name) and not field["checked"]:
                control.check()
                filled.append(name)
            continue
        if field["type"] == "radio":
            continue
        if field["tag"] == "select":
            wanted = values.get(name)
            if wanted is None and field["value"]:
                continue
            control.select_option(wanted or field["options"][0])
            filled.append(name)
            continue
        if field["value"] and name not in values:
            continue
        if name in values:
            value = values[name]
        elif field["type"] == "number":
            value = "10"
        elif field["type"] == "date":
            value = "2024-05-01"
        else:
            value = f"{text}（{name}）"
        control.fill(value)
        filled.append(name)
    return filled
