"""Markup in every text field we can reach is shown as text: the raw tag never reaches a page,
its escaped form does.

Each test posts the two classic payloads through the real forms, then GETs every page that shows
them, as the applicant and as the reviewer who sees them.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from openpyxl import Workbook

from accounting import publishing
from accounting.models import ParkYear
from accounting.sheets import SHEETS
from applications import workflow
from applications.models import Application, Status
from tests.applications.builders import PDF_BYTES, complete_application
from zcparks.celery import app as celery_app

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
PAYLOADS = (SCRIPT, IMG)


def assert_shown_escaped(response, *payloads: str) -> None:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    for payload in payloads:
        assert escape(payload) in html, f"{payload!r} is not shown (escaped) on {response.request}"


@pytest.fixture
def application(cast) -> Application:
    return complete_application(cast.park_a, cast.applicant_a)


@pytest.fixture
def applicant(client, cast):
    client.force_login(cast.applicant_a)
    return client


def test_section_texts_are_escaped_on_the_form_the_overview_and_the_submitted_version(
    applicant, application, cast, client
) -> None:
    url = reverse("application_section", args=[application.pk, "basic"])
    response = applicant.post(
        url,
        {
            "zone_level": "national_zone",
            "builder": SCRIPT,
            "location": IMG,
            "layout": SCRIPT + IMG,
            "economy": "产值",
            "approval_document": IMG,
        },
    )
    assert response.status_code == 302
    assert_shown_escaped(applicant.get(url), SCRIPT, IMG)
    assert_shown_escaped(applicant.get(reverse("application_detail", args=[application.pk])))

    workflow.submit(
        cast.applicant_a,
        Application.objects.get(pk=application.pk),
        declaration=workflow.DECLARATION,
    )
    client.force_login(cast.provincial_a)
    assert_shown_escaped(client.get(reverse("application_detail", args=[application.pk])))
    assert_shown_escaped(
        client.get(reverse("application_submission", args=[application.pk, 1])), SCRIPT, IMG
    )


def test_boundary_texts_are_escaped(applicant, application) -> None:
    url = reverse("application_boundary", args=[application.pk])
    response = applicant.post(
        url,
        {
            "scope": "within",
            "host_park_name": SCRIPT,
            "management_body": IMG,
            "boundary_east": SCRIPT,
            "boundary_south": IMG,
            "boundary_west": "西",
            "boundary_north": "北",
        },
    )
    assert response.status_code == 302

    assert_shown_escaped(applicant.get(url), SCRIPT, IMG)
    assert_shown_escaped(applicant.get(reverse("application_detail", args=[application.pk])))


def test_a_boundary_error_echoing_the_input_is_escaped(applicant, application) -> None:
    # The refusal names the bad coordinate; it must not carry markup into the page.
    geojson = '{"type":"Polygon","coordinates":[[[120,31],["%s",31],[120.1,31.1],[120,31]]]}'
    url = reverse("application_boundary", args=[application.pk])

    response = applicant.post(url, {"scope": "whole", "boundary_geojson": geojson % SCRIPT})

    assert response.status_code == 200
    assert response.context["form"].errors["boundary_geojson"]
    assert "<script>alert" not in response.content.decode()


def test_incident_descriptions_are_escaped(applicant, application) -> None:
    url = reverse("application_incidents", args=[application.pk])
    for payload in PAYLOADS:
        response = applicant.post(
            url,
            {
                "occurred_on": "2024-05-01",
                "kind": "safety",
                "severity": "general",
                "description": payload,
            },
        )
        assert response.status_code == 302

    assert_shown_escaped(applicant.get(url), SCRIPT, IMG)
    assert_shown_escaped(applicant.get(reverse("application_detail", args=[application.pk])))


def test_evidence_titles_and_file_names_are_escaped(applicant, application) -> None:
    url = reverse("application_attachments", args=[application.pk])
    # Django keeps only the last path part of an uploaded name ("</script>" has a slash), so
    # the file names carry the attribute payload.
    for index, payload in enumerate(PAYLOADS):
        upload = SimpleUploadedFile(f"{IMG}{index}.pdf", PDF_BYTES)
        response = applicant.post(
            url, {"title": payload, "section": "other", "file": upload}, follow=True
        )
        # The success message repeats the title.
        assert_shown_escaped(response, payload)

    assert_shown_escaped(applicant.get(url), SCRIPT, IMG)
    assert_shown_escaped(applicant.get(reverse("application_detail", args=[application.pk])))


def test_a_refused_files_name_in_the_error_is_escaped(applicant, application) -> None:
    url = reverse("application_attachments", args=[application.pk])
    upload = SimpleUploadedFile(f"{IMG}.pdf", b"MZ" + b"\x00" * 64)

    response = applicant.post(url, {"title": SCRIPT, "section": "other", "file": upload})

    assert response.status_code == 200
    assert_shown_escaped(response, SCRIPT, IMG)


def test_reviewer_comments_are_escaped_for_the_park(applicant, application, cast, client):
    workflow.submit(
        cast.applicant_a,
        Application.objects.get(pk=application.pk),
        declaration=workflow.DECLARATION,
    )
    client.force_login(cast.provincial_a)

    response = client.post(
        reverse("application_transition", args=[application.pk, "return_for_revision"]),
        {"comment": SCRIPT, "section_comment_basic": IMG, "confirmed_act": "1"},
    )

    assert response.status_code == 302
    assert Application.objects.get(pk=application.pk).status == Status.RETURNED
    assert_shown_escaped(client.get(reverse("application_detail", args=[application.pk])), SCRIPT)
    page = applicant.get(reverse("application_detail", args=[application.pk]))
    assert_shown_escaped(page, SCRIPT, IMG)


# --- energy data ---------------------------------------------------------------------------------


@pytest.fixture
def eager_tasks():
    # With a broker configured the recalculation would wait for a worker; run it inline.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def energy(cast, applicant, django_capture_on_commit_callbacks, eager_tasks):
    """The park's 2025 data with markup in every text column, entered through the forms."""
    publishing.load_bundled_factor_sets()
    park = cast.park_a

    def post(kind: str, rows: list[dict]) -> None:
        data = {f"{kind}-TOTAL_FORMS": str(len(rows)), f"{kind}-INITIAL_FORMS": "0"}
        for i, row in enumerate(rows):
            data.update({f"{kind}-{i}-{k}": v for k, v in row.items()})
        with django_capture_on_commit_callbacks(execute=True):
            response = applicant.post(
                reverse("accounting:records", args=[park.pk, 2025, kind]), data
            )
        assert response.status_code == 302, response.context and response.context.get("error_list")

    post(
        "enterprises",
        [
            {"name": SCRIPT, "industry": IMG, "credit_code": ""},
            {"name": IMG, "industry": "", "credit_code": ""},
        ],
    )
    ids = {e.name: e.pk for e in ParkYear.objects.get(park=park, year=2025).enterprises.all()}
    post(
        "fuels",
        [
            {"enterprise": ids[SCRIPT], "fuel": "diesel", "use": "end_use", "quantity": "100"},
            {"enterprise": ids[IMG], "fuel": "natural_gas", "use": "end_use", "quantity": "10"},
        ],
    )
    post("electricity", [{"direction": "import", "kind": "grid", "mwh": "1000"}])
    post("generation", [{"source": SCRIPT, "mwh": "5"}])
    post(
        "processes", [{"product": IMG, "tonnes": "10", "factor_tco2_per_t": "0.5", "basis": SCRIPT}]
    )
    post(
        "products",
        [{"product": SCRIPT, "standard": IMG, "actual": "1", "level2_limit": "2", "unit": IMG}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant.post(
            reverse("accounting:guiding", args=[park.pk, 2025]),
            {
                "solid_waste_not_applicable": SCRIPT,
                "water_not_applicable": IMG,
                "waste_energy_not_applicable": SCRIPT,
            },
        )
    assert response.status_code == 302, response.context["form"].errors
    return park


def test_energy_data_texts_are_escaped_on_every_page(energy, applicant, client, cast) -> None:
    park = energy
    pages = [
        reverse("accounting:records", args=[park.pk, 2025, kind])
        for kind in ("enterprises", "fuels", "generation", "processes", "products")
    ]
    pages += [
        reverse("accounting:park_year", args=[park.pk, 2025]),
        reverse("accounting:guiding", args=[park.pk, 2025]),
        reverse("accounting:result", args=[park.pk, 2025]),
    ]
    for url in pages:
        assert_shown_escaped(applicant.get(url))
    assert_shown_escaped(applicant.get(pages[0]), SCRIPT, IMG)
    assert_shown_escaped(applicant.get(pages[-1]), SCRIPT, IMG)  # the trace names enterprises

    client.force_login(cast.provincial_a)  # the read-only tables
    for url in pages:
        assert_shown_escaped(client.get(url))
    assert_shown_escaped(client.get(pages[0]), SCRIPT, IMG)


def test_an_import_file_name_and_its_cells_are_escaped(applicant, cast) -> None:
    publishing.load_bundled_factor_sets()
    park = cast.park_a
    book = Workbook()
    book.remove(book.active)
    rows = {
        "enterprises": [[SCRIPT, None, IMG]],
        "fuels": [[SCRIPT, 1, "diesel", "end_use", "100"]],
        "electricity": [[None, None, "import", "grid", "10"]],
    }
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.title)
        ws.append(sheet.headers)
        for row in rows.get(sheet.key, []):
            ws.append(row)
    content = io.BytesIO()
    book.save(content)
    upload = SimpleUploadedFile(f"{IMG}.xlsx", content.getvalue())

    response = applicant.post(reverse("accounting:upload", args=[park.pk, 2025]), {"file": upload})
    assert response.status_code == 302
    assert_shown_escaped(applicant.get(response["Location"]), SCRIPT, IMG)  # the preview

    confirmed = applicant.post(response["Location"], {"confirm": "1"}, follow=True)
    assert_shown_escaped(confirmed, IMG)  # "imported <file name>" and the list of imports
