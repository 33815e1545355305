"""The summary of the experts' scores for NDRC's decision meeting: the applications of a batch
that reached NDRC × the people who scored them (NDRC's reviewers and experts), each cell the
weighted total of their sheet for the current submission, then the mean, the spread and the
outliers (rubric.spread, D22).

Scores are NDRC's internal material: the table holds only applications on which the reader has
`read_ndrc_material` and only NDRC's sheets (the province's own sheets stay the province's);
who may open it at all is `score_table` of the permission table. Three queries, whatever the size.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from . import permissions, rubric
from .models import REACHED_NDRC, Application, Batch, ReviewScore, User


@dataclass(frozen=True)
class Row:
    application: Application
    cells: list[Decimal | None]  # per column of `ScoreTable.scorers`
    outlier: list[bool]  # per column: that sheet is an outlier
    spread: rubric.Spread

    @property
    def marked_cells(self) -> list[tuple[Decimal | None, bool]]:
        return list(zip(self.cells, self.outlier, strict=True))

    @property
    def outlier_names(self) -> list[str]:
        return [name for name, marked in zip(self.names, self.outlier, strict=True) if marked]

    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScoreTable:
    batch: Batch
    criteria: list[rubric.Criterion]
    scorers: list[User]
    rows: list[Row]


def default_batch() -> Batch | None:
    """The batch the table opens on: the latest active one, else the latest."""
    return (
        Batch.objects.filter(is_active=True).order_by("-year", "-pk").first()
        or Batch.objects.order_by("-year", "-pk").first()
    )


def build(user: User, batch: Batch) -> ScoreTable:
    applications = list(
        permissions.permitted(
            user,
            "read_ndrc_material",
            Application.objects.filter(batch=batch, status__in=REACHED_NDRC),
        )
        .select_related("park__province", "batch")
        .prefetch_related(
            Prefetch("scores", queryset=ReviewScore.objects.select_related("reviewer"))
        )
        .order_by("park__province__code", "park__name", "pk")
    )
    sheets_of: dict[int, dict[int, ReviewScore]] = {}
    scorers: dict[int, User] = {}
    for application in applications:
        sheets = {
            s.reviewer_id: s
            for s in application.scores.all()
            if s.submission_number == application.submission_count
            and permissions.side_of(s.reviewer) == permissions.NDRC_SIDE
        }
        sheets_of[application.pk] = sheets
        for sheet in sheets.values():
            scorers.setdefault(sheet.reviewer_id, sheet.reviewer)
    columns = sorted(scorers.values(), key=lambda u: (str(u), u.pk))
    names = tuple(str(u) for u in columns)
    rows = []
    for application in applications:
        sheets = sheets_of[application.pk]
        cells = [sheets[u.pk].weighted_total if u.pk in sheets else None for u in columns]
        given = [(i, c) for i, c in enumerate(cells) if c is not None]
        spread = rubric.spread([c for _i, c in given])
        marked = {given[k][0] for k in spread.outliers}
        rows.append(
            Row(application, cells, [i in marked for i in range(len(columns))], spread, names)
        )
    return ScoreTable(batch, rubric.criteria_of(batch), columns, rows)
