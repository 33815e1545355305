"""The one POST handler of every transition, from the application page and the review page.

The action names the row of `workflow.TRANSITIONS`; the workflow checks who may make it, in
which state, and runs its effects. The page only decides where the answer goes back to.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import access, effects, workflow
from ..models import Application
from ..sections import SECTIONS

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
    try:
        event = workflow.perform(
            action,
            request.user,
            application,
            comment=request.POST.get("comment", ""),
            section_comments={
                section.key: request.POST.get(f"section_comment_{section.key}", "")
                for section in SECTIONS
            },
        )
    except workflow.NotAllowed:
        raise
    except workflow.WorkflowError as error:
        messages.error(request, error.message)
        for problem in error.problems:
            messages.error(request, problem)
        return redirect(answer, pk=application.pk)
    label = workflow.TRANSITIONS[action].label
    messages.success(request, label)
    if effects.will_follow(event):
        # The decision is saved; its letter or mail could not be queued (broker down) and is
        # sent by the sweep once it is back. Say so, so that nobody decides twice.
        messages.warning(request, follow_up_message(action))
    return redirect(answer, pk=application.pk)


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
