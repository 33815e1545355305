from django.urls import path

from .views import acceptance as acceptance_views
from .views import acceptance_experts as acceptance_expert_views
from .views import applications, deadlines, editing, home, inbox, recommendations
from .views import construction_list as construction_list_views
from .views import guidance as guidance_views
from .views import health as health_views
from .views import letters as letter_views
from .views import metrics as metrics_views
from .views import programme as programme_views
from .views import progress as progress_views
from .views import reviews as review_views
from .views import rubric as rubric_views
from .views import tokens as token_views
from .views import transitions as transition_views
from .views import two_factor as two_factor_views
from .views import verify as verify_views

urlpatterns = [
    path("accounts/two-factor/", two_factor_views.setup, name="two_factor_setup"),
    path("accounts/two-factor/verify/", two_factor_views.verify, name="two_factor_verify"),
    path(
        "accounts/two-factor/verify/key/", two_factor_views.verify_key, name="two_factor_verify_key"
    ),
    path("accounts/two-factor/keys/", two_factor_views.keys, name="two_factor_keys"),
    path(
        "accounts/two-factor/keys/<int:key_id>/remove/",
        two_factor_views.remove_key,
        name="two_factor_key_remove",
    ),
    path("", home.home, name="home"),
    path("workbench/map.json", home.workbench_map, name="workbench_map"),
    path("favicon.ico", home.favicon, name="favicon"),
    path("health/", health_views.health_view, name="health"),
    # Prometheus' default path, without the slash; allowed addresses only (else 404).
    path("metrics", metrics_views.metrics_view, name="metrics"),
    # The in-app inbox: the notices the system also mails.
    path("inbox/", inbox.inbox_page, name="inbox"),
    path("inbox/read-all/", inbox.inbox_mark_all_read, name="inbox_mark_all_read"),
    path("inbox/<int:item_id>/", inbox.inbox_open, name="inbox_open"),
    path("inbox/<int:item_id>/read/", inbox.inbox_mark_read, name="inbox_mark_read"),
    path("batches/<int:batch_id>/rubric/", rubric_views.rubric_page, name="batch_rubric"),
    path("parks/", home.park_list, name="park_list"),
    path("parks/mine/", home.my_park, name="my_park"),
    path("parks/<int:park_id>/", home.park_detail, name="park_detail"),
    # API tokens of the park's energy-carbon management platform.
    path("parks/mine/api-tokens/", token_views.my_tokens, name="api_tokens_mine"),
    path("parks/<int:park_id>/api-tokens/", token_views.token_list, name="api_tokens"),
    path(
        "parks/<int:park_id>/api-tokens/<int:token_id>/revoke/",
        token_views.token_revoke,
        name="api_tokens_revoke",
    ),
    # The application and its workflow.
    path("applications/", applications.application_list, name="application_list"),
    path("applications/start/", applications.application_start, name="application_start"),
    path("applications/<int:pk>/", applications.application_detail, name="application_detail"),
    path(
        "applications/<int:pk>/actions/<slug:action>/",
        transition_views.transition,
        {"page": "application"},
        name="application_transition",
    ),
    path(
        "applications/<int:pk>/submissions/<int:number>/",
        applications.submission_detail,
        name="application_submission",
    ),
    path("applications/<int:pk>/boundary/", editing.boundary_edit, name="application_boundary"),
    path("applications/<int:pk>/incidents/", editing.incidents_edit, name="application_incidents"),
    path(
        "applications/<int:pk>/incidents/<int:incident_id>/delete/",
        editing.incident_delete,
        name="application_incident_delete",
    ),
    path(
        "applications/<int:pk>/attachments/",
        editing.attachments_edit,
        name="application_attachments",
    ),
    path(
        "applications/<int:pk>/attachments/<int:attachment_id>/",
        editing.attachment_download,
        name="application_attachment",
    ),
    path(
        "applications/<int:pk>/attachments/<int:attachment_id>/delete/",
        editing.attachment_delete,
        name="application_attachment_delete",
    ),
    path(
        "applications/<int:pk>/eligibility/<slug:key>/",
        editing.eligibility_preview,
        name="application_eligibility_preview",
    ),
    path("applications/<int:pk>/answers/", editing.revision_answers, name="application_answers"),
    path(
        "applications/<int:pk>/sections/<slug:key>/",
        editing.section_edit,
        name="application_section",
    ),
    # After approval: construction programmes.
    path("programmes/", programme_views.programme_list, name="programme_list"),
    path("programmes/<int:pk>/", programme_views.programme_detail, name="programme_detail"),
    # Self-assessment, evaluation and acceptance; the public register of designated parks.
    path(
        "programmes/<int:pk>/acceptance/",
        acceptance_views.acceptance_detail,
        name="acceptance_detail",
    ),
    # The experts of the evaluation and acceptance (before the acts' catch-all).
    path(
        "programmes/acceptance/mine/",
        acceptance_expert_views.acceptance_queue_mine,
        name="acceptance_queue_mine",
    ),
    path(
        "programmes/<int:pk>/acceptance/expert/",
        acceptance_expert_views.acceptance_review,
        name="acceptance_review",
    ),
    path(
        "programmes/<int:pk>/acceptance/expert/declare/",
        acceptance_expert_views.acceptance_declare,
        name="acceptance_declare",
    ),
    path(
        "programmes/<int:pk>/acceptance/expert/score/",
        acceptance_expert_views.acceptance_score,
        name="acceptance_score",
    ),
    path(
        "programmes/<int:pk>/acceptance/experts/assign/",
        acceptance_expert_views.acceptance_assign,
        name="acceptance_assign",
    ),
    path(
        "programmes/<int:pk>/acceptance/experts/<int:assignment_id>/withdraw/",
        acceptance_expert_views.acceptance_unassign,
        name="acceptance_unassign",
    ),
    path(
        "programmes/<int:pk>/acceptance/<slug:action>/",
        acceptance_views.acceptance_act,
        name="acceptance_act",
    ),
    path("register/", acceptance_views.register, name="register"),
    # The published construction lists (建设名单): public; NDRC closes a batch to publish its list.
    path(
        "construction-list/",
        construction_list_views.construction_list_page,
        name="construction_list",
    ),
    path(
        "construction-list/export.<slug:fmt>",
        construction_list_views.construction_list_export,
        name="construction_list_export",
    ),
    path("batches/<int:batch_id>/close/", construction_list_views.batch_close, name="batch_close"),
    # Provincial guidance of a park in construction (applications/guidance.py).
    path("guidance/", guidance_views.guidance_list, name="guidance_list"),
    path("programmes/<int:pk>/guidance/", guidance_views.guidance_detail, name="guidance_detail"),
    path(
        "programmes/<int:pk>/guidance/visits/",
        guidance_views.guidance_visit,
        name="guidance_visit",
    ),
    path(
        "programmes/<int:pk>/guidance/problems/<int:problem_id>/solve/",
        guidance_views.guidance_solve,
        name="guidance_solve",
    ),
    path(
        "programmes/<int:pk>/guidance/problems/<int:problem_id>/respond/",
        guidance_views.guidance_respond,
        name="guidance_respond",
    ),
    path("programmes/<int:pk>/reports/start/", progress_views.report_start, name="report_start"),
    path(
        "programmes/<int:pk>/reports/request/", progress_views.report_request, name="report_request"
    ),
    path("reports/", progress_views.report_list, name="report_list"),
    path("reports/<int:pk>/", progress_views.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", progress_views.report_edit, name="report_edit"),
    path("reports/<int:pk>/acts/<slug:act>/", progress_views.report_act, name="report_act"),
    # The batches' deadlines: NDRC's and the provinces' (applications/deadlines.py).
    path("deadlines/", deadlines.deadlines_page, name="deadlines"),
    # Reviewers' queues and review page, letters, dossier, public verification.
    # The province's recommendation of a batch (one act: workflow.submit_recommendation).
    path(
        "reviews/provincial/recommendation/<int:batch_id>/",
        recommendations.recommendation_page,
        name="province_recommendation",
    ),
    path(
        "reviews/provincial/recommendation/plans/<int:plan_id>/",
        recommendations.recommendation_plan,
        name="recommendation_plan",
    ),
    path(
        "reviews/provincial/",
        review_views.review_queue,
        {"queue": "provincial"},
        name="review_queue_provincial",
    ),
    path(
        "reviews/national/",
        review_views.review_queue,
        {"queue": "national"},
        name="review_queue_national",
    ),
    path("reviews/mine/", review_views.review_queue, {"queue": "mine"}, name="review_queue_mine"),
    # The experts' scores for the decision meeting (before the queues' catch-all).
    path("reviews/scores/", review_views.score_table_view, name="score_table"),
    path(
        "reviews/scores/export.<slug:fmt>",
        review_views.score_table_export,
        name="score_table_export",
    ),
    path("reviews/<slug:queue>/", review_views.review_queue, name="review_queue"),
    path(
        "reviews/<slug:queue>/export.<slug:fmt>",
        review_views.review_queue_export,
        name="review_queue_export",
    ),
    path("review/<int:pk>/", review_views.review_detail, name="review_detail"),
    path("review/<int:pk>/score/", review_views.review_score, name="review_score"),
    path("review/<int:pk>/comment/", review_views.review_comment, name="review_comment"),
    path("review/<int:pk>/declare/", review_views.review_declare, name="review_declare"),
    path("review/<int:pk>/assign/", review_views.review_assign, name="review_assign"),
    path(
        "review/<int:pk>/assign/<int:assignment_id>/delete/",
        review_views.review_unassign,
        name="review_unassign",
    ),
    path(
        "review/<int:pk>/decide/<slug:action>/",
        transition_views.transition,
        {"page": "review"},
        name="review_decide",
    ),
    path(
        "applications/<int:pk>/letters/<int:letter_id>/",
        letter_views.letter_download,
        name="letter_download",
    ),
    path(
        "applications/<int:pk>/letters/<int:letter_id>/retry/",
        letter_views.letter_retry,
        name="letter_retry",
    ),
    path(
        "applications/<int:pk>/letters/<int:letter_id>/reissue/",
        letter_views.letter_reissue,
        name="letter_reissue",
    ),
    path(
        "applications/<int:pk>/dossier.zip",
        letter_views.dossier_download,
        name="application_dossier",
    ),
    path("applications/<int:pk>/book.pdf", applications.book_download, name="application_book"),
    path("verify/<str:code>/", verify_views.letter_verify, name="letter_verify"),
]
