"""The administration site under hostile query parameters, as the administrator.

The walk over every route (test_hostile_parameters) leaves the admin out: its views read the
query string as a whole (`dict(request.GET.lists())`), so the recording trick sees nothing.
Here every registered model's change list, and its add form, gets each hostile value for each
parameter the admin reads: search, order, page, `_to_field`, `_popup`, the show-all switch and
every filter the model admin declares. No answer may be a 500.
"""

from __future__ import annotations

import logging
from collections import Counter

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from .hostile import HOSTILE

BASE_PARAMETERS = ("q", "o", "p", "_to_field", "_popup", "all", "e", "_changelist_filters")


def filter_parameters(model_admin) -> set[str]:
    """The query parameters of the model admin's declared filters."""
    names: set[str] = set()
    for spec in model_admin.list_filter:
        if isinstance(spec, str):
            field = spec
        elif isinstance(spec, tuple):
            field = spec[0]
        else:  # a SimpleListFilter class
            names.add(spec.parameter_name)
            continue
        names |= {
            f"{field}__exact",
            f"{field}__id__exact",
            f"{field}__isnull",
            f"{field}__gte",
            f"{field}__lt",
            f"{field}__in",
        }
    return names


@pytest.mark.django_db
def test_no_admin_page_answers_500_to_a_hostile_parameter(client, cast, capsys, caplog):
    client.force_login(cast.admin)
    # Django answers a refused parameter itself (400 for a `_to_field` it does not allow, a
    # redirect with `e=1` for a filter it cannot apply); what must never come is a 500.
    client.raise_request_exception = False
    caplog.set_level(logging.CRITICAL, logger="django")
    request = RequestFactory().get("/")
    request.user = cast.admin
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    turn = 0
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        probes = [
            (changelist, name)
            for name in sorted(set(BASE_PARAMETERS) | filter_parameters(model_admin))
        ]
        if model_admin.has_add_permission(request):
            add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
            probes += [(add, "_to_field"), (add, "_popup"), (add, "_changelist_filters")]
        # Each parameter meets every hostile value across the models, one value per request:
        # the values turn with every probe rather than all being sent to every model.
        for url, name in probes:
            value = HOSTILE[turn % len(HOSTILE)]
            turn += 1
            response = client.get(url, {name: value})
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{url}?{name}={value[:20]!r}: {response.status_code}")
    with capsys.disabled():
        print(
            f"\nhostile admin parameters: {len(admin.site._registry)} models, {turn} requests; "
            + ", ".join(f"status {k}: {v}" for k, v in sorted(statuses.items()))
        )
    assert turn > 10 * len(HOSTILE)
    assert statuses[200] > turn / 2  # the pages were reached, not refused at the door
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:60])
