"""The import preview reads in labels and says what it replaces; the identical file imported
earlier restores its data when the data changed since, and is refused only when it would change
nothing."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from accounting import labels
from accounting.method.engine import evaluate
from accounting.method.factor_set import bundled_factor_set
from accounting.models import Enterprise, ImportBatch
from zcparks import numbers

from .conftest import VALID_CASES, case_rows, import_case, load_case, upload, workbook_bytes

pytestmark = pytest.mark.django_db

FS = bundled_factor_set("ZCP-2025-trial")


def visible_text(page: str) -> str:
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", " ", main.split(">", 1)[1]))


def preview_of(client, park, case) -> str:
    response = upload(client, park, 2025, workbook_bytes(case_rows(case)))
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


def energy_by_type(case) -> tuple[dict, dict]:
    tables = evaluate(case, FS).breakdowns()
    return tables["energy_tce"]["by_energy_type"], tables["emissions_t"]["by_energy_type"]


@pytest.mark.parametrize("path", VALID_CASES[:3], ids=lambda p: p.stem)
def test_the_preview_shows_no_code_of_the_factor_set_or_the_choices(
    path, cast, client, trial_set, on_commit
):
    client.force_login(cast.applicant_a)
    text = visible_text(preview_of(client, cast.park_a, load_case(path)))
    fuels = {code: fuel.name_zh for code, fuel in FS.fuels.items()}
    forbidden = labels.all_codes(fuels) | {"True", "False", "None"}
    shown = [c for c in forbidden if re.search(rf"(?<![A-Za-z_]){re.escape(c)}(?![A-Za-z_])", text)]
    assert not shown, shown
    case = load_case(path)
    for row in case["fuels"][:5]:
        assert fuels[row["fuel"]] in text
    if case.get("generation"):
        assert "是" in text or "否" in text


def test_the_preview_compares_each_energy_kind_with_the_data_it_replaces(
    cast, client, trial_set, on_commit
):
    old, new = load_case(VALID_CASES[0]), load_case(VALID_CASES[1])
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, old)
    text = " ".join(visible_text(preview_of(client, cast.park_a, new)).split())
    assert "将替换的数据（按能源品种）" in text
    (old_tce, old_t), (new_tce, new_t) = energy_by_type(old), energy_by_type(new)
    fuels = {code: fuel.name_zh for code, fuel in FS.fuels.items()}
    zero = Decimal(0)
    for kind in set(old_tce) | set(new_tce):
        a, b = old_tce.get(kind, zero), new_tce.get(kind, zero)
        c, d = old_t.get(kind, zero), new_t.get(kind, zero)
        sign = lambda v: ("+" if v > 0 else "") + numbers.tonnes(v)  # noqa: E731
        row = " ".join(
            [
                labels.energy_label(kind, fuels),
                numbers.tonnes(a),
                numbers.tonnes(b),
                sign(b - a),
                numbers.tonnes(c),
                numbers.tonnes(d),
                sign(d - c),
            ]
        )
        assert row in text, row


def test_the_identical_file_restores_its_data_after_a_change(cast, client, trial_set, on_commit):
    first, other = load_case(VALID_CASES[0]), load_case(VALID_CASES[1])
    content = workbook_bytes(case_rows(first))
    client.force_login(cast.applicant_a)
    done = upload(client, cast.park_a, 2025, content)
    client.post(done["Location"], {"confirm": "1"})
    names = set(Enterprise.objects.values_list("name", flat=True))
    applied = ImportBatch.objects.get().applied_at
    import_case(client, cast.park_a, other)
    assert set(Enterprise.objects.values_list("name", flat=True)) != names

    again = upload(client, cast.park_a, 2025, content)
    assert again.status_code == 302
    page = client.get(again["Location"]).content.decode()
    when = timezone.localtime(applied).strftime("%Y-%m-%d %H:%M")
    assert f"此文件曾于 {when} 导入" in page and "恢复" in page
    assert client.post(again["Location"], {"confirm": "1"}).status_code == 302
    assert set(Enterprise.objects.values_list("name", flat=True)) == names
    assert ImportBatch.objects.count() == 3

    unchanged = upload(client, cast.park_a, 2025, content)
    assert unchanged.status_code == 400
    assert "与当前数据相同，无需导入" in unchanged.content.decode()
    assert ImportBatch.objects.count() == 3
