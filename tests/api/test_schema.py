"""The OpenAPI schema is served and every endpoint answers within it (schemathesis), and the
documentation page is served from our own files in the page's language."""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks

from accounting.models import CalculationRun
from tests.accounting.conftest import VALID_CASES, load_case
from zcparks.wsgi import application

from .test_push import GOOD, put, rows_url

pytestmark = pytest.mark.django_db

# The checks that matter here: no 500, and every answer (status, content type, headers, body)
# as the schema says. Negative data must be refused with a 4xx.
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_headers_conformance,
    st_checks.response_schema_conformance,
    st_checks.negative_data_rejection,
]


@pytest.fixture
def api_data(db, cast, token_a, api, trial_set, on_commit, settings):
    """Some data, so that the reads have something to answer with; no rate limit in the way."""
    settings.ZCP_API_RATE = "100000/min"
    assert put(api, rows_url(cast.park_a), GOOD).status_code == 201
    case = load_case(VALID_CASES[0])
    case["year"] = 2024
    assert put(api, f"/api/v1/parks/{cast.park_a.pk}/years/2024/case/", case).status_code == 201
    # From here requests go through the real WSGI handler, which closes the database connection
    # when a request ends; inside the test's transaction (PostgreSQL) that would lose it.
    # Django's test client does the same as this for its own requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield token_a
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Loaded through the app itself, as a client would: the schema view needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_endpoint_answers_within_its_schema(case, api_data):
    case.call_and_validate(headers={"Authorization": f"Bearer {api_data.plaintext}"}, checks=CHECKS)


def test_the_reads_with_real_data_answer_within_the_schema(api_data, cast):
    from applications.models import Application
    from tests.applications.builders import complete_application

    application = complete_application(cast.park_a, cast.applicant_a)
    assert Application.objects.count() == 1
    run_id = CalculationRun.objects.get(park_year__park=cast.park_a, park_year__year=2025).pk
    calls = [
        ("/api/v1/me/", {}),
        ("/api/v1/parks/", {}),
        ("/api/v1/parks/{park_id}/years/", {"park_id": cast.park_a.pk}),
        ("/api/v1/parks/{park_id}/years/{year}/result/", {"park_id": cast.park_a.pk, "year": 2025}),
        ("/api/v1/parks/{park_id}/years/{year}/runs/", {"park_id": cast.park_a.pk, "year": 2025}),
        (
            "/api/v1/parks/{park_id}/years/{year}/runs/{run_id}/",
            {"park_id": cast.park_a.pk, "year": 2025, "run_id": run_id},
        ),
        ("/api/v1/applications/", {}),
        ("/api/v1/applications/{application_id}/", {"application_id": application.pk}),
    ]
    for path, parameters in calls:
        case = schema[path]["GET"].Case(path_parameters=parameters, query={})
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {api_data.plaintext}"}, checks=CHECKS
        )
        assert response.status_code == 200, path


def test_the_schema_is_served_without_login(db):
    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/parks/{park_id}/years/{year}/data/" in paths
    assert "put" in paths["/api/v1/parks/{park_id}/years/{year}/case/"]
    security = response.json()["components"]["securitySchemes"]
    assert security["parkToken"]["scheme"] == "bearer"


def test_the_docs_page_loads_swagger_ui_from_our_own_static_files_without_inline_script(db):
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all(body.strip() == "" for _attrs, body in scripts)
    sources = [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _body in scripts]
    assert "/static/vendor/swagger-ui-dist-5.35.0/swagger-ui-bundle.js" in sources
    assert "/static/js/api-docs.js" in sources
    assert not re.search(r"https?://(?!127\.0\.0\.1)", " ".join(sources))
    assert 'data-schema-url="/api/schema/?lang=zh-hans"' in page
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_docs_page_follows_the_language_asked_for(db):
    page = Client().get("/api/docs/?lang=en").content.decode()
    assert '<html lang="en">' in page
    assert 'data-schema-url="/api/schema/?lang=en"' in page


def test_the_vendored_swagger_ui_files_exist():
    from pathlib import Path

    from django.conf import settings as django_settings

    folder = Path(django_settings.BASE_DIR) / "static" / "vendor" / "swagger-ui-dist-5.35.0"
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"):
        assert (folder / name).is_file(), name
    assert (Path(django_settings.BASE_DIR) / "static" / "js" / "api-docs.js").is_file()
