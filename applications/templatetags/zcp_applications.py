"""Template helpers of the application pages."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext

from accounting import labels

from .. import letters, permissions
from ..models import DECLARATION

register = template.Library()

_OWN_PAGES = {
    "boundary": "application_boundary",
    "incidents": "application_incidents",
    "attachments": "application_attachments",
    "answers": "application_answers",  # 整改说明 (a problem of a resubmission)
}


@register.simple_tag
def section_url(application_pk: int, key: str) -> str:
    if key in _OWN_PAGES:
        return reverse(_OWN_PAGES[key], args=[application_pk])
    return reverse("application_section", args=[application_pk, key])


@register.filter
def tier_label(code: str) -> str:
    """The tier's label (accounting/labels.py); "" for none."""
    return str(labels.TIER_LABELS.get(code or "", ""))


@register.filter
def place_label(division_code: str) -> str:
    """A park's city or county as the boundary page names it ("南京市 / 江宁区"), or ""."""
    from .. import admin_areas  # deferred: shapely, loaded by the first page that shows a place

    return admin_areas.place_label(division_code or "")


@register.filter
def outcome_class(outcome: str) -> str:
    return {"pass": "success", "fail": "danger", "judgement": "warning"}.get(
        str(outcome), "secondary"
    )


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def answered_count(comments) -> int:
    """How many comments of a return the park has answered (revisions.RevisionComment)."""
    return sum(1 for c in comments or () if c.answer.strip())


@register.simple_tag
def confirmation(transition, application) -> str:
    """What the transition will do to this application, said before it is made."""
    return transition.confirmation(application)


@register.simple_tag
def problem_url(application_pk: int, problem) -> str:
    """The page (and field) where a submission problem (services.Problem) is put right."""
    url = section_url(application_pk, problem.section)
    return f"{url}#id_{problem.field}" if problem.field else url


@register.simple_tag
def declaration_text() -> str:
    """The declaration (承诺书) a submission asks for, in the reader's language."""
    return gettext(DECLARATION)


@register.simple_tag
def reissue_confirmation(letter) -> str:
    return letters.reissue_confirmation(letter)


@register.simple_tag(takes_context=True)
def may_reissue(context, letter) -> bool:
    """Whether the reader may reissue this letter: only its issuing side
    (letters.reissue_permission), on the application shown."""
    application = context.get("application") or letter.application
    return permissions.may(context["user"], letters.reissue_permission(letter), application)
