"""The form that sets or extends a deadline (applications/deadlines.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..deadlines import MAX_REASON
from ..models import DeadlineKind

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class DeadlineForm(forms.Form):
    kind = forms.ChoiceField(label=_("截止时间类型"), choices=DeadlineKind.choices)
    province = forms.RegexField(label=_("省份"), regex=r"^[0-9]{2}$", required=False)
    value = forms.DateTimeField(
        label=_("新截止时间"),
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label=_("理由"),
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
