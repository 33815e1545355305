"""Models of the applications app, one module per concern."""

from .acceptance import Designation, SelfAssessment
from .api import ApiToken, IdempotentResponse
from .applications import Application, ApplicationFrozen
from .attachments import Attachment, AttachmentSection
from .batches import RECOMMENDATIONS_PER_PROVINCE, Batch, ProvinceBatchQuota
from .effects import EffectKind, EffectStatus, PendingEffect
from .events import AFTER_APPROVAL, ApplicationEvent, EventAction, ImmutableRecord
from .incidents import MAJOR_SEVERITIES, Incident, IncidentKind, Severity
from .letters import REFERENCE_PREFIX, Letter, LetterCounter, LetterKind, LetterStatus
from .people import Park, ParkScope, Province, Role, User, ZoneLevel
from .programme import (
    ALL_STAGES,
    CORE_INDICATOR,
    GUIDING_INDICATORS,
    ConstructionProgramme,
    Indicator,
    KeyProject,
    ProgrammeStage,
    ProgrammeTarget,
    RoadmapPhase,
)
from .reviews import (
    CONFLICT_DECLARATION,
    LEGACY_CRITERIA,
    SCORE_LIMITS,
    AssignmentKind,
    CommentVisibility,
    ConflictOfInterest,
    ReviewAssignment,
    ReviewComment,
    ReviewScore,
)
from .rubric import DEFAULT_RUBRIC, WEIGHT_TOTAL, RubricCriterion
from .states import (
    ALL_STATES,
    APPLICANT_LABELS,
    COUNTS_AGAINST_QUOTA,
    DECIDED_BY_NDRC,
    EDITABLE_STATES,
    NATIONAL_STAGE,
    PROVINCIAL_STAGE,
    REACHED_NDRC,
    RECOMMENDED_OR_LATER,
    SUBMITTED_ONCE,
    TERMINAL_STATES,
    Status,
)
from .submissions import DECLARATION, Submission

__all__ = [
    "AFTER_APPROVAL",
    "Designation",
    "SelfAssessment",
    "DECLARATION",
    "DEFAULT_RUBRIC",
    "WEIGHT_TOTAL",
    "RubricCriterion",
    "ApiToken",
    "IdempotentResponse",
    "Park",
    "ParkScope",
    "Province",
    "Role",
    "User",
    "ZoneLevel",
    "RECOMMENDATIONS_PER_PROVINCE",
    "Batch",
    "ProvinceBatchQuota",
    "ALL_STATES",
    "APPLICANT_LABELS",
    "COUNTS_AGAINST_QUOTA",
    "DECIDED_BY_NDRC",
    "EDITABLE_STATES",
    "NATIONAL_STAGE",
    "PROVINCIAL_STAGE",
    "REACHED_NDRC",
    "RECOMMENDED_OR_LATER",
    "SUBMITTED_ONCE",
    "TERMINAL_STATES",
    "Application",
    "ApplicationFrozen",
    "Status",
    "MAJOR_SEVERITIES",
    "Incident",
    "IncidentKind",
    "Severity",
    "Attachment",
    "AttachmentSection",
    "Submission",
    "ApplicationEvent",
    "EventAction",
    "ImmutableRecord",
    # Reviews and letters.
    "CONFLICT_DECLARATION",
    "LEGACY_CRITERIA",
    "SCORE_LIMITS",
    "AssignmentKind",
    "ConflictOfInterest",
    "CommentVisibility",
    "ReviewAssignment",
    "ReviewComment",
    "ReviewScore",
    "REFERENCE_PREFIX",
    "Letter",
    "LetterCounter",
    "LetterKind",
    "LetterStatus",
    "EffectKind",
    "EffectStatus",
    "PendingEffect",
    # After approval.
    "ALL_STAGES",
    "CORE_INDICATOR",
    "GUIDING_INDICATORS",
    "ConstructionProgramme",
    "Indicator",
    "KeyProject",
    "ProgrammeStage",
    "ProgrammeTarget",
    "RoadmapPhase",
]
