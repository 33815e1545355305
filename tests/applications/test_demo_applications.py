"""The demo gives every role work to see, with applications in every state."""

from __future__ import annotations

from django.core.management import call_command

from applications import access
from applications.models import Application, Status, Submission, User


def test_the_demo_has_an_application_in_every_state_and_loads_twice_without_duplicates(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert set(Application.objects.values_list("status", flat=True)) == set(Status.values)
    count = Application.objects.count()
    submissions = Submission.objects.count()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Application.objects.count() == count and Submission.objects.count() == submissions
    for username in ("park_subei", "prov_jiangsu", "ndrc_reviewer"):
        assert access.visible_applications(User.objects.get(username=username)).exists()
    # Submitted demo applications carry the accounting result they were submitted with.
    snapshot = (
        Submission.objects.filter(application__park__name="苏北示范零碳产业园").first().snapshot
    )
    calculation = next(c for c in snapshot["calculations"] if c["year"] == 2024)
    assert calculation["factor_set_code"] and calculation["factor_set_version"] is not None
    assert calculation["result"]["intensity"]
