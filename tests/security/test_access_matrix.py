"""Every URL of the site, for every role of the cast, object by object.

The URLs come from the URL configuration, so a new view cannot escape: a route without an entry in
RULES fails the test. Each entry names A's object to point at and the status each person must get.
No park ever reads or changes another park's objects; a province sees only its own. This file walks
one share of the routes; test_access_matrix_2.py walks the other, and the admin site.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from applications.models import DEFAULT_ACCEPTANCE_RUBRIC

from .access_world import World, sign_in, world_built_once, world_settings

ACTORS = (
    "anonymous",
    "applicant_a",
    "applicant_b",
    "provincial_a",
    "provincial_other",
    "national",
    "expert",
    "admin",
)


def iter_routes(resolver=None, namespace: str = ""):
    """Every named route as `namespace:name`, found by walking the URL configuration."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or ""
            yield from iter_routes(entry, f"{namespace}{inner}:" if inner else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


@dataclass
class Probe:
    kwargs: Callable[[World], dict] = lambda w: {}
    method: str = "get"
    data: Callable[[World], dict] = lambda w: {}


def app(name: str):
    return lambda w: {"pk": getattr(w, name).pk}


def park_year(**extra):
    return lambda w: {"park_id": w.park_year.park_id, "year": w.park_year.year, **extra}


SCORES = {
    "representativeness": "80",
    "demonstration": "85",
    "reduction_potential": "90",
    "feasibility": "75",
    "comment": "评分意见",
}

ACCEPTANCE_SCORES = {key: "85" for key, *_rest in DEFAULT_ACCEPTANCE_RUBRIC}

# Every named route, with what to point it at. Mutating routes are probed with a valid POST.
PROBES: dict[str, Probe] = {
    # Public and personal pages.
    "login": Probe(),
    "logout": Probe(method="post"),
    "two_factor_setup": Probe(),
    "two_factor_verify": Probe(),
    "two_factor_verify_key": Probe(method="post", data=lambda w: {"assertion": "{}"}),
    "two_factor_keys": Probe(),
    # Without confirmed_act: the owner gets the confirmation page, nobody removes anything.
    "two_factor_key_remove": Probe(lambda w: {"key_id": w.security_key.pk}, method="post"),
    "password_change": Probe(),
    "password_change_done": Probe(),
    "password_reset": Probe(),
    "password_reset_done": Probe(),
    "password_reset_confirm": Probe(lambda w: {"uidb64": w.reset_uid, "token": w.reset_token}),
    "password_reset_complete": Probe(),
    "set_language": Probe(method="post", data=lambda w: {"language": "zh-hans", "next": "/"}),
    "letter_verify": Probe(lambda w: {"code": w.letter.verification_code}),
    "home": Probe(),
    # The inbox: A's applicant's one unread notice.
    "inbox": Probe(),
    "inbox_open": Probe(lambda w: {"item_id": w.inbox_item.pk}),
    "inbox_mark_read": Probe(lambda w: {"item_id": w.inbox_item.pk}, method="post"),
    "inbox_mark_all_read": Probe(method="post"),
    "workbench_map": Probe(),
    "favicon": Probe(),
    "health": Probe(),
    "metrics": Probe(),
    "my_park": Probe(),
    "park_list": Probe(),
    "park_detail": Probe(lambda w: {"park_id": w.approved.park_id}),
    # The park's API tokens.
    "api_tokens_mine": Probe(),
    "api_tokens": Probe(lambda w: {"park_id": w.token.park_id}),
    "api_tokens_revoke": Probe(
        lambda w: {"park_id": w.token.park_id, "token_id": w.token.pk}, method="post"
    ),
    # Applications.
    "application_list": Probe(),
    "application_start": Probe(),
    "application_detail": Probe(app("submitted")),
    "application_submission": Probe(lambda w: {"pk": w.submitted.pk, "number": 1}),
    "application_transition": Probe(
        lambda w: {"pk": w.submitted.pk, "action": "not_recommend"},
        method="post",
        data=lambda w: {"comment": "不予推荐", "confirmed_act": "1"},
    ),
    "application_section": Probe(lambda w: {"pk": w.draft.pk, "key": "basic"}),
    "application_answers": Probe(app("returned")),
    "application_boundary": Probe(app("draft")),
    "application_eligibility_preview": Probe(
        lambda w: {"pk": w.draft.pk, "key": "basic"}, method="post"
    ),
    "application_incidents": Probe(app("draft")),
    "application_incident_delete": Probe(
        lambda w: {"pk": w.draft.pk, "incident_id": w.incident.pk}, method="post"
    ),
    "application_attachments": Probe(app("draft")),
    "application_attachment": Probe(lambda w: {"pk": w.draft.pk, "attachment_id": w.attachment_id}),
    "application_attachment_delete": Probe(
        lambda w: {"pk": w.draft.pk, "attachment_id": w.attachment_id}, method="post"
    ),
    "application_dossier": Probe(app("approved")),
    "application_book": Probe(app("approved")),
    # After approval.
    "programme_list": Probe(),
    "programme_detail": Probe(app("programme")),
    "acceptance_detail": Probe(app("programme")),
    "acceptance_act": Probe(
        lambda w: {"pk": w.programme.pk, "action": "request_self_assessment"},
        method="post",
        data=lambda w: {"confirmed_act": "1"},
    ),
    "register": Probe(),
    "construction_list": Probe(),
    "construction_list_export": Probe(lambda w: {"fmt": "csv"}),
    "batch_close": Probe(
        lambda w: {"batch_id": w.closable.pk}, method="post", data=lambda w: {"confirmed_act": "1"}
    ),
    "guidance_list": Probe(),
    "guidance_detail": Probe(app("programme")),
    "guidance_visit": Probe(
        app("programme"),
        method="post",
        data=lambda w: {
            "visited_on": timezone.localdate().isoformat(),
            "form": "meeting",
            "participants": "省发展改革委",
            "content": "座谈",
            "problems": "用地指标不足",
            "confirmed_act": "1",
        },
    ),
    "guidance_solve": Probe(
        lambda w: {"pk": w.programme.pk, "problem_id": w.problem.pk},
        method="post",
        data=lambda w: {
            "solved_on": timezone.localdate().isoformat(),
            "solution": "已并网",
            "confirmed_act": "1",
        },
    ),
    "guidance_respond": Probe(
        lambda w: {"pk": w.programme.pk, "problem_id": w.problem.pk},
        method="post",
        data=lambda w: {"text": "正在协调", "confirmed_act": "1"},
    ),
    # The experts of the evaluation and acceptance (A's second programme, in acceptance).
    "acceptance_queue_mine": Probe(),
    "acceptance_review": Probe(app("accepting")),
    "acceptance_declare": Probe(app("accepting"), method="post", data=lambda w: {"conflict": "0"}),
    "acceptance_score": Probe(
        app("accepting"),
        method="post",
        data=lambda w: {**ACCEPTANCE_SCORES, "comment": "验收意见"},
    ),
    "acceptance_assign": Probe(
        app("accepting"),
        method="post",
        data=lambda w: {"expert": w.expert.pk, "confirmed_act": "1"},
    ),
    "acceptance_unassign": Probe(
        lambda w: {"pk": w.accepting.pk, "assignment_id": w.accepting.expert_assignments.get().pk},
        method="post",
        data=lambda w: {"reason": "调整验收专家", "confirmed_act": "1"},
    ),
    "report_start": Probe(app("programme"), method="post", data=lambda w: {"year": "2026"}),
    "report_request": Probe(
        app("programme"),
        method="post",
        data=lambda w: {"year": "2026", "due_date": "2099-01-01", "note": "请报送"},
    ),
    "report_list": Probe(),
    "report_detail": Probe(app("report")),
    "report_edit": Probe(app("report")),
    "report_act": Probe(
        lambda w: {"pk": w.report.pk, "act": "submit_report"},
        method="post",
        data=lambda w: {"confirmed_act": "1"},
    ),
    # Reviews and letters.
    "review_queue_provincial": Probe(),
    "review_queue_national": Probe(),
    "review_queue_mine": Probe(),
    "review_queue": Probe(lambda w: {"queue": "national"}),
    "review_queue_export": Probe(lambda w: {"queue": "national", "fmt": "csv"}),
    "score_table": Probe(),
    # The batch's rubric, set anew (nobody has scored on the submitted one's batch).
    "batch_rubric": Probe(
        lambda w: {"batch_id": w.submitted.batch_id},
        method="post",
        data=lambda w: {
            "c-TOTAL_FORMS": "2",
            "c-INITIAL_FORMS": "0",
            "c-0-key": "representativeness",
            "c-0-name": "产业代表性",
            "c-0-weight": "60",
            "c-1-key": "demonstration",
            "c-1-name": "综合示范性",
            "c-1-weight": "40",
        },
    ),
    "score_table_export": Probe(lambda w: {"fmt": "csv"}),
    "review_detail": Probe(app("submitted")),
    "review_score": Probe(app("submitted"), method="post", data=lambda w: SCORES),
    "review_comment": Probe(
        app("submitted"), method="post", data=lambda w: {"text": "意见", "visibility": "internal"}
    ),
    "review_assign": Probe(
        app("approved"), method="post", data=lambda w: {"assignee": w.expert.pk, "kind": "expert"}
    ),
    "review_declare": Probe(app("approved"), method="post", data=lambda w: {"conflict": "0"}),
    "review_unassign": Probe(
        lambda w: {"pk": w.approved.pk, "assignment_id": w.assignment.pk},
        method="post",
        data=lambda w: {"reason": "调整评审安排", "confirmed_act": "1"},
    ),
    "review_decide": Probe(
        lambda w: {"pk": w.submitted.pk, "action": "not_recommend"},
        method="post",
        data=lambda w: {"comment": "不予推荐", "confirmed_act": "1"},
    ),
    "letter_download": Probe(lambda w: {"pk": w.approved.pk, "letter_id": w.letter.pk}),
    "letter_retry": Probe(lambda w: {"pk": w.approved.pk, "letter_id": w.letter.pk}, method="post"),
    "letter_reissue": Probe(
        lambda w: {"pk": w.approved.pk, "letter_id": w.letter.pk},
        method="post",
        data=lambda w: {"reason": "更正文字", "confirmed_act": "1"},
    ),
    # The batches' deadlines: a province sets its own date (an administrator names the province).
    "deadlines": Probe(
        method="post",
        data=lambda w: {
            "batch": w.submitted.batch_id,
            "kind": "submission",
            "province": "32",
            "value": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    ),
    # A construction plan of province A's recommendation (its draft).
    "recommendation_plan": Probe(lambda w: {"plan_id": w.plan_id}),
    # The province's recommendation of a batch: a draft saved with A's submitted application.
    "province_recommendation": Probe(
        lambda w: {"batch_id": w.submitted.batch_id},
        method="post",
        data=lambda w: {
            "park": w.submitted.pk,
            f"order_{w.submitted.pk}": "1",
            f"reason_{w.submitted.pk}": "理由",
            "opinion": "同意推荐",
            "departments": "省能源局",
            "act": "save",
        },
    ),
    # Energy data and results.
    "accounting:mine": Probe(),
    "accounting:overview": Probe(lambda w: {"park_id": w.park_year.park_id}),
    "accounting:park_year": Probe(park_year()),
    "accounting:records": Probe(park_year(kind="fuels")),
    "accounting:guiding": Probe(park_year()),
    "accounting:upload": Probe(park_year()),
    "accounting:preview": Probe(park_year(sha="0" * 64)),
    "accounting:download": Probe(park_year(what="data.xlsx")),
    "accounting:result": Probe(park_year()),
    "accounting:recalculate": Probe(park_year(), method="post"),
    # The API, with the person's session (tokens are covered in tests/api).
    "api:me": Probe(),
    "api:park-list": Probe(),
    "api:park-year-list": Probe(lambda w: {"park_id": w.park_year.park_id}),
    "api:park-year-rows": Probe(park_year()),
    "api:park-year-case": Probe(park_year()),
    "api:park-year-result": Probe(park_year()),
    "api:park-year-runs": Probe(park_year()),
    "api:park-year-run": Probe(park_year(run_id=0)),
    "api:park-programme": Probe(lambda w: {"park_id": w.approved.park_id}),
    "api:application-list": Probe(),
    "api:application-detail": Probe(lambda w: {"application_id": w.approved.pk}),
    "api:schema": Probe(),
    "api:docs": Probe(),
}


# The status each person gets, in the order of ACTORS:
#   anonymous, applicant_a, applicant_b, provincial_a, provincial_other, national, expert, admin.
# The expert is assigned to A's approved application only: the submitted one and the draft are
# someone else's work, and no decision, assignment or letter is ever the expert's.
# 302 for anonymous is the way to the login page; 404 hides that an object exists at all.
EXPECTED: dict[str, str] = {
    "login": "200 200 200 200 200 200 200 200",
    "logout": "302 302 302 302 302 302 302 302",
    # Open to everyone signed in; verifying needs a device (applicants' and provinces' is
    # optional, none here: sent to set one up).
    "two_factor_setup": "302 200 200 200 200 200 200 200",
    "two_factor_verify": "302 302 302 302 302 200 200 200",
    # A refused answer goes back to the verification page (anonymous: to sign in).
    "two_factor_verify_key": "302 302 302 302 302 302 302 302",
    # Everyone's own keys; the keys of a person with a second factor need it used first (the
    # applicants and provinces here have none).
    "two_factor_keys": "302 200 200 200 200 200 200 200",
    # Only the national reviewer's own key: the others are told there is no such key.
    "two_factor_key_remove": "302 302 302 302 302 200 302 302",
    "password_change": "302 200 200 200 200 200 200 200",
    "password_change_done": "302 200 200 200 200 200 200 200",
    "password_reset": "200 200 200 200 200 200 200 200",
    "password_reset_done": "200 200 200 200 200 200 200 200",
    "password_reset_confirm": "200 200 200 200 200 200 200 200",
    "password_reset_complete": "200 200 200 200 200 200 200 200",
    "set_language": "302 302 302 302 302 302 302 302",
    "letter_verify": "200 200 200 200 200 200 200 200",
    "home": "302 200 200 200 200 200 200 200",
    # Everyone reads their own notices; nobody opens or marks another's (404).
    "inbox": "302 200 200 200 200 200 200 200",
    "inbox_open": "302 302 404 404 404 404 404 404",
    "inbox_mark_read": "302 302 404 404 404 404 404 404",
    "inbox_mark_all_read": "302 302 302 302 302 302 302 302",
    # NDRC sets its experts' rubric; nobody else opens the page.
    "batch_rubric": "302 404 404 404 404 302 404 302",
    # NDRC's workbench map: the parks' outlines, NDRC only.
    "workbench_map": "302 404 404 404 404 200 404 200",
    "favicon": "302 302 302 302 302 302 302 302",
    "health": "200 200 200 200 200 200 200 200",
    # The test client comes from 127.0.0.1, an allowed address; others get 404 (tests/ops).
    "metrics": "200 200 200 200 200 200 200 200",
    "my_park": "302 302 302 302 302 302 302 302",
    "park_list": "302 200 200 200 200 200 200 200",
    "park_detail": "302 200 404 200 404 200 404 200",
    "api_tokens_mine": "302 302 302 404 404 404 404 404",
    "api_tokens": "302 200 404 403 404 403 404 403",
    "api_tokens_revoke": "302 302 404 403 404 403 404 403",
    "application_list": "302 200 200 200 200 200 200 200",
    "application_start": "302 405 405 405 405 405 405 405",
    "application_detail": "302 200 404 200 404 404 404 200",
    "application_submission": "302 200 404 200 404 404 404 200",
    "application_transition": "302 403 404 302 404 404 404 403",
    "application_section": "302 200 404 404 404 404 404 403",
    # The park answers the province's return; the province reads it, but never writes it.
    "application_answers": "302 200 404 403 404 404 404 403",
    "application_boundary": "302 200 404 404 404 404 404 403",
    "application_eligibility_preview": "302 200 404 404 404 404 404 403",
    "application_incidents": "302 200 404 404 404 404 404 403",
    "application_incident_delete": "302 302 404 404 404 404 404 403",
    "application_attachments": "302 200 404 404 404 404 404 403",
    "application_attachment": "302 200 404 404 404 404 404 200",
    "application_attachment_delete": "302 302 404 404 404 404 404 403",
    "application_dossier": "302 200 404 200 404 200 200 200",
    "application_book": "302 200 404 200 404 200 200 200",
    # The park, its province and NDRC follow the programme; an expert has no part in it.
    "programme_list": "302 200 200 200 200 200 403 200",
    "programme_detail": "302 200 404 200 404 200 404 200",
    "acceptance_detail": "302 200 404 200 404 200 404 200",
    # Building: only the park asks for its self-assessment; who follows it but may not is refused.
    "acceptance_act": "302 302 404 403 404 403 404 403",
    # The public register of national zero-carbon parks.
    "register": "200 200 200 200 200 200 200 200",
    # The published construction lists and their export: public. Closing a batch: NDRC's.
    "construction_list": "200 200 200 200 200 200 200 200",
    "construction_list_export": "200 200 200 200 200 200 200 200",
    "batch_close": "302 403 403 403 403 302 403 403",
    # Provincial guidance: the provinces (their own parks) and NDRC list it; the park reads its
    # own; only its province records and solves, only the park answers.
    "guidance_list": "302 403 403 200 200 200 403 200",
    "guidance_detail": "302 200 404 200 404 200 404 200",
    "guidance_visit": "302 403 404 302 404 403 404 403",
    "guidance_solve": "302 403 404 302 404 403 404 403",
    "guidance_respond": "302 302 404 403 404 403 404 403",
    # Only the expert NDRC assigned reaches their page and scores; having declared, they cannot
    # declare again; NDRC assigns (the park and its province, who follow the programme, may not).
    "acceptance_queue_mine": "302 404 404 404 404 404 200 404",
    "acceptance_review": "302 404 404 404 404 404 200 404",
    "acceptance_declare": "302 404 404 404 404 404 403 404",
    "acceptance_score": "302 404 404 404 404 404 302 404",
    "acceptance_assign": "302 403 404 403 404 302 404 302",
    "acceptance_unassign": "302 403 404 403 404 302 404 302",
    # The park starts its report; its province asks for one (the probe, unconfirmed, gets the
    # confirmation page); a draft report is the park's alone; NDRC and the provinces list them.
    "report_start": "302 302 404 403 404 403 404 403",
    "report_request": "302 403 404 200 404 403 404 403",
    "report_list": "302 403 403 200 200 200 403 200",
    "report_detail": "302 200 404 404 404 404 404 200",
    "report_edit": "302 200 404 404 404 404 404 403",
    # Refused for want of the year's calculation (a message on the report page).
    "report_act": "302 302 404 404 404 404 404 403",
    "review_queue_provincial": "302 404 404 200 200 404 404 200",
    "review_queue_national": "302 404 404 404 404 200 404 200",
    "review_queue_mine": "302 404 404 404 404 200 200 200",
    "review_queue": "302 404 404 404 404 200 404 200",
    "review_queue_export": "302 404 404 404 404 200 404 200",
    # Scores side by side are NDRC's internal material: NDRC's reviewers and the administrator.
    "score_table": "302 404 404 404 404 200 404 200",
    "score_table_export": "302 404 404 404 404 200 404 200",
    "review_detail": "302 404 404 200 404 404 404 200",
    "review_score": "302 404 404 302 404 404 404 302",
    "review_comment": "302 404 404 302 404 404 404 302",
    "review_assign": "302 404 404 302 404 302 302 302",
    "review_unassign": "302 404 404 302 404 302 302 302",
    # Only an assigned expert who has not declared yet; the world's expert has declared.
    "review_declare": "302 404 404 403 404 403 403 403",
    "review_decide": "302 404 404 302 404 404 404 403",
    "letter_download": "302 200 404 200 404 200 200 200",
    "letter_retry": "302 404 404 302 404 302 404 302",
    "letter_reissue": "302 302 404 302 404 302 302 302",
    "deadlines": "302 404 404 302 302 404 404 302",
    # Another province cannot put A's park in its recommendation (400 names why).
    "province_recommendation": "302 404 404 302 400 404 404 404",
    # Its construction plans: the province that sent them and NDRC; never a park or an expert.
    "recommendation_plan": "302 404 404 200 404 200 404 200",
    "accounting:mine": "302 302 302 302 302 302 302 302",
    "accounting:overview": "302 200 404 200 404 200 404 200",
    "accounting:park_year": "302 200 404 200 404 200 404 200",
    "accounting:records": "302 200 404 200 404 200 404 200",
    "accounting:guiding": "302 200 404 200 404 200 404 200",
    "accounting:upload": "302 200 404 403 404 403 404 403",
    "accounting:preview": "302 404 404 403 404 403 404 403",
    "accounting:download": "302 200 404 200 404 200 404 200",
    "accounting:result": "302 200 404 200 404 200 404 200",
    "accounting:recalculate": "302 302 404 403 404 403 404 403",
    "api:me": "401 200 200 200 200 200 200 200",
    "api:park-list": "401 200 200 200 200 200 200 200",
    "api:park-year-list": "401 200 404 200 404 200 404 200",
    "api:park-year-rows": "401 405 405 405 405 405 405 405",
    "api:park-year-case": "401 405 405 405 405 405 405 405",
    "api:park-year-result": "401 200 404 200 404 200 404 200",
    "api:park-year-runs": "401 200 404 200 404 200 404 200",
    "api:park-year-run": "401 200 404 200 404 200 404 200",
    "api:park-programme": "401 200 404 200 404 200 404 200",
    "api:application-list": "401 200 200 200 200 200 200 200",
    "api:application-detail": "401 200 404 200 404 200 200 200",
    "api:schema": "200 200 200 200 200 200 200 200",
    "api:docs": "200 200 200 200 200 200 200 200",
}

# Who actually changes something with the probe's POST (a 302 alone may carry a refusal).
WRITERS: dict[str, set[str]] = {
    "inbox_mark_read": {"applicant_a"},
    "inbox_mark_all_read": {"applicant_a"},
    "batch_rubric": {"national", "admin"},
    "api_tokens_revoke": {"applicant_a"},
    "application_transition": {"provincial_a"},
    "acceptance_act": {"applicant_a"},
    "batch_close": {"national"},
    "guidance_visit": {"provincial_a"},
    "guidance_solve": {"provincial_a"},
    "guidance_respond": {"applicant_a"},
    "acceptance_score": {"expert"},
    "acceptance_assign": {"national", "admin"},
    "acceptance_unassign": {"national", "admin"},
    "application_incident_delete": {"applicant_a"},
    "application_attachment_delete": {"applicant_a"},
    "review_score": {"provincial_a"},
    "review_comment": {"provincial_a"},
    "review_assign": {"national", "admin"},
    "review_unassign": {"national", "admin"},
    "review_decide": {"provincial_a"},
    "letter_reissue": {"national", "admin"},
    "accounting:recalculate": {"applicant_a"},
    # Each province its own date; the administrator any province's.
    "deadlines": {"provincial_a", "provincial_other", "admin"},
    "province_recommendation": {"provincial_a"},
}
OUTSIDERS = ("applicant_b", "provincial_other")


def fingerprint() -> tuple:
    """What a successful POST of any probe changes, as numbers that cannot all stay equal."""
    from accounting.models import CalculationRun
    from applications.models import (
        AcceptanceAssignment,
        AcceptanceConflict,
        AcceptanceScore,
        ApiToken,
        ApplicationEvent,
        Attachment,
        BatchClosure,
        DeadlineChange,
        GuidanceProblem,
        GuidanceVisit,
        InboxItem,
        Incident,
        Letter,
        ProblemResponse,
        RecommendationEntry,
        ReviewAssignment,
        ReviewComment,
        ReviewScore,
        RubricCriterion,
    )

    return (
        ApiToken.objects.filter(revoked_at__isnull=False).count(),
        ApplicationEvent.objects.count(),
        Incident.objects.count(),
        Attachment.objects.count(),
        ReviewScore.objects.count(),
        ReviewComment.objects.count(),
        ReviewAssignment.objects.count(),
        Letter.objects.count(),
        CalculationRun.objects.count(),
        DeadlineChange.objects.count(),
        RecommendationEntry.objects.count(),
        BatchClosure.objects.count(),
        GuidanceVisit.objects.count(),
        GuidanceProblem.objects.filter(status="solved").count(),
        ProblemResponse.objects.count(),
        AcceptanceAssignment.objects.count(),
        AcceptanceConflict.objects.count(),
        AcceptanceScore.objects.count(),
        InboxItem.objects.filter(read_at__isnull=True).count(),
        RubricCriterion.objects.count(),
        sorted(ParkYearState.values()),
    )


class ParkYearState:
    @staticmethod
    def values():
        from accounting.models import ParkYear

        return list(ParkYear.objects.values_list("pk", "inputs_changed_at", "recalc_queued_at"))


@dataclass
class Outcome:
    status: int
    changed: bool
    leaked: bool


def probe(client, cast, world: World, name: str, actor: str) -> Outcome:
    from django.db import transaction

    spec = PROBES[name]
    kwargs = spec.kwargs(world)
    if name == "api:park-year-run":
        kwargs["run_id"] = world.run.pk
    url = reverse(name, kwargs=kwargs)
    client.logout()
    if actor != "anonymous":
        sign_in(client, getattr(cast, actor))
    # Each probe leaves the world as it found it, so the order of people does not matter.
    with transaction.atomic():
        before = fingerprint()
        response = getattr(client, spec.method)(url, spec.data(world))
        changed = fingerprint() != before
        transaction.set_rollback(True)
    body = b"" if getattr(response, "streaming", False) else response.content
    leaked = world.approved.park.name.encode() in body
    return Outcome(response.status_code, changed, leaked)


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker, tmp_path_factory, signing_dir):
    """The world, built once for the module (test_access_matrix_2.py imports it too): every
    test of the module walks the same cast and world, each in a savepoint rolled back after it."""
    folder = tmp_path_factory.mktemp("access-world")
    with world_built_once(django_db_blocker, folder, signing_dir) as built:
        yield built


@pytest.fixture
def cast(matrix_world, db):
    """The module's cast: the one its world was built for (in place of tests/conftest.py's)."""
    return matrix_world.cast


@pytest.fixture
def world(matrix_world, db, settings, _isolated_files):
    """The module's world, with the settings it was built under: its letters and attachments
    are in the module's folder, tasks run inline, the second factor is required."""
    with world_settings(settings, matrix_world.folder):
        yield matrix_world.world


# The site's routes are dealt to SHARDS test files in turn (sorted by name, every SHARDS-th to one
# file): this one and test_access_matrix_2.py, so that the suite's workers, which take a file
# each (pytest-xdist's loadfile), share the walk.
SHARDS = 2


def shard_routes(shard: int) -> list[str]:
    """The site's routes (admin's aside) that file `shard` (1 … SHARDS) walks; every route of the
    site must have its access rule."""
    routes = sorted(set(iter_routes()))
    site = [name for name in routes if not name.startswith("admin:")]
    unlisted = [name for name in site if name not in PROBES or name not in EXPECTED]
    assert unlisted == [], f"routes with no access rule: {unlisted}"
    return site[shard - 1 :: SHARDS]


def test_every_url_answers_every_role_as_expected(client, cast, world, capsys):
    walk(client, cast, world, capsys, shard=1)


def test_the_shares_walk_every_route_once():
    shares = [shard_routes(shard) for shard in range(1, SHARDS + 1)]
    walked = [name for share in shares for name in share]
    site = [name for name in set(iter_routes()) if not name.startswith("admin:")]
    assert sorted(walked) == sorted(site) and all(shares)


def walk(client, cast, world, capsys, shard: int) -> None:
    """Every route of `shard`, as every person of the cast: the status, what a POST changed, and
    whether an outsider's page names park A."""
    site = shard_routes(shard)
    failures: list[str] = []
    counts: Counter[str] = Counter()
    for name in site:
        expected = [int(code) for code in EXPECTED[name].split()]
        for actor, want in zip(ACTORS, expected, strict=True):
            outcome = probe(client, cast, world, name, actor)
            counts["requests"] += 1
            counts[f"status {outcome.status}"] += 1
            if outcome.status != want:
                failures.append(f"{name} as {actor}: {outcome.status}, expected {want}")
            if PROBES[name].method == "post":
                counts["writes tried"] += 1
                should_change = actor in WRITERS.get(name, set())
                if outcome.changed != should_change:
                    failures.append(
                        f"{name} as {actor}: changed={outcome.changed}, expected {should_change}"
                    )
            # The public verification page names the park to anyone holding the code.
            if actor in OUTSIDERS and outcome.leaked and name != "letter_verify":
                failures.append(f"{name} as {actor}: the page names park A")

    with capsys.disabled():
        print(
            f"\naccess matrix ({shard}/{SHARDS}): {len(site)} routes x {len(ACTORS)} people = "
            f"{counts['requests']} requests, {counts['writes tried']} of them writes; "
            + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()) if k.startswith("status"))
        )
    assert not failures, "\n".join(failures)


def test_the_expert_is_refused_on_every_decision_route_even_where_assigned(client, cast, world):
    """The expert scores and comments on what is assigned; every decision, assignment and letter
    route refuses them and changes nothing, on an application under national review that they
    are assigned to (the matrix above covers the unassigned ones)."""
    from applications import reviews, workflow
    from applications.models import ReviewScore
    from tests.applications.builders import complete_application, drive_to, open_batch

    under_review = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch("2025年第四批")),
        "under_national_review",
        cast,
    )
    reviews.assign(cast.national, under_review, cast.expert)
    reviews.declare_no_conflict(cast.expert, under_review)
    assignment = under_review.assignments.get()
    sign_in(client, cast.expert)
    decision = {"comment": "专家决定", "confirmed_act": "1"}
    tries = [
        (reverse(route, args=[under_review.pk, action]), decision)
        for action in workflow.TRANSITIONS
        for route in ("review_decide", "application_transition")
    ]
    tries += [
        (reverse("review_assign", args=[under_review.pk]), {"assignee": world.expert.pk}),
        (
            reverse("review_unassign", args=[under_review.pk, assignment.pk]),
            {"reason": "专家撤回", "confirmed_act": "1"},
        ),
        (reverse("letter_reissue", args=[world.approved.pk, world.letter.pk]), {}),
        (reverse("letter_retry", args=[world.approved.pk, world.letter.pk]), {}),
    ]
    failures = []
    for url, data in tries:
        before = fingerprint()
        status = client.post(url, data).status_code
        if status not in (302, 403, 404) or fingerprint() != before:
            failures.append(f"{url}: {status}, changed={fingerprint() != before}")
    under_review.refresh_from_db()
    assert under_review.status == "under_national_review"
    assert not failures, "\n".join(failures)
    # Not refused for want of reaching the application: the expert's own work goes through.
    client.post(reverse("review_score", args=[under_review.pk]), SCORES)
    assert ReviewScore.objects.filter(reviewer=cast.expert, application=under_review).exists()


def test_no_page_without_the_second_factor(client, cast, world):
    """A national reviewer, an expert or an administrator signed in with a password alone is
    sent to the two-factor page from every route (site and admin, reading or writing) but
    signing out and the public pages; an applicant is not."""
    from applications import two_factor

    open_routes = two_factor.OPEN_ROUTES
    routes = sorted(set(iter_routes()))
    failures = []
    for actor in ("national", "expert", "admin"):
        client.logout()
        client.force_login(getattr(cast, actor))  # the password only
        for name in routes:
            if name in open_routes or name.startswith("admin:"):
                continue
            spec = PROBES[name]
            url = reverse(name, kwargs=spec.kwargs(world))
            response = getattr(client, spec.method)(url, spec.data(world))  # writes too
            if not (
                response.status_code == 302
                and response["Location"].startswith("/accounts/two-factor/")
            ):
                failures.append(f"{name} as {actor}: {response.status_code}")
        for name in ("admin:index", "admin:applications_user_changelist"):
            location = client.get(reverse(name)).get("Location", "")
            if not location.startswith("/accounts/two-factor/"):
                failures.append(f"{name} as {actor}: {location}")
    assert not failures, "\n".join(failures)
    client.logout()
    client.force_login(cast.applicant_a)
    assert client.get(reverse("home")).status_code == 200
