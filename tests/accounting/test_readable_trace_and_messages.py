"""The trace reads in the user's language and at a readable precision; the engine's messages
reach a person in the user's language, named by the place as it was sent (D18)."""

from __future__ import annotations

import csv
import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from accounting import labels, messages
from accounting.case_upload import parse_case_file
from accounting.import_errors import ImportInvalid
from accounting.method.case import CaseError, parse_case
from accounting.method.factor_set import REFERENCE_DIR
from zcparks import numbers

from .conftest import VALID_CASES, import_case, load_case

ENGLISH = re.compile(
    r"\b(?:must|default|defaults|raw|measured|Annex|Att\.|project|sector|"
    r"shown|otherwise|required|unknown|exceed|negative|number)\b"
)
LONG = "0.1917645205938974945221449482138807"
LONG_NUMBER = re.compile(r"\d\.\d{7,}")


def _sources() -> set[str]:
    texts = set()
    for folder in REFERENCE_DIR.iterdir():
        for name in ("factors.csv", "parameters.csv"):
            with (folder / name).open(encoding="utf-8") as f:
                texts |= {row["source"] for row in csv.DictReader(f)}
    return texts


def test_every_bundled_source_note_reads_in_chinese():
    with translation.override("zh-hans"):
        for text in _sources():
            shown = labels.source_label(text)
            assert not ENGLISH.search(shown), (text, shown)
    with translation.override("en"):  # the English page shows the note as published
        for text in _sources():
            assert labels.source_label(text).replace("；", "; ") == text


@pytest.mark.parametrize(
    ("value", "shown", "full"),
    [
        (
            "0.1917645205938974945221449482138807",
            "0.191765",
            "0.1917645205938974945221449482138807",
        ),
        ("0.8325", "0.8325", ""),
        ("13.300", "13.300", ""),
        ("0.03412", "0.03412", ""),
        ("2.666666666666666666666666666666667", "2.66667", "2.666666666666666666666666666666667"),
        ("1234567.891", "1234568", "1234567.891"),
        ("0E-28", "0", ""),
        ("3.0000000000", "3", ""),
        ("13.30000000000000000000", "13.3", ""),
        (None, "—", ""),
    ],
)
def test_a_factor_is_shown_as_published_or_at_six_significant_digits(value, shown, full):
    assert numbers.factor(value) == shown
    assert numbers.factor_full(value) == full


BAD = [
    ({"fuels": [{"enterprise": "甲", "fuel": "raw_coal", "use": "end_use", "quantity": 1}]}),
    ({"fuels": [{"enterprise": "甲", "fuel": "diesel", "use": "burning", "quantity": 1}]}),
    ({"fuels": [{"enterprise": "甲", "fuel": "diesel", "use": "end_use", "quantity": -1}]}),
    ({"fuels": [{"enterprise": "甲", "fuel": "diesel", "use": "end_use", "quantity": "x"}]}),
    ({"fuels": [{"enterprise": "甲", "fuel": "diesel", "use": "end_use", "quantity": "1e30"}]}),
    (
        {
            "fuels": [
                {
                    "enterprise": "甲",
                    "fuel": "diesel",
                    "use": "end_use",
                    "quantity": "0.1234567890123",
                }
            ]
        }
    ),
    ({"fuels": [{"enterprise": "", "fuel": "diesel", "use": "end_use", "quantity": 1}]}),
    (
        {
            "fuels": [
                {
                    "enterprise": "甲",
                    "fuel": "diesel",
                    "use": "end_use",
                    "quantity": 1,
                    "ncv_gj_per_unit": 0,
                }
            ]
        }
    ),
    ({"fuels": [{"enterprise": "甲", "use": "end_use", "quantity": 1}]}),
    ({"fuels": {}}),
    ({"fuels": [1]}),
    ({"electricity": [{"direction": "import", "kind": "nuclear", "mwh": 1}]}),
    ({"generation": [{"source": "光伏", "fossil": "no", "mwh": 1}]}),
    ({"processes": [{"product": "熟料", "tonnes": 1, "factor_tco2_per_t": 1}]}),
    ({"guiding": {"solid_waste": {"generated_t": 1, "utilized_t": 2}}}),
    ({"guiding": {"solid_waste": {"generated_t": 0, "utilized_t": 0}}}),
    ({"guiding": {"water": {"fresh_m3": 0, "reused_m3": 0}}}),
    ({"guiding": {"waste_energy": {"steam": {"recoverable_tce": 1, "recovered_tce": 1}}}}),
    ({"guiding": {"waste_energy": {"heat": {"recoverable_tce": 0, "recovered_tce": 0}}}}),
    ({"guiding": {"nonsense": {}}}),
    ({"guiding": {"product_energy": "none"}}),
    ({"guiding": {"water": {"fresh_m3": 1, "reused_m3": 1, "not_applicable": "无"}}}),
    ({"year": 1900}),
    ({"schema": "other"}),
    ({"factor_set": ""}),
]


@pytest.mark.parametrize("change", BAD)
def test_every_engine_message_has_its_chinese(change):
    case = {
        "schema": "zcp-case/1",
        "park": {"name": "甲园区"},
        "year": 2025,
        "factor_set": "ZCP-2025-trial",
        **change,
    }
    with pytest.raises(CaseError) as refused:
        parse_case(case, {"diesel": None})
    assert messages.known(refused.value.message), refused.value.message
    with translation.override("zh-hans"):
        shown = messages.case_error(refused.value)
    assert shown.startswith(refused.value.path + "：")
    assert not ENGLISH.search(shown.split("：", 1)[1]), shown


def test_a_json_upload_names_the_json_path_in_chinese(db):
    case = load_case(VALID_CASES[0])
    case["fuels"][1]["quantity"] = "-5"
    with translation.override("zh-hans"), pytest.raises(ImportInvalid) as refused:
        parse_case_file(json.dumps(case, default=str).encode(), year=2025)
    (error,) = refused.value.errors
    assert error.path == "fuels[1].quantity" and not error.sheet
    assert str(error) == "JSON 路径 fuels[1].quantity：不得为负数"


def test_the_trace_page_reads_in_chinese_with_readable_factors(cast, client, trial_set, on_commit):
    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[0]))
    page = client.get(reverse("accounting:result", args=[cast.park_a.pk, 2025])).content.decode()
    trace = page[
        page.index('data-testid="trace"') : page.index(
            "</table>", page.index('data-testid="trace"')
        )
    ]
    shown = re.sub(
        r"<details.*?<span class=\"text-break\" data-full>.*?</span></details>",
        "",
        trace,
        flags=re.S,
    )
    text = re.sub(r"<[^>]+>", " ", shown)  # what is read (a title holds the full value)
    assert not LONG_NUMBER.search(text)  # factors at a readable precision …
    assert "data-full>" in trace  # … with every digit on demand
    assert "GB/T 32150-2015 附录B" in trace and "折标准煤系数" in trace
    assert not ENGLISH.search(text)
    assert "柴油" in trace or "天然气" in trace


def test_section_four_prints_no_34_digit_intensity(cast, client, trial_set, on_commit):
    from tests.applications.builders import complete_application, open_batch

    client.force_login(cast.applicant_a)
    import_case(client, cast.park_a, load_case(VALID_CASES[0]))
    # A 2026 batch: its three years (2023-2025) hold the calculated 2025.
    application = complete_application(cast.park_a, cast.applicant_a, open_batch(year=2026))
    url = reverse("application_section", args=[application.pk, "energy"])
    page = client.get(url).content.decode()
    linked = page[page.index('data-testid="three-years"') :]
    linked = linked[: linked.index("</section>")]
    row = linked[linked.index('data-year="2025"') :]
    row = row[: row.index("</tr>")]
    assert re.search(r"<td>\d+\.\d{4}</td>", row), row  # the intensity, four decimals
    assert not LONG_NUMBER.search(linked), linked
