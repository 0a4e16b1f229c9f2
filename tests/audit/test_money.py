from __future__ import annotations

from decimal import Decimal

import pytest

from batchscout.audit.money import (
    cents_str,
    format_count,
    format_unit_price,
    format_usd,
    parse_amount,
)


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("7500", "$7,500"),
        ("7500.004", "$7,500"),
        ("48000.000", "$48,000"),
        ("250", "$250"),
        ("12.345", "$12.35"),
        ("0.01", "$0.01"),
        ("0.00045", "$0.00045"),
        ("0.0004375", "$0.000437"),
        ("0", "$0.00"),
        ("-3.5", "-$3.50"),
        ("999.995", "$1,000"),
        ("1237.50", "$1,238"),
        ("788.40", "$788"),
        ("1", "$1.00"),
        ("0.5", "$0.50"),
        ("99.994", "$99.99"),
        ("99.995", "$100"),
    ],
)
def test_format_usd(amount: str, shown: str) -> None:
    assert format_usd(Decimal(amount)) == shown


def test_cents_for_machines_round_half_up() -> None:
    assert cents_str(Decimal("7500")) == "7500.00"
    assert cents_str(Decimal("0.005")) == "0.01"
    assert cents_str(Decimal(30) / Decimal(7)) == "4.29"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7500", "7500"),
        ("$7,500", "7500"),
        ("7.5k", "7500"),
        ("$0.01", "0.01"),
        ("12M", "12000000"),
        (" 3 ", "3"),
    ],
)
def test_parse_amount(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "abc", "7,5,x", "$", "1e9", "-5"])
def test_parse_amount_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        parse_amount(text)


def test_format_count() -> None:
    assert format_count(Decimal(50000)) == "50,000"
    assert format_count(12_000_000) == "12,000,000"


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("0.075", "$0.075"),
        ("0.15", "$0.15"),
        ("2.5", "$2.50"),
        ("15", "$15.00"),
        ("0.0105", "$0.0105"),
        ("1250", "$1,250"),
    ],
)
def test_format_unit_price_keeps_every_digit(amount: str, shown: str) -> None:
    assert format_unit_price(Decimal(amount)) == shown


def test_one_precision_for_every_amount_of_a_size() -> None:
    """Whole dollars from $100 up, cents below: a column never mixes `$1` with `$0.50`, nor
    `$56,563` with `$428.57`."""
    small = [format_usd(Decimal(v)) for v in ("1", "0.5", "12", "99.99")]
    large = [format_usd(Decimal(v)) for v in ("100", "428.57", "2475", "56563.2")]
    assert all(s.split(".")[1].isdigit() and len(s.split(".")[1]) == 2 for s in small), small
    assert not any("." in s for s in large), large
