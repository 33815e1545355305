"""The one POST handler of every transition, from the application page and the review page.

The action names the row of `workflow.TRANSITIONS`; the workflow checks who may make it, in
which state, and runs its effects. The page only decides where the answer goes back to.

Every transition is irreversible, so nothing happens without `confirmed_act=1`: the button's
dialog (static/js/confirm.js) sends it; a POST without it (no JavaScript) answers with a page
that repeats the act, what it will do, and a button that sends it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import access, effects, permissions, workflow
from ..models import DECLARATION, Application
from ..sections import SECTIONS

# Marks the message of a refused submission, which lists the problems itself: the application
# page then leaves out its own list of them.
REFUSED_TAG = "submission-refused"

# page → (who may open the application there, where to answer)
PAGES: dict[str, tuple[Callable[..., Application], str]] = {
    "application": (access.get_application_for_user, "application_detail"),
    "review": (access.get_reviewable_application, "review_detail"),
}


@login_required
@require_POST
def transition(request: HttpRequest, pk: int, action: str, page: str) -> HttpResponse:
    load, answer = PAGES[page]
    application = load(request.user, pk)
    if action not in workflow.TRANSITIONS:
        raise Http404
    if action == "recommend" and workflow.first_recommendation(request.user, application):
        # The old way of one park's first recommendation leads to the province's one act.
        messages.error(
            request,
            _(
                "首次推荐须在本省推荐中一次报送（推荐名单、推荐意见、会同部门和建设方案），"
                "不能逐个园区推荐。请在下方编制并报送本省推荐。"
            ),
        )
        return redirect("province_recommendation", batch_id=application.batch_id)
    section_comments = {
        section.key: request.POST.get(f"section_comment_{section.key}", "") for section in SECTIONS
    }
    declared = request.POST.get("declaration") == "1"
    if request.POST.get("confirmed_act") != "1":
        return _confirmation_page(request, application, action, page, section_comments)
    if action == "submit" and not declared:
        return _confirmation_page(
            request, application, action, page, section_comments, declaration_missing=True
        )
    try:
        event = workflow.perform(
            action,
            request.user,
            application,
            comment=request.POST.get("comment", ""),
            section_comments=section_comments,
            declaration=DECLARATION if declared else "",
        )
    except workflow.NotAllowed:
        raise
    except workflow.IncompleteApplication as error:
        # One alert that lists every problem, each linked to where it is put right.
        listing = render_to_string(
            "applications/_submit_refused.html",
            {"message": error.message, "problems": error.problems, "application": application},
        )
        messages.error(request, listing, extra_tags=REFUSED_TAG)
        return redirect(answer, pk=application.pk)
    except workflow.WorkflowError as error:
        messages.error(request, error.message)
        return redirect(answer, pk=application.pk)
    messages.success(request, workflow.TRANSITIONS[action].success(application))
    if effects.will_follow(event):
        # The decision is saved; its letter or mail could not be queued (broker down) and is
        # sent by the sweep once it is back. Say so, so that nobody decides twice.
        messages.warning(request, follow_up_message(action))
    return redirect(answer, pk=application.pk)


def _confirmation_page(
    request: HttpRequest,
    application: Application,
    action: str,
    page: str,
    section_comments: dict[str, str],
    declaration_missing: bool = False,
) -> HttpResponse:
    """The act repeated with what it will do; what was typed goes along unchanged. Someone who
    may not make the act is refused here as on the act itself; the workflow checks again."""
    transition = workflow.TRANSITIONS[action]
    answer = PAGES[page][1]
    verdict = permissions.verdict(request.user, workflow.route_permission(action), application)
    if verdict is permissions.Verdict.NOT_ALLOWED:
        raise PermissionDenied
    if verdict is permissions.Verdict.WRONG_STATE:
        messages.error(
            request,
            _("申报书当前状态为“%(status)s”，不能执行“%(action)s”。")
            % {"status": application.get_status_display(), "action": transition.label},
        )
        return redirect(answer, pk=application.pk)
    return render(
        request,
        "applications/confirm.html",
        {
            "application": application,
            "transition": transition,
            "act_key": transition.action,
            "act_label": transition.label,
            "confirmation": transition.confirmation(application),
            "comment": request.POST.get("comment", ""),
            "section_comments": [
                (section, section_comments[section.key])
                for section in SECTIONS
                if section_comments[section.key].strip()
            ],
            "post_url": request.path,
            "declaration_missing": declaration_missing,
            "back_url": reverse(answer, args=[application.pk]),
        },
    )


def follow_up_message(action: str) -> str:
    label = workflow.TRANSITIONS[action].label
    if "issue_letter" in workflow.TRANSITIONS[action].effects:
        return _(
            "“%(action)s”已保存。正式文书和通知邮件暂时无法排队，系统将自动补发，"
            "文书稍后生成，无需重复操作。"
        ) % {"action": label}
    return _("“%(action)s”已保存。通知邮件暂时无法排队，系统将自动补发，无需重复操作。") % {
        "action": label
    }
