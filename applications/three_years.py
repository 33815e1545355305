"""The three years (近三年) of energy and carbon data an application accounts for (D43).

The batch sets its window (`Batch.history_start`, by default the three calendar years before
the batch's year); each of the window's years has, for the application, either a calculation of
the park's current data (the park-year's latest run succeeded and no recalculation is pending)
or a reason the park states why there is none (e.g. 园区设立不足三年). A new park (新建园区) may
leave years without either: the notice does not ask it for a history.

The reasons are kept with the energy section (`Application.data["energy"]["year_reasons"]`,
rows of {"year", "reason"}), so that they are edited, frozen and compared as the section is.

The history years' calculations (`history_years`: the window and the baseline year) are frozen
with each submission (`latest_calculations`, in the snapshot) and compared with the current
data after it (`data_changes_since_submission`, on the review and application pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounting.models import CalculationRun, RunStatus
from accounting.services import latest_result

from . import book
from .models import Application, Batch, Submission

REASON_MAX = 500

# A year's state, as the park and the reviewer see it.
CALCULATED = "calculated"  # the latest run of the current data succeeded
PENDING = "pending"  # the data changed after the latest run: a recalculation is on its way
FAILED = "failed"  # the latest run of the data failed
NO_DATA = "no_data"  # nothing entered or imported for the year
STATE_LABELS = {
    CALCULATED: _("已核算"),
    PENDING: _("正在重新核算"),
    FAILED: _("核算未成功"),
    NO_DATA: _("无数据"),
}


def allowed_starts(year: int) -> list[int]:
    """The windows a batch of `year` may set: the three years before it, or the two before it
    and the year itself (for 2025: 2022–2024 or 2023–2025)."""
    return [year - 3, year - 2]


def window_label(first: int) -> str:
    return gettext("%(first)s—%(last)s 年") % {"first": first, "last": first + 2}


def window_refusal(batch: Batch, year: int | None, start: int | None) -> str:
    """Why the batch may not cover these years (empty: it may). `year` and `start`: the values
    the administrator asks for; `start` None is the default window."""
    if year is None:
        return ""
    if start is not None and start not in allowed_starts(year):
        return gettext(
            "近三年数据起始年：%(year)s 年度的批次只能覆盖 %(a)s 或 %(b)s，"
            "即起始年填 %(sa)s 或 %(sb)s。"
        ) % {
            "year": year,
            "a": window_label(year - 3),
            "b": window_label(year - 2),
            "sa": year - 3,
            "sb": year - 2,
        }
    if batch.pk is None:
        return ""
    first = start or year - 3
    if first == batch.history_years[0]:
        return ""
    if Submission.objects.filter(application__batch=batch).exists():
        return gettext(
            "近三年数据起始年：本批次已有园区提交申报书，所涉年度（%(window)s）不能再更改。"
        ) % {"window": window_label(batch.history_years[0])}
    return ""


def reasons(application: Application) -> dict[int, str]:
    """The park's stated reasons by year (blank ones left out)."""
    rows = (application.data.get("energy") or {}).get("year_reasons") or []
    found = {}
    for row in rows if isinstance(rows, list) else []:
        try:
            year = int((row or {}).get("year"))
        except (TypeError, ValueError):
            continue
        text = str((row or {}).get("reason") or "").strip()
        if text:
            found[year] = text
    return found


@dataclass(frozen=True)
class Year:
    year: int
    state: str
    run: CalculationRun | None  # the latest successful run (of the current data when CALCULATED)
    reason: str

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def calculated(self) -> bool:
        return self.state == CALCULATED

    @property
    def needs_reason(self) -> bool:
        """Whether the park may state a reason for the year (no calculation of its data)."""
        return self.state in (NO_DATA, FAILED)

    @property
    def satisfied(self) -> bool:
        return self.calculated or (self.needs_reason and bool(self.reason))

    @property
    def intensity(self) -> Any:
        return ((self.run.result or {}).get("intensity")) if self.run else None

    @property
    def field(self) -> str:
        return reason_field(self.year)


def reason_field(year: int) -> str:
    return f"reason_{year}"


def years_of(application: Application) -> list[Year]:
    """Each year of the batch's window with its state and the park's reason (two queries a
    year)."""
    stated = reasons(application)
    found = []
    for year in application.batch.history_years:
        outcome = latest_result(application.park, year)
        last, success = outcome.run, outcome.last_success
        if last is None and not outcome.pending:
            state = NO_DATA
        elif outcome.pending or last is None or not (last.succeeded or outcome.failed):
            state = PENDING  # data changed after the run, or the run is queued or running
        elif last.succeeded:
            state = CALCULATED
        else:
            state = FAILED
        found.append(Year(year, state, success, stated.get(year, "")))
    return found


def problems(application: Application, is_new_park: bool) -> list[tuple[str, str]]:
    """(message, form field where it is put right) for each year of the window that has
    neither a calculation of the current data nor a stated reason. None for a new park."""
    if is_new_park:
        return []
    found = []
    for y in years_of(application):
        if y.satisfied:
            continue
        if y.state == PENDING:
            text = gettext(
                "近三年能源与碳排放：%(year)s 年的数据已修改，正在重新核算；核算完成后方可提交。"
            )
        else:
            text = gettext(
                "近三年能源与碳排放：%(year)s 年既无核算结果，也未说明原因；请录入或导入该年数据，"
                "或填写无数据的原因。"
            )
        found.append((text % {"year": y.year}, y.field if y.needs_reason else ""))
    return found


def snapshot(application: Application) -> list[dict[str, Any]]:
    """The window's years as a submission freezes them: state, the run of a calculated year,
    the reason of a year without one."""
    return [
        {
            "year": y.year,
            "state": y.state,
            "run_id": y.run.pk if y.calculated and y.run else None,
            "input_digest": y.run.input_digest if y.calculated and y.run else "",
            "intensity": y.intensity if y.calculated else None,
            "reason": "" if y.calculated else y.reason,
        }
        for y in years_of(application)
    ]


def shown(frozen: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """A snapshot's years for pages and the book: year, state label, intensity, reason."""
    return [
        {
            **row,
            "state_label": str(STATE_LABELS.get(row.get("state"), STATE_LABELS[NO_DATA])),
            "calculated": row.get("state") == CALCULATED,
        }
        for row in frozen or []
    ]


# --- The history years' calculations: frozen with a submission, compared after it -------------


def history_years(application: Application) -> list[int]:
    """The batch's three years (近三年, D36), and the baseline year 2025 when the batch is not
    earlier than it."""
    year = application.batch.year
    years = list(application.batch.history_years)
    if year >= book.BASELINE_YEAR and book.BASELINE_YEAR not in years:
        years.append(book.BASELINE_YEAR)
    return years


def latest_calculations(application: Application) -> list[dict[str, Any]]:
    """The latest successful calculation of each history year, as plain JSON (none: left out)."""
    found = []
    for year in history_years(application):
        outcome = latest_result(application.park, year)
        run = outcome.last_success
        if run is None:
            continue
        found.append(
            {
                "year": year,
                "run_id": run.pk,
                "status": run.status,
                "factor_set_code": run.factor_set_code,
                "factor_set_version": run.factor_set_version,
                "input_digest": run.input_digest,
                "finished_at": run.finished_at.isoformat(),
                "result": run.result,
                "newer_run_pending": outcome.pending,
            }
        )
    return found


def data_changes_since_submission(
    application: Application, snapshot: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The years whose energy data differs from what the latest submission froze: the current
    data's latest successful run has another input digest than the run in the snapshot, the data
    changed after that run (a recalculation is pending), or a year that had no calculation when
    submitted has one now. Empty while the application is being edited (the next submission
    takes the data as it is) or was never submitted. ``snapshot``: the latest submission's, when
    the caller has it. One query (two without the snapshot)."""
    if application.is_editable or not application.submission_count:
        return []
    if snapshot is None:
        submission = application.submissions.order_by("-number").first()
        if submission is None:
            return []
        snapshot = submission.snapshot
    frozen = {c["year"]: c for c in snapshot.get("calculations") or []}
    years = sorted(set(history_years(application)) | set(frozen))
    latest: dict[int, tuple] = {}
    runs = (
        CalculationRun.objects.filter(
            park_year__park_id=application.park_id,
            park_year__year__in=years,
            status=RunStatus.SUCCEEDED,
        )
        .order_by("-started_at", "-id")
        .values_list(
            "park_year__year",
            "input_digest",
            "inputs_as_of",
            "park_year__recalc_queued_at",
            "park_year__inputs_changed_at",
        )
    )
    for year, *rest in runs:
        latest.setdefault(year, tuple(rest))
    changes = []
    for year in years:
        then, now = frozen.get(year), latest.get(year)
        if then is None:
            if now is not None:
                changes.append({"year": year, "text": _("提交时无核算结果，现已有新的核算")})
            continue
        if now is None or now[0] != then.get("input_digest"):
            changes.append({"year": year, "text": _("能源数据与提交时不同（核算输入已变化）")})
            continue
        _digest, as_of, queued, changed = now
        if queued is not None or (changed and as_of and changed > as_of):
            changes.append({"year": year, "text": _("提交后能源数据已修改，正在重新核算")})
    return changes
