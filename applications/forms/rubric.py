"""The rows of a batch's rubric as NDRC edits them (applications/rubric_editing.py checks them
together: weights summing to 100 %, the lock once scored)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ..rubric_editing import GUIDANCE_MAX, NAME_MAX


class CriterionForm(forms.Form):
    key = forms.CharField(label=_("代码"), max_length=40)
    name = forms.CharField(label=_("评分项"), max_length=NAME_MAX)
    weight = forms.DecimalField(
        label=_("权重（%）"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
    )
    guidance = forms.CharField(
        label=_("评分指导"),
        required=False,
        max_length=GUIDANCE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


RubricFormSet = forms.formset_factory(
    CriterionForm, extra=1, can_delete=True, max_num=12, validate_max=True, absolute_max=20
)
