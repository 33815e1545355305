"""What every door of the workflow shares: the errors a refused act raises (their message is meant
for the user) and `Transition`, a row of a transitions table (the application's in workflow.py,
the construction programme's in programme_workflow.py): its target, its form, its texts and the
effects it runs."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from . import permissions
from .models import Application, EventAction


class WorkflowError(Exception):
    """A transition that cannot be made; `message` is meant for the user."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class NotAllowed(WorkflowError, PermissionDenied):
    """Wrong role or outside the user's scope."""


class WrongState(WorkflowError):
    """The application is not in a state this transition starts from."""


class DeadlinePassed(WorkflowError):
    """NDRC's date for the provinces' recommendations has passed (applications/deadlines.py)."""


class QuotaExceeded(WorkflowError):
    """The province has already recommended its two parks of this batch."""


class IncompleteApplication(WorkflowError):
    """Submission refused: `problems` lists what is missing or failing."""


class CommentRequired(WorkflowError):
    pass


class ReasonRequired(WorkflowError):
    """A park failing a basic condition or the core indicator is recommended only with a reason."""


class DeclarationRequired(WorkflowError):
    """Submission refused: the applicant has not made the declaration (承诺书)."""


@dataclass(frozen=True)
class Transition:
    """A transition's target, form and effects. Who may make it, from which states and where,
    is the permission of the same name in applications/permissions.py."""

    action: str
    label: str
    target: str
    comment_required: bool
    # Shown before the act (what will happen, who is told, that it cannot be undone) and after
    # it (what happened, what comes next); %(park)s and %(province)s name the application's.
    confirm_text: str = ""
    success_text: str = ""
    allows_section_comments: bool = False
    # What the transition does besides the state change, by name (effects.EFFECTS), in order.
    effects: tuple[str, ...] = ()

    @property
    def sources(self) -> frozenset[str]:
        return permissions.PERMISSIONS[self.action].states

    @property
    def roles(self) -> frozenset[str]:
        return permissions.roles_with(self.action)

    @property
    def submits(self) -> bool:
        """A submission asks for the declaration (承诺书) with its confirmation."""
        return self.action == "submit"

    def confirmation(self, application: Application) -> str:
        return str(self.confirm_text) % _names(application)

    def success(self, application: Application) -> str:
        return str(self.success_text) % _names(application)


def _names(application: Application) -> dict[str, str]:
    return {"park": application.park.name, "province": str(application.park.province)}


def transition(action: str, target: str, comment_required: bool, **kw) -> Transition:
    """A row of a transitions table, labelled with its act's name (EventAction)."""
    return Transition(action, EventAction(action).label, target, comment_required, **kw)


def ask(
    user, key: str, locked, transition: Transition, comment: str, *, refused: str, wrong_state: str
) -> None:
    """The checks every door makes on its locked row before it acts: the permission `key` (the
    person: `refused`; the state: `wrong_state`), then the comment the transition requires."""
    verdict = permissions.verdict(user, key, locked)
    if verdict is permissions.Verdict.NOT_ALLOWED:
        raise NotAllowed(refused)
    if verdict is permissions.Verdict.WRONG_STATE:
        raise WrongState(wrong_state)
    if transition.comment_required and not comment:
        raise CommentRequired(
            str(_("请填写意见（“%(action)s”必须说明理由）。")) % {"action": transition.label}
        )
