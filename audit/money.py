"""Money: parsing and the one formatter. Amounts are ``Decimal`` and rounded only when shown."""

from __future__ import annotations

import re
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    InvalidOperation,
    localcontext,
)

from batchscout.audit.numbers import read_number

CENT = Decimal("0.01")
_SUFFIXES = {"k": Decimal(1_000), "m": Decimal(1_000_000), "b": Decimal(1_000_000_000)}
_NUMBER = re.compile(r"^\$?\s*([0-9][0-9,_]*(?:\.[0-9]*)?|\.[0-9]+)\s*([kmb])?$", re.IGNORECASE)


def parse_amount(text: str) -> Decimal:
    """Parse a user-typed amount: ``7500``, ``$7,500``, ``7.5k``, ``$0.01``, ``12M``.

    A comma only separates thousands (:func:`batchscout.audit.numbers.read_number`). Raises
    ``ValueError`` with a friendly message when the text is not an amount; a decimal comma
    (``0,01``) raises :class:`~batchscout.audit.numbers.NumberError` with a hint to use a dot.
    """
    cleaned = text.strip().replace("\u00a0", " ")
    match = _NUMBER.match(cleaned)
    if not match:
        raise ValueError(f"“{text.strip()}” is not a number (try 7500, $7,500 or 7.5k)")
    digits, suffix = match.groups()
    value = read_number(digits.replace("_", ""))
    if suffix:
        value *= _SUFFIXES[suffix.lower()]
    return value


#: Digits before the point from which a figure is shown in scientific notation: no real
#: workflow gets near it, but a row stored before the bounds existed must still be shown,
#: never turned into a decimal.InvalidOperation on every read of its workspace.
HUGE_DIGITS = 40


def _huge(amount: Decimal) -> bool:
    return not amount.is_finite() or amount.adjusted() >= HUGE_DIGITS


def _scientific(amount: Decimal) -> str:
    return f"{amount:.3E}" if amount.is_finite() else "NaN"


#: Rounding half up with room for any number of digits: quantizing in it is exact, and the
#: same as widening the current context to the amount's digits, without a context switch
#: per amount (a ``savings --json`` of 100,000 workflows rounds 600,000 of them).
_EXACT = Context(prec=MAX_PREC, rounding=ROUND_HALF_UP, Emax=MAX_EMAX, Emin=MIN_EMIN)


def _round(amount: Decimal, unit: Decimal) -> Decimal:
    """``amount`` rounded half up to ``unit``, exact however many digits it has."""
    if amount.is_finite():
        return amount.quantize(unit, context=_EXACT)
    with localcontext() as context:
        if amount.is_finite() and amount:
            context.prec = max(context.prec, amount.adjusted() + 4)
        return amount.quantize(unit, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> Decimal:
    """Round half-up to the cent: the rounding used whenever money is shown."""
    return _round(amount, CENT)


#: Rounding half up to the cent, with room for the digits of any amount under 10^HUGE_DIGITS
#: and no more: quantizing a larger one (or an infinity) signals, and is shown scientific.
_CENTS = Context(
    prec=HUGE_DIGITS + 2, rounding=ROUND_HALF_UP, Emax=MAX_EMAX, Emin=MIN_EMIN,
    traps=[InvalidOperation],
)  # fmt: skip


def cents_str(amount: Decimal) -> str:
    """Money for machines: two decimals, no separators (``"7500.00"``); an amount of 10^40
    or more (never a real one) in scientific notation (``"1.000E+40"``)."""
    try:
        # Quantized to the cent, str() is plain notation with two decimals ("-0.00" too).
        text = str(amount.quantize(CENT, context=_CENTS))
    except InvalidOperation:  # 10^40 or more, or infinite: no real amount
        return _scientific(amount)
    return text if amount.is_finite() else _scientific(amount)


#: The one rule for people: from this amount up, whole dollars; below it, always cents.
WHOLE_DOLLARS_FROM = Decimal(100)


def format_usd(amount: Decimal) -> str:
    """Money for people, by one rule everywhere: ``$7,500``, ``$1,238``, ``$250``, ``$12.50``,
    ``$1.00``, ``$0.50``, ``$0.00``, ``$0.0045``.

    Amounts of $100 and more are whole dollars (rounded half up: $1,237.50 is ``$1,238``);
    amounts under $100 always show cents, zero included, so ``$0.00`` and ``$20.70`` line up;
    amounts under a cent (per-request prices) keep three significant digits.
    """
    if _huge(abs(amount)):
        return f"${_scientific(amount)}"
    sign = "-" if amount < 0 else ""
    value = amount.copy_abs()  # abs() would round to the context
    if value == 0:
        return "$0.00"
    if value < CENT:
        shown = f"{value.normalize():f}"
        significant = re.match(r"0\.(0*)(\d{1,3})", shown)
        if significant:
            shown = "0." + significant.group(1) + significant.group(2)
        return f"{sign}${shown}"
    rounded = to_cents(value)
    if rounded >= WHOLE_DOLLARS_FROM:
        return f"{sign}${_round(value, Decimal(1)):,}"
    return f"{sign}${rounded:,.2f}"


def format_monthly(amount: Decimal) -> str:
    """Money per month for people, the one way every surface writes it: ``$20.70/month``,
    ``$7,500/month`` (:func:`format_usd`, then ``/month``; a month is 30 days)."""
    return f"{format_usd(amount)}/month"


_SHORT_SCALES = ((Decimal(10) ** 12, "T"), (Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"))


def format_usd_short(amount: Decimal) -> str:
    """Money where columns are narrow: :func:`format_usd` below $1M, else three significant
    figures and a scale (``$1.24M``, ``$999B``, ``$1,000T``). Same rounding, half up."""
    value = abs(amount)
    for scale, suffix in _SHORT_SCALES:
        if value >= scale:
            scaled = value / scale
            places = 2 if scaled < 10 else 1 if scaled < 100 else 0
            shown = f"{scaled.quantize(Decimal(10) ** -places, rounding=ROUND_HALF_UP):,}"
            return f"{'-' if amount < 0 else ''}${shown}{suffix}"
    return format_usd(amount)


def format_unit_price(amount: Decimal) -> str:
    """A unit price for people, never rounded away: ``$0.075``, ``$2.50``, ``$0.0105``,
    ``$15.00`` (at least cents, like :func:`format_usd` below $100)."""
    value = Decimal(amount).normalize()
    sign, _digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return format_usd(value)
    if exponent > -2:
        value = value.quantize(CENT)
    shown = f"{abs(value):,f}"
    return f"{'-' if sign else ''}${shown}"


def format_count(count: Decimal | int) -> str:
    """A request count for people: ``50,000``, ``12,000,000``, ``1,234.5``."""
    value = Decimal(count)
    if _huge(value.copy_abs()):
        return _scientific(value)
    with localcontext() as context:  # every digit of a count, however long
        context.prec = max(context.prec, value.adjusted() + 30)
        if value == value.to_integral_value():
            return f"{value.quantize(Decimal(1)):,}"
        return f"{value.normalize():,f}"
