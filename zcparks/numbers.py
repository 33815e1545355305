"""The one display format of numbers: Decimal in, text out, one rounding policy.

Policy (every page, letter, PDF and the printable application book use it):
- rounding is ROUND_HALF_UP (0.125 → 0.13), applied only here, only for display; stored values
  and calculations keep every digit;
- carbon intensity (tCO2/tce): 4 decimal places, no grouping (0.1234);
- shares (stored as fractions, 0.9125): percent with 1 decimal place and a sign, 91.3%;
- tonnes (tCO2, tce) and money (万元): 2 decimal places with thousands separators, 12,345.68;
- activity quantities of the calculation trace: 3 decimal places with thousands separators;
- factors (emission factors, tce coefficients): as published when they have at most 6
  significant digits (0.8325, 13.300), else rounded to 6 significant digits (1.91765); the full
  value is shown on demand (`factor_full`);
- a missing value prints as "—".
Floats are refused: a number that went through binary floating point has already been rounded
somewhere else.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MISSING = "—"
INTENSITY_PLACES = 4
SHARE_PLACES = 1
TONNE_PLACES = 2
MONEY_PLACES = 2
QUANTITY_PLACES = 3
FACTOR_DIGITS = 6


def to_decimal(value: object) -> Decimal | None:
    """A Decimal from a Decimal, an int or a decimal string; None for missing values."""
    if value is None or value == "":
        return None
    if isinstance(value, bool | float):
        raise TypeError(f"not a decimal quantity: {value!r}")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a decimal quantity: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"not a finite quantity: {value!r}")
    return result


def rounded(value: object, places: int) -> Decimal | None:
    number = to_decimal(value)
    if number is None:
        return None
    result = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return result if result else abs(result)  # no "-0.00"


def number(value: object, places: int = TONNE_PLACES, *, grouping: bool = True) -> str:
    """`value` rounded half up to `places` decimals, with thousands separators if `grouping`."""
    result = rounded(value, places)
    if result is None:
        return MISSING
    return f"{result:,}" if grouping else f"{result}"


def intensity(value: object) -> str:
    """Carbon intensity in tCO2/tce: 0.1234."""
    return number(value, INTENSITY_PLACES, grouping=False)


def share(value: object) -> str:
    """A fraction as a percentage: 0.9125 → 91.3%."""
    fraction = to_decimal(value)
    if fraction is None:
        return MISSING
    return f"{number(fraction * 100, SHARE_PLACES)}%"


def percent(value: object) -> str:
    """A value that is already in percent (an internal rate of return of 8.25): 8.3%."""
    return MISSING if to_decimal(value) is None else f"{number(value, SHARE_PLACES)}%"


def tonnes(value: object) -> str:
    """tCO2 or tce: 12,345.68."""
    return number(value, TONNE_PLACES)


def money(value: object) -> str:
    """An amount in 万元: 12,345.68."""
    return number(value, MONEY_PLACES)


def quantity(value: object) -> str:
    """An activity quantity of the calculation trace: 1,234.568."""
    return number(value, QUANTITY_PLACES)


def factor(value: object) -> str:
    """A factor: as published up to 6 significant digits (0.8325), else rounded to 6 (1.91765)."""
    number_ = to_decimal(value)
    if number_ is None:
        return MISSING
    if not number_:
        return "0"
    if len(number_.as_tuple().digits) > FACTOR_DIGITS:
        number_ = number_.normalize()  # 3.0000000000 is 3
    if len(number_.as_tuple().digits) > FACTOR_DIGITS:
        exponent = min(number_.adjusted() - FACTOR_DIGITS + 1, 0)  # never round whole units
        number_ = number_.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    return f"{number_:f}"


def factor_full(value: object) -> str:
    """The factor's every digit when `factor` shortens it, else "" (nothing more to show)."""
    number_ = to_decimal(value)
    if number_ is None or Decimal(factor(number_)) == number_:  # 13.3 is 13.3000000000: all shown
        return ""
    return f"{number_:f}"
