"""The start page of each role and the park pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.vary import vary_on_headers

from zcparks.page_cache import cached_page
from zcparks.params import text_param

from .. import access, admin_areas, permissions, three_years, workbench
from ..kernel import scope
from ..models import Role


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and feed readers ask for /favicon.ico whatever the page links; the icon is an SVG
    among the static files, whose address may carry a content hash, so it is looked up here."""
    return redirect(static("img/favicon.svg"))


@login_required
@cached_page
def home(request: HttpRequest) -> HttpResponse:
    """The workbench of the signed-in person's role (applications/workbench.py), kept in the
    page cache per person until the next committed write (D42, D50)."""
    user = request.user
    context: dict = {"role": user.role}
    if user.role == Role.APPLICANT:
        context.update(workbench.park_bench(user))
    elif user.role == Role.PROVINCIAL:
        context.update(workbench.province_bench(user))
    elif user.role == Role.EXPERT:
        context.update(workbench.expert_bench(user))
    if permissions.may(user, "national_statistics"):
        context.update(workbench.ndrc_bench(user))
    return render(request, "applications/home.html", context)


@login_required
@cache_control(private=True, max_age=60)
@vary_on_headers("Accept-Encoding")
def workbench_map(request: HttpRequest) -> HttpResponse:
    """The parks' outlines for NDRC's workbench map, loaded by the page after it shows."""
    if not permissions.may(request.user, "national_statistics"):
        raise Http404
    # Thousands of outlines, compressed once with the cached JSON (`workbench.map_json`); nothing
    # in it reflects the request or is a secret (BREACH).
    raw, compressed = workbench.map_json(request.user)
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(compressed, content_type="application/json")
        response["Content-Encoding"] = "gzip"
        return response
    return HttpResponse(raw, content_type="application/json")


@login_required
def park_list(request: HttpRequest) -> HttpResponse:
    parks = scope.visible_parks(request.user).order_by("province__code", "name")
    query = text_param(request.GET, "q", max_length=100)
    if query:
        parks = parks.filter(name__icontains=query)
    page = Paginator(parks, 25).get_page(request.GET.get("page"))
    return render(request, "applications/park_list.html", {"page": page, "q": query})


@login_required
def park_detail(request: HttpRequest, park_id: int) -> HttpResponse:
    park = scope.get_park_for_user(request.user, park_id)
    applications = (
        access.visible_applications(request.user).filter(park=park).order_by("-batch__year", "-pk")
    )
    return render(
        request,
        "applications/park_detail.html",
        {
            "park": park,
            # The city or county the park has chosen on its boundary page (D47).
            "division_label": (
                admin_areas.place_label(park.division_code) if park.division_code else ""
            ),
            "can_edit": scope.can_edit_park_data(request.user, park),
            "applications": applications,
            "for_applicant": request.user.role == Role.APPLICANT,
            # submitted applications whose energy data changed since (a park has a few)
            "data_changes": [
                (application, changes)
                for application in applications.filter(submission_count__gt=0)
                if (changes := three_years.data_changes_since_submission(application))
            ],
        },
    )


@login_required
def my_park(request: HttpRequest) -> HttpResponse:
    if not permissions.may(request.user, "own_park"):
        return redirect("park_list")
    return redirect("park_detail", park_id=request.user.park_id)
