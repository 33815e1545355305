"""The review results the park may see on its own application page."""

from __future__ import annotations

from django import template

from .. import permissions
from ..models import CommentVisibility, Letter

register = template.Library()


@register.inclusion_tag("applications/reviews/_park_feedback.html", takes_context=True)
def review_feedback(context, application) -> dict:
    """Comments marked visible to the park (never internal ones, whoever looks: reviewers read
    those on the review page) and the letters; two queries."""
    user = context["user"]
    comments = application.review_comments.filter(visibility=CommentVisibility.PUBLIC)
    return {
        "application": application,
        "user": user,
        "comments": list(comments.select_related("author").order_by("created_at", "pk")),
        "letters": list(Letter.objects.filter(application=application).order_by("created_at")),
        "is_reviewer": permissions.may(user, "open_review", application),
        "may_retry": permissions.may(user, "retry_letter", application),
    }
