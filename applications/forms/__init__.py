"""Forms of the application book, one per section (sections.py lists them)."""

from .boundary import AttachmentForm, BoundaryForm, IncidentForm, IncidentRegisterForm
from .sections import SECTION_FORMS, SectionForm, form_for_section

__all__ = [
    "AttachmentForm",
    "BoundaryForm",
    "IncidentForm",
    "IncidentRegisterForm",
    "SECTION_FORMS",
    "SectionForm",
    "form_for_section",
]
