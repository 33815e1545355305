"""The result page's table by enterprise is paged: a park of many enterprises shows 20 of them,
largest emitters first, with page links; the chart keeps the 15 largest."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from accounting.models import CalculationRun

from .conftest import VALID_CASES, import_case, load_case

pytestmark = pytest.mark.django_db


def test_the_table_by_enterprise_shows_one_page_of_enterprises(cast, client, trial_set, on_commit):
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[1]))
    run = CalculationRun.objects.get(park_year__park=cast.park_a, status="succeeded")
    # As a park of 45 enterprises would have it (企业01 emits most)
    run.result["breakdowns"]["emissions_t"]["by_enterprise"] = {
        f"企业{i:02d}": str(Decimal(1000 - i)) for i in range(1, 46)
    }
    run.save(update_fields=["result"])
    url = reverse("accounting:result", args=[cast.park_a.pk, 2025])

    first = client.get(url).content.decode()
    table = first.split('data-testid="breakdown-by_enterprise"')[1].split("</table>")[0]
    assert table.count("<tr>") == 20 and "企业01" in table and "企业21" not in table
    assert "第 1–20 家，共 45 家" in first
    assert "enterprise_page=3" in first
    chart = json.loads(
        first.split('id="accounting-chart-data" type="application/json">')[1].split("</script>")[0]
    )
    assert len(chart["by_enterprise"]["labels"]) == 15

    last = client.get(url, {"enterprise_page": "3"}).content.decode()
    table = last.split('data-testid="breakdown-by_enterprise"')[1].split("</table>")[0]
    assert table.count("<tr>") == 5 and "企业45" in table and "企业01" not in table

    refused = client.get(url, {"enterprise_page": "x"})
    assert refused.status_code == 400 and "企业排名页码" in refused.content.decode()
