"""Factor sets: published means final (model, queryset, admin, PostgreSQL trigger); a change is
a new version; CSV upload validates every row; publishing queues recalculation of its year."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from accounting import publishing, stored_factor_sets
from accounting.method.factor_set import REFERENCE_DIR
from accounting.models import (
    FactorParameter,
    FactorSetStatus,
    FactorSetVersion,
    FuelFactor,
    ParkYear,
    PublishedFactorSetError,
)

pytestmark = pytest.mark.django_db

TRIAL = REFERENCE_DIR / "ZCP-2025-trial"


def test_loading_the_bundled_sets_is_idempotent(db):
    assert publishing.load_bundled_factor_sets() == [
        "factor set ZCP-2025-trial v1: loaded and published",
        "factor set ZCP-2025-trial v2: loaded and published",
        "factor set ZCP-2025-trial v3: loaded and published",
    ]
    assert publishing.load_bundled_factor_sets() == [
        "factor set ZCP-2025-trial v1: already loaded",
        "factor set ZCP-2025-trial v2: already loaded",
        "factor set ZCP-2025-trial v3: already loaded",
    ]
    assert FactorSetVersion.objects.count() == 3


def test_resolved_set_equals_the_bundled_one(trial_set):
    from accounting.method.factor_set import bundled_factor_set

    stored, bundled = (
        stored_factor_sets.resolve_factor_set("ZCP-2025-trial"),
        bundled_factor_set("ZCP-2025-trial"),
    )
    assert dict(stored.fuels) == dict(bundled.fuels)
    assert dict(stored.parameters) == dict(bundled.parameters)
    assert stored_factor_sets.resolve_factor_set("NOPE") is None


def test_a_published_set_refuses_save_and_delete(trial_set):
    trial_set.title_zh = "改"
    with pytest.raises(PublishedFactorSetError):
        trial_set.save()
    with pytest.raises(PublishedFactorSetError):
        trial_set.delete()
    fuel = FuelFactor.objects.filter(factor_set=trial_set).first()
    fuel.tce_per_unit = Decimal("9")
    with pytest.raises(PublishedFactorSetError):
        fuel.save()
    with pytest.raises(PublishedFactorSetError):
        fuel.delete()
    trial_set.refresh_from_db()
    assert trial_set.title_zh != "改"


def test_a_published_set_refuses_queryset_update_and_delete(trial_set):
    with pytest.raises(PublishedFactorSetError):
        FactorSetVersion.objects.filter(pk=trial_set.pk).update(year=1999)
    with pytest.raises(PublishedFactorSetError):
        FactorSetVersion.objects.all().delete()
    with pytest.raises(PublishedFactorSetError):
        FuelFactor.objects.filter(factor_set=trial_set).update(tce_per_unit=1)
    with pytest.raises(PublishedFactorSetError):
        FactorParameter.objects.filter(factor_set=trial_set).delete()
    with pytest.raises(PublishedFactorSetError):
        FactorParameter.objects.bulk_create(
            [FactorParameter(factor_set=trial_set, key="extra", value=1, source="x")]
        )
    assert FactorSetVersion.objects.get(pk=trial_set.pk).year == 2025


def test_the_admin_form_cannot_change_a_published_set(trial_set, cast, client):
    client.force_login(cast.admin)
    url = reverse("admin:accounting_factorsetversion_change", args=[trial_set.pk])
    page = client.get(url)
    assert page.status_code == 200  # readable …
    assert 'name="_save"' not in page.content.decode()  # … but without a save button
    response = client.post(url, {"code": "ZCP-2025-trial", "version": 1, "year": 1999})
    assert response.status_code == 403
    delete = client.post(
        reverse("admin:accounting_factorsetversion_delete", args=[trial_set.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert FactorSetVersion.objects.get(pk=trial_set.pk).year == 2025


@pytest.mark.postgres
def test_the_database_refuses_raw_sql_changes_to_a_published_set(trial_set):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounting_fuelfactor SET tce_per_unit = 1 WHERE factor_set_id = %s",
            [trial_set.pk],
        )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounting_factorsetversion WHERE id = %s", [trial_set.pk])
    assert FuelFactor.objects.filter(factor_set=trial_set, tce_per_unit=1).count() == 0


def test_a_new_version_is_a_draft_copy_that_can_be_changed_and_published(trial_set, on_commit):
    draft = stored_factor_sets.copy_as_draft(trial_set)
    assert (draft.version, draft.status) == (trial_set.version + 1, FactorSetStatus.DRAFT)
    FactorParameter.objects.filter(factor_set=draft, key="electricity_fossil_factor").update(
        value=Decimal("0.5703")
    )
    publishing.publish(draft)
    resolved = stored_factor_sets.resolve_factor_set("ZCP-2025-trial")
    assert resolved.version == draft.version and resolved.value(
        "electricity_fossil_factor"
    ) == Decimal("0.5703")
    # the version it was copied from is untouched and still readable
    assert FactorParameter.objects.get(
        factor_set=trial_set, key="electricity_fossil_factor"
    ).value == Decimal("0.8325")


def test_publishing_queues_recalculation_of_that_years_park_years_after_commit(
    trial_set, cast, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    from accounting import tasks

    monkeypatch.setattr(
        tasks.recalculate_park_year, "apply_async", lambda args, **kw: sent.append(args[0])
    )
    in_year = ParkYear.objects.create(park=cast.park_a, year=2025)
    ParkYear.objects.create(park=cast.park_b, year=2024)
    draft = stored_factor_sets.copy_as_draft(trial_set)
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(draft)
    assert sent == [in_year.pk]


def test_the_admin_publish_action_publishes_a_draft(trial_set, cast, client, on_commit):
    draft = stored_factor_sets.copy_as_draft(trial_set)
    client.force_login(cast.admin)
    client.post(
        reverse("admin:accounting_factorsetversion_changelist"),
        {"action": "publish_selected", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.is_published


def _csv_upload(client, factors: bytes, parameters: bytes):
    f, p = io.BytesIO(factors), io.BytesIO(parameters)
    f.name, p.name = "factors.csv", "parameters.csv"
    return client.post(
        reverse("admin:accounting_factorsetversion_upload"),
        {
            "code": "ZCP-2026",
            "year": 2026,
            "title_zh": "2026",
            "title_en": "",
            "factors": f,
            "parameters": p,
        },
    )


def test_csv_upload_makes_a_new_draft_version(trial_set, cast, client):
    client.force_login(cast.admin)
    response = _csv_upload(
        client, (TRIAL / "factors.csv").read_bytes(), (TRIAL / "parameters.csv").read_bytes()
    )
    assert response.status_code == 302
    version = FactorSetVersion.objects.get(code="ZCP-2026")
    assert version.status == FactorSetStatus.DRAFT and version.year == 2026
    assert (
        FuelFactor.objects.filter(factor_set=version).count()
        == FuelFactor.objects.filter(factor_set=trial_set).count()
    )


def test_csv_upload_names_every_bad_row_and_column_and_writes_nothing(trial_set, cast, client):
    lines = (TRIAL / "factors.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",coal,", ",rock,")  # row 2 category
    lines[4] = lines[4].replace(",0.96,", ",1.5,")  # row 5 oxidation (lignite)
    params = (TRIAL / "parameters.csv").read_text(encoding="utf-8").replace("0.8325", "abc")
    client.force_login(cast.admin)
    response = _csv_upload(client, "\n".join(lines).encode(), params.encode())
    assert response.status_code == 400
    page = response.content.decode()
    assert "factors.csv 第 2 行，category 列" in page
    assert "factors.csv 第 5 行，oxidation 列：不得大于 1" in page
    assert "parameters.csv 第 2 行，value 列" in page
    assert not FactorSetVersion.objects.filter(code="ZCP-2026").exists()
