"""Everything under /api/: the versioned endpoints, the schema and its documentation page.

Mounted in zcparks/urls.py as ``path("api/", include("applications.api.urls"))``; URL names are
in the ``api`` namespace (``api:schema``, ``api:docs``, ``api:park-year-result`` …).
"""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from accounting.api import views as data
from applications.api import views
from zcparks.api import docs, errors

app_name = "api"

v1 = [
    path("me/", views.Me.as_view(), name="me"),
    path("parks/", views.ParkList.as_view(), name="park-list"),
    path("parks/<int:park_id>/years/", data.ParkYearList.as_view(), name="park-year-list"),
    path(
        "parks/<int:park_id>/years/<int:year>/data/", data.PushRows.as_view(), name="park-year-rows"
    ),
    path(
        "parks/<int:park_id>/years/<int:year>/case/", data.PushCase.as_view(), name="park-year-case"
    ),
    path(
        "parks/<int:park_id>/years/<int:year>/result/",
        data.LatestResult.as_view(),
        name="park-year-result",
    ),
    path(
        "parks/<int:park_id>/years/<int:year>/runs/", data.RunList.as_view(), name="park-year-runs"
    ),
    path(
        "parks/<int:park_id>/years/<int:year>/runs/<int:run_id>/",
        data.RunDetail.as_view(),
        name="park-year-run",
    ),
    path("parks/<int:park_id>/programme/", views.ParkProgramme.as_view(), name="park-programme"),
    path("applications/", views.ApplicationList.as_view(), name="application-list"),
    path(
        "applications/<int:application_id>/",
        views.ApplicationDetail.as_view(),
        name="application-detail",
    ),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.api_docs, name="docs"),
    re_path(r"^.*$", errors.not_found),
]
