"""What the review page shows, shaped from a prefetched application.

`review_context(user, application)` expects the application loaded as in
views/reviews.py `_load` (submissions, events, scores, comments, assignments, letters, incidents,
attachments prefetched) and adds a fixed number of queries: the calculation runs of the latest
snapshot (one), and the assignable users (one, only for those who may assign).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounting import labels
from accounting.models import CalculationRun
from accounting.trace_store import TRACE_COLUMNS

from . import (
    book,
    letter_content,
    permissions,
    reviews,
    revisions,
    rubric,
    sections,
    services,
    three_years,
)
from .models import Application, CommentVisibility, User

SIDE_TITLES = {permissions.PROVINCE_SIDE: _("省级评分"), permissions.NDRC_SIDE: _("国家级评审评分")}


def section_rows(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The snapshot section by section, as the book displays it (incidents and attachments
    have their own tables on the page)."""
    return sections.displayed(snapshot.get("sections") or {}, skip=("incidents", "attachments"))


def _runs(calculations: list[dict[str, Any]]) -> dict[int, Any]:
    ids = [c["run_id"] for c in calculations if c.get("run_id")]
    return (
        {
            run.pk: run
            for run in CalculationRun.objects.filter(pk__in=ids).select_related("factor_set")
        }
        if ids
        else {}
    )


def calculation_blocks(calculations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each year's result with its indicators and its trace (factor code, value, source)."""
    runs = _runs(calculations)
    fuels = labels.fuel_names_of({run.factor_set_id for run in runs.values() if run.factor_set_id})
    blocks = []
    for calc in sorted(calculations, key=lambda c: c["year"], reverse=True):
        run = runs.get(calc.get("run_id"))
        trace, lines = [], (run.trace_view() if run is not None else [])
        if lines:
            names = fuels.get(run.factor_set_id, {})
            trace = [
                labels.trace_row(dict(zip(TRACE_COLUMNS, row, strict=True)), names)
                for row in lines[:200]
            ]
        blocks.append(
            {
                "calc": calc,
                "indicators": letter_content.indicator_rows(calc if calc.get("result") else None),
                "result": calc.get("result") or {},
                "trace": trace,
                "trace_total": len(lines),
                "run": run,
            }
        )
    return blocks


def score_summaries(
    application: Application, scores: list, criteria: list[rubric.Criterion]
) -> list[tuple[str, reviews.ScoreSummary]]:
    """One summary per side whose sheets this reader may see: the province's sheets and NDRC's
    (its reviewers' and experts') are never averaged together."""
    by_side: dict[str, list] = {}
    for score in scores:
        by_side.setdefault(permissions.side_of(score.reviewer), []).append(score)
    return [
        (str(SIDE_TITLES[side]), reviews.score_summary(application, by_side[side], criteria))
        for side in (permissions.PROVINCE_SIDE, permissions.NDRC_SIDE)
        if side in by_side
    ]


def _place_now(division_code: str) -> str:
    from . import admin_areas  # deferred: shapely

    return admin_areas.place_label(division_code)


def review_context(user: User, application: Application) -> dict[str, Any]:
    submissions = list(application.submissions.all())
    latest = submissions[-1] if submissions else None
    previous = submissions[-2] if len(submissions) > 1 else None
    snapshot = latest.snapshot if latest else {}
    calculations = snapshot.get("calculations") or []
    boundary = (snapshot.get("sections") or {}).get("boundary") or {}
    changes = services.diff_submissions(previous, latest) if latest and previous else []
    can_assign = permissions.may(user, "assign", application)
    # Internal material is shown to its audience only (the province's, NDRC's).
    scores = permissions.readable_scores(user, application, application.scores.all())
    sees_ndrc = permissions.may(user, "read_ndrc_material", application)
    criteria = rubric.criteria_of(application.batch)
    my_score = next(
        (
            s
            for s in scores
            if s.reviewer_id == user.pk and s.submission_number == application.submission_count
        ),
        None,
    )
    return {
        "application": application,
        "submission": latest,
        "previous": previous,
        "section_rows": section_rows(snapshot),
        "eligibility": letter_content.eligibility_rows(snapshot),
        "calculations": calculation_blocks(calculations),
        "three_years": three_years.shown(snapshot.get("three_years")),
        # The park's city or county as submitted (D53); the park's own before any submission.
        "place": services.snapshot_place(snapshot)
        if latest
        else _place_now(application.park.division_code),
        "data_changes": three_years.data_changes_since_submission(application, snapshot)
        if latest
        else [],
        "boundary": boundary,
        "boundary_geojson": boundary.get("geojson"),
        "incident_rows": book.rows("incidents", (snapshot.get("sections") or {}).get("incidents")),
        "attachments": list(application.attachments.all()),
        "changes": changes,
        # The return's comments and the park's answers (frozen with the submission) beside
        # what changed.
        "answered": revisions.answered_changes(
            changes, latest.revision_answers if latest else None
        ),
        "events": list(application.events.all()),
        "summaries": score_summaries(application, scores, criteria),
        "criteria": criteria,
        "my_score": my_score,
        "my_values": dict(my_score.values) if my_score else {},
        "comments": permissions.readable_comments(
            user, application, application.review_comments.all()
        ),
        "sees_assignments": sees_ndrc,
        "assignments": list(application.assignments.all()) if sees_ndrc else [],
        # Experts who declared a conflict and left: NDRC's record, shown to its reviewers.
        "conflicts": list(application.conflicts.all())
        if sees_ndrc and permissions.may(user, "assign", application)
        else [],
        "withdrawals": list(application.withdrawals.all())
        if sees_ndrc and permissions.may(user, "assign", application)
        else [],
        "letters": list(application.letters.all()),
        "can_review": permissions.may(user, "score", application),
        "can_comment": permissions.may(user, "comment", application),
        "visibilities": [
            (value, label)
            for value, label in CommentVisibility.choices
            if value == CommentVisibility.INTERNAL
            or permissions.may(user, "comment_to_park", application)
        ],
        "can_assign": can_assign,
        "may_retry": permissions.may(user, "retry_letter", application),
        "may_download_book": permissions.may(user, "download_book", application),
        "assignable": list(reviews.assignable_users()) if can_assign else [],
        "tile_url": getattr(settings, "ZCP_MAP_TILE_URL", ""),
        # The base layer under the submitted boundary: provinces, the province's cities, counties.
        "admin_cities": f"cities/{application.park.province.code}.geojson",
        "admin_counties": f"counties/{application.park.province.code}.geojson",
    }
