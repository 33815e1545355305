"""The demo holds parks in self-assessment, in acceptance and designated, and loading it again
changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from applications.models import (
    AcceptanceScore,
    ConstructionProgramme,
    Designation,
    SelfAssessment,
)

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_park_at_each_stage_after_construction_and_loads_twice_the_same(client):
    call_command("load_demo", stdout=io.StringIO())
    stages = set(ConstructionProgramme.objects.values_list("stage", flat=True))
    assert {"self_assessment", "acceptance", "designated"} <= stages
    counts = (
        ConstructionProgramme.objects.count(),
        SelfAssessment.objects.count(),
        Designation.objects.count(),
        AcceptanceScore.objects.count(),
    )
    call_command("load_demo", stdout=io.StringIO())
    assert (
        ConstructionProgramme.objects.count(),
        SelfAssessment.objects.count(),
        Designation.objects.count(),
        AcceptanceScore.objects.count(),
    ) == counts
    # The park in acceptance carries the demo expert's sheet.
    sheet = AcceptanceScore.objects.select_related("programme", "expert").get()
    assert sheet.programme.stage == "acceptance" and sheet.expert.username == "ndrc_expert"
    designated = Designation.objects.select_related("programme__park").get()
    # The designated demo park meets its core indicator; the one put forward below it carries
    # the province's reason.
    assert designated.emissions_t <= designated.threshold * designated.energy_tce
    assert (
        SelfAssessment.objects.filter(core_met=False, put_forward=True)
        .exclude(override_reason="")
        .exists()
    )
    page = client.get(reverse("register")).content.decode()
    assert designated.programme.park.name in page
