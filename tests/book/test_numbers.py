"""The one display format: Decimal in, text out, ROUND_HALF_UP, one place per kind of number."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template

from zcparks import numbers


def test_shares_print_as_percent_with_one_place_rounded_half_up() -> None:
    assert numbers.share("0.9125") == "91.3%"
    assert numbers.share(Decimal("0.91249")) == "91.2%"
    assert numbers.share("0.5") == "50.0%"
    assert numbers.share("1") == "100.0%"


def test_intensity_has_four_places_and_no_grouping() -> None:
    assert numbers.intensity("0.12345") == "0.1235"
    assert numbers.intensity("1234.5") == "1234.5000"


def test_tonnes_have_two_places_and_thousands_separators() -> None:
    assert numbers.tonnes("1234567.125") == "1,234,567.13"
    assert numbers.tonnes(0) == "0.00"
    assert numbers.money("-12345.675") == "-12,345.68"


def test_half_up_is_away_from_zero_and_never_prints_minus_zero() -> None:
    assert numbers.tonnes("2.345") == "2.35"  # banker's rounding would give 2.34
    assert numbers.tonnes("-2.345") == "-2.35"
    assert numbers.tonnes("-0.001") == "0.00"


def test_missing_values_print_as_a_dash() -> None:
    for show in (numbers.share, numbers.intensity, numbers.tonnes, numbers.percent):
        assert show(None) == "—"
        assert show("") == "—"


def test_percent_of_a_value_already_in_percent() -> None:
    assert numbers.percent("8.25") == "8.3%"


def test_floats_and_non_numbers_are_refused() -> None:
    with pytest.raises(TypeError):
        numbers.tonnes(0.1)
    with pytest.raises(ValueError):
        numbers.tonnes("abc")
    with pytest.raises(ValueError):
        numbers.tonnes("NaN")


def test_template_filters_use_the_same_format() -> None:
    html = Template(
        "{% load zcp %}{{ s|share }} {{ i|intensity }} {{ t|tonnes }} {{ q|quantity }}"
    ).render(Context({"s": "0.9125", "i": "0.1", "t": "1000", "q": "1.0005"}))
    assert html == "91.3% 0.1000 1,000.00 1.001"
