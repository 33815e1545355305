"""The import: every error listed with sheet, row and column; nothing written on any error;
preview before apply; an identical re-upload that changes nothing refused; formulas refused;
export re-imports."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounting import importers
from accounting.models import CalculationRun, Enterprise, FuelRecord, ImportBatch, ParkYear
from zcparks.storage import private_storage

from .conftest import VALID_CASES, case_rows, import_case, load_case, upload, workbook_bytes

pytestmark = pytest.mark.django_db

GREEN = VALID_CASES[0]


def nothing_written() -> bool:
    return not (
        ParkYear.objects.exists()
        or FuelRecord.objects.exists()
        or ImportBatch.objects.exists()
        or CalculationRun.objects.exists()
    )


def test_all_errors_are_listed_with_sheet_row_and_column_and_nothing_is_written(
    cast, client, trial_set, on_commit
):
    rows = case_rows(load_case(GREEN))
    rows["fuels"][0][4] = "-1"  # 燃料 row 2, 消费量
    rows["fuels"][3][1] = 13  # 燃料 row 5, 月份
    rows["fuels"][5][2] = "coal_dust"  # 燃料 row 7, 燃料
    rows["electricity"][2][3] = "nuclear"  # 电力 row 4, 类型
    rows["heat"][0][0] = "无此企业"  # 热力 row 2, 企业名称
    client.force_login(cast.applicant_a)
    response = upload(client, cast.park_a, 2025, workbook_bytes(rows))
    assert response.status_code == 400
    page = response.content.decode()
    for expected in (
        "工作表“燃料” 第 2 行 “消费量”列：不得为负数",
        "工作表“燃料” 第 5 行 “月份”列",
        "工作表“燃料” 第 7 行 “燃料”列：未知燃料“coal_dust”",
        "工作表“电力” 第 4 行 “类型”列",
        "工作表“热力” 第 2 行 “企业名称”列：企业“无此企业”不在“企业”表中",
    ):
        assert expected in page, expected
    assert "文件有 5 处错误" in page
    assert nothing_written()


def test_a_formula_cell_is_refused_naming_the_cell(cast, client, trial_set, on_commit):
    def add_formula(book):
        book["燃料"]["E3"] = "=1+1"

    content = workbook_bytes(case_rows(load_case(GREEN)), tweak=add_formula)
    client.force_login(cast.applicant_a)
    response = upload(client, cast.park_a, 2025, content)
    assert response.status_code == 400
    assert "工作表“燃料” 第 3 行 “E3”列：单元格含公式" in response.content.decode()
    assert nothing_written()


def test_upload_shows_a_preview_and_writes_only_on_confirm(cast, client, trial_set, on_commit):
    client.force_login(cast.applicant_a)
    response = upload(client, cast.park_a, 2025, workbook_bytes(case_rows(load_case(GREEN))))
    assert response.status_code == 302
    assert nothing_written()
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert "确认导入" in preview.content.decode()
    assert "单位能耗碳排放 0.1918" in preview.content.decode()
    assert nothing_written()
    client.post(response["Location"], {"confirm": "1"})
    assert FuelRecord.objects.count() == 24
    batch = ImportBatch.objects.get()
    assert len(batch.sha256) == 64 and batch.row_counts["fuels"] == 24
    assert CalculationRun.objects.count() == 1


def test_cancelled_preview_writes_nothing(cast, client, trial_set, on_commit):
    client.force_login(cast.applicant_a)
    response = upload(client, cast.park_a, 2025, workbook_bytes(case_rows(load_case(GREEN))))
    client.post(response["Location"], {"cancel": "1"})
    assert nothing_written()
    assert client.get(response["Location"]).status_code == 404


def test_identical_reupload_that_would_change_nothing_is_refused(
    cast, client, trial_set, on_commit
):
    content = workbook_bytes(case_rows(load_case(GREEN)))
    client.force_login(cast.applicant_a)
    first = upload(client, cast.park_a, 2025, content)
    client.post(first["Location"], {"confirm": "1"})
    again = upload(client, cast.park_a, 2025, content)
    assert again.status_code == 400
    assert "已导入过，与当前数据相同，无需导入" in again.content.decode()
    assert ImportBatch.objects.count() == 1 and CalculationRun.objects.count() == 1


def test_import_replaces_the_park_years_data(cast, client, trial_set, on_commit):
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[0]))
    import_case(client, cast.park_a, load_case(VALID_CASES[1]))
    names = set(Enterprise.objects.values_list("name", flat=True))
    assert "园区热电联产公司" in names and "园区公交公司" not in names
    assert CalculationRun.objects.count() == 2


def test_export_reimports_to_the_same_data_and_result(cast, client, trial_set, on_commit):
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[2]))
    exported = client.get(reverse("accounting:download", args=[cast.park_a.pk, 2025, "data.xlsx"]))
    assert exported.status_code == 200
    before = list(
        FuelRecord.objects.order_by("id").values_list(
            "enterprise__name", "month", "fuel", "use", "quantity"
        )
    )
    first_result = CalculationRun.objects.get().result
    # Into another park: the same file must give the same rows and the same numbers.
    client.force_login(cast.applicant_b)
    response = upload(client, cast.park_b, 2025, exported.content, name="export.xlsx")
    assert response.status_code == 302, response.content.decode()[:3000]
    # The workbook names 甲园区: importing it into 乙园区 needs the acknowledgement.
    client.post(response["Location"], {"confirm": "1", "acknowledge": "1"})
    after = list(
        FuelRecord.objects.filter(park_year__park=cast.park_b)
        .order_by("id")
        .values_list("enterprise__name", "month", "fuel", "use", "quantity")
    )
    assert after == before
    second = CalculationRun.objects.filter(park_year__park=cast.park_b).get().result
    assert second["emissions_t"] == first_result["emissions_t"]
    assert second["guiding"] == first_result["guiding"]


def test_template_downloads_have_one_sheet_per_kind_with_chinese_headers(cast, client, trial_set):
    client.force_login(cast.applicant_a)
    xlsx = client.get(reverse("accounting:download", args=[cast.park_a.pk, 2025, "template.xlsx"]))
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames[:3] == ["企业", "燃料", "电力"]
    assert [c.value for c in next(book["燃料"].iter_rows())] == [
        "企业名称",
        "月份",
        "燃料",
        "用途",
        "消费量",
        "实测低位发热量(GJ/单位)",
        "实测含碳量(tC/TJ)",
    ]
    archive = zipfile.ZipFile(
        io.BytesIO(
            client.get(
                reverse("accounting:download", args=[cast.park_a.pk, 2025, "template.zip"])
            ).content
        )
    )
    assert "燃料.csv" in archive.namelist()


def test_a_zip_of_csv_files_imports_like_the_workbook(cast, client, trial_set, on_commit):
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(GREEN))
    zipped = client.get(reverse("accounting:download", args=[cast.park_a.pk, 2025, "template.zip"]))
    assert zipped.status_code == 200
    from accounting.exporters import export_csv_zip

    content = export_csv_zip(ParkYear.objects.get())
    client.force_login(cast.applicant_b)
    response = upload(client, cast.park_b, 2025, content, name="data.zip")
    assert response.status_code == 302, response.content.decode()[:2000]
    client.post(response["Location"], {"confirm": "1"})
    a, b = (
        CalculationRun.objects.get(park_year__park=p).result for p in (cast.park_a, cast.park_b)
    )
    assert a["intensity"] == b["intensity"]


def test_a_csv_cell_starting_with_equals_is_refused_as_a_formula(
    cast, client, trial_set, on_commit
):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("企业.csv", "企业名称,统一社会信用代码,所属行业\nA,,\n")
        archive.writestr("燃料.csv", "企业名称,月份,燃料,用途,消费量\nA,1,diesel,end_use,=SUM(1)\n")
    client.force_login(cast.applicant_a)
    response = upload(client, cast.park_a, 2025, out.getvalue(), name="data.zip")
    assert response.status_code == 400
    assert "工作表“燃料” 第 2 行 “E”列：单元格含公式" in response.content.decode()


def test_the_parsed_upload_is_kept_server_side_under_its_sha256(cast, client, trial_set, settings):
    content = workbook_bytes(case_rows(load_case(GREEN)))
    client.force_login(cast.applicant_a)
    response = upload(client, cast.park_a, 2025, content)
    sha = importers.sha256_of(content)
    assert response["Location"].endswith(f"/import/{sha}/")
    assert private_storage.exists(importers.upload_name(f"{cast.park_a.pk}-2025", sha))


def test_only_the_parks_applicant_may_import(cast, client, trial_set):
    content = workbook_bytes(case_rows(load_case(GREEN)))
    for user in (cast.provincial_a, cast.national):
        client.force_login(user)
        assert upload(client, cast.park_a, 2025, content).status_code == 403
    client.force_login(cast.applicant_b)
    assert upload(client, cast.park_a, 2025, content).status_code == 404
    assert nothing_written()
