"""Answering a return: the comments the park must answer and its answers (整改说明).

When an application is returned (退回修改), each comment of that return — the overall comment
and every section comment — needs one answer from the park before it can submit again. Answers
are drafted in `Application.revision_answers` ({"event": <return event id>, "answers":
{key: text}}, written only by `services.save_revision_answers`) and frozen with the next
submission (`Submission.revision_answers`, `frozen_answers`). Answers drafted for an earlier
return do not count for a later one. Reading only: no writes here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from . import sections
from .models import Application, ApplicationEvent, EventAction, Status

GENERAL = "general"  # the key of the return's overall comment
ANSWER_MAX = 4000


@dataclass(frozen=True)
class RevisionComment:
    key: str  # GENERAL or a section key
    title: str
    comment: str
    answer: str

    @property
    def field(self) -> str:
        """The form field (and page anchor) of its answer."""
        return f"answer_{self.key}"


def return_event(application: Application) -> ApplicationEvent | None:
    """The return the park is answering: the latest one, while the application is returned."""
    if application.status != Status.RETURNED:
        return None
    return application.events.filter(action=EventAction.RETURN_FOR_REVISION).order_by("-pk").first()


def comments_of(
    event: ApplicationEvent,
    answers: dict[str, str] | None = None,
) -> list[RevisionComment]:
    """The comments of a return in the book's order (overall first), with their answers."""
    answers = answers or {}
    items = []
    if (event.comment or "").strip():
        items.append(
            RevisionComment(GENERAL, _("总体意见"), event.comment, answers.get(GENERAL, ""))
        )
    given = event.section_comments or {}
    for section in sections.SECTIONS:
        if (given.get(section.key) or "").strip():
            items.append(
                RevisionComment(
                    section.key,
                    str(section.title),
                    given[section.key],
                    answers.get(section.key, ""),
                )
            )
    return items


def drafted_answers(application: Application, event: ApplicationEvent) -> dict[str, str]:
    stored = application.revision_answers or {}
    return dict(stored.get("answers") or {}) if stored.get("event") == event.pk else {}


def open_comments(application: Application) -> list[RevisionComment]:
    """The comments the park is answering now, with what it has drafted; none unless
    returned."""
    event = return_event(application)
    if event is None:
        return []
    return comments_of(event, drafted_answers(application, event))


def frozen_answers(application: Application) -> dict[str, Any] | None:
    """What a submission made now keeps of the return it answers (None: it answers none)."""
    event = return_event(application)
    if event is None:
        return None
    return {
        "event": event.pk,
        "items": [
            {"key": c.key, "title": c.title, "comment": c.comment, "answer": c.answer.strip()}
            for c in comments_of(event, drafted_answers(application, event))
        ],
    }


def by_section(stored: dict[str, Any] | None) -> dict[str, dict[str, str]]:
    """A submission's frozen answers keyed by section (GENERAL for the overall comment)."""
    return {item["key"]: item for item in (stored or {}).get("items", [])}


@dataclass(frozen=True)
class AnsweredSection:
    """One section of the diff between two submissions, with the return's comment on it and
    the park's answer (either may be missing: a change nobody asked for, an answer that
    changed nothing)."""

    key: str
    title: str
    comment: str
    answer: str
    changes: list  # services.FieldChange


def answered_changes(changes: list, stored: dict[str, Any] | None) -> list[AnsweredSection]:
    """The diff (services.diff_submissions) and a submission's frozen answers side by side, in
    the book's order; the overall comment and its answer first."""
    answers = by_section(stored)
    changed = {c.key: c for c in changes}
    blocks = []
    general = answers.get(GENERAL)
    if general:
        blocks.append(
            AnsweredSection(GENERAL, general["title"], general["comment"], general["answer"], [])
        )
    for section in sections.SECTIONS:
        answer, change = answers.get(section.key), changed.get(section.key)
        if answer or change:
            blocks.append(
                AnsweredSection(
                    section.key,
                    str(change.title if change else section.title),
                    answer["comment"] if answer else "",
                    answer["answer"] if answer else "",
                    list(change.changes) if change else [],
                )
            )
    return blocks
