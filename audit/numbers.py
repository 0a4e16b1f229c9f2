"""Numbers as people type them, and the bounds every number must keep (SPEC.md, "Bad input").

One reader for every place a number enters (CSV and YAML cells, the Slack and terminal
conversations, ``rates``, quiz replies): a comma only ever separates thousands (``50,000``,
``1,250,000.5``); ``0,01`` or ``1,5`` is refused with a hint to use a dot, never read as another
number. The bounds keep a stored workflow's figures inside what ``Decimal`` formats exactly.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Final

#: At most a trillion requests a month, once converted from the volume's period.
MAX_MONTHLY_REQUESTS: Final = Decimal(10) ** 12
#: At most ten million tokens per request (input or output, averaged).
MAX_TOKENS: Final = 10_000_000
#: At most $1,000 a request (US dollars, synchronous price).
MAX_COST_PER_REQUEST: Final = Decimal(1000)

#: Longer digit runs are not numbers anyone means (and are never turned into a Decimal).
_MAX_LENGTH: Final = 40
# Digits with thousands commas in threes, or plain digits; dot decimals; an optional exponent
# (spreadsheets write large counts as 1.2E+06).
_NUMBER: Final = re.compile(
    r"^(?P<whole>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<fraction>\d*))?(?:[eE](?P<exponent>[+-]?\d{1,6}))?$"
)
# One comma, no dot, and not three digits after it: ``0,01``, ``1,5``, ``12,5000``.
_DECIMAL_COMMA: Final = re.compile(r"^\$?\d*,(?!\d{3}$)\d+$")
#: Numbers from 10^-20 to 10^20: anything beyond is a typo, and stays exact when multiplied.
_MAX_MAGNITUDE: Final = 20
_GROUPED: Final = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d*)?(?:[eE][+-]?\d+)?$")

ACCEPTED: Final = "a plain number such as 50000, 50,000 or 0.01 (a dot for decimals)"


class NumberError(ValueError):
    """A typed number was refused; the message says why and what is accepted."""


def decimal_comma_hint(text: str) -> str | None:
    """The hint for a decimal comma (``0,01``, ``1,5``), or ``None`` when there is none."""
    cleaned = text.strip()
    if "," not in cleaned or not _DECIMAL_COMMA.match(cleaned):
        return None
    return (
        f"“{cleaned}” uses a comma for decimals: write {cleaned.replace(',', '.')} with a dot "
        "(a comma only separates thousands, as in 50,000)"
    )


def read_number(text: str, *, exponent: bool = False) -> Decimal:
    """Read a non-negative number: ``50000``, ``50,000``, ``1,250,000.5``, ``.5``, ``0.01``.

    With ``exponent`` a spreadsheet's ``1.2E+06`` is read too (its value still has to pass the
    caller's bounds). Signs (``-5``, ``-0``), ``NaN``, ``Infinity`` and decimal commas raise
    :class:`NumberError` whose message names the problem and what is accepted.
    """
    cleaned = text.strip()
    hint = decimal_comma_hint(cleaned)
    if hint is not None:
        raise NumberError(hint)
    if cleaned.startswith(("-", "−")):
        raise NumberError(f"“{_short(cleaned)}” is negative; use {ACCEPTED}")
    if "," in cleaned and not _GROUPED.match(cleaned.removeprefix("+")):
        raise NumberError(
            f"“{_short(cleaned)}” has a comma out of place: a comma only separates thousands, in "
            f"groups of three (50,000 or 1,250,000.5); use a dot for decimals"
        )
    match = _NUMBER.match(cleaned.removeprefix("+")) if len(cleaned) <= _MAX_LENGTH else None
    if match is None or not (match["whole"] or match["fraction"]):
        raise NumberError(f"“{_short(cleaned)}” is not a number; use {ACCEPTED}")
    if match["exponent"] is not None and not exponent:
        raise NumberError(f"“{_short(cleaned)}” is not a number; use {ACCEPTED}")
    try:
        value = Decimal(cleaned.removeprefix("+").replace(",", ""))
    except InvalidOperation as error:  # pragma: no cover - the pattern admits digits only
        raise NumberError(f"“{_short(cleaned)}” is not a number; use {ACCEPTED}") from error
    if value and not -_MAX_MAGNITUDE <= value.adjusted() <= _MAX_MAGNITUDE:
        raise NumberError(f"“{_short(cleaned)}” is far too large or too small; use {ACCEPTED}")
    return value


# Digits in groups of three after a space, a no-break space or a narrow no-break space:
# ``7 500``, ``1 250 000`` (as many Europeans write thousands).
_SPACED_THOUSANDS: Final = re.compile(r"(?<![\d.,])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d,])")


def join_digit_groups(text: str) -> str:
    """``7 500`` → ``7500``: thousands separated by a space (or a no-break space) joined, so
    a number is read whole, never as its first group (7). Other text is left as it is."""
    return _SPACED_THOUSANDS.sub(lambda m: re.sub(r"[ \u00a0\u202f]", "", m.group()), text)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def volume_problem(monthly_requests: Decimal) -> str | None:
    """Why a monthly request count is out of bounds, or ``None`` (more than 0, at most 10^12)."""
    if not monthly_requests.is_finite():
        return "must be a finite number"
    if monthly_requests <= 0:
        return "must be a number greater than 0"
    if monthly_requests > MAX_MONTHLY_REQUESTS:
        return f"is more than {MAX_MONTHLY_REQUESTS:,} requests a month (the most Batchscout takes)"
    return None


def tokens_problem(tokens: Decimal | int) -> str | None:
    """Why a token count is out of bounds, or ``None`` (a whole number, 0 to 10^7 a request)."""
    value = Decimal(tokens)
    if not value.is_finite():
        return "must be a finite number"
    if value < 0:
        return "must be 0 or more tokens"
    if value > MAX_TOKENS:
        return f"is more than {MAX_TOKENS:,} tokens per request"
    if value != value.to_integral_value():
        return "must be a whole number of tokens"
    return None


def cost_problem(cost_per_request: Decimal) -> str | None:
    """Why a cost per request (US dollars) is out of bounds, or ``None`` ($0 to $1,000)."""
    if not cost_per_request.is_finite():
        return "must be a finite number"
    if cost_per_request < 0:
        return "must be $0 or more a request"
    if cost_per_request > MAX_COST_PER_REQUEST:
        return f"is more than ${MAX_COST_PER_REQUEST:,} a request (the most Batchscout takes)"
    return None


SHARE_ACCEPTED: Final = "a share between 0 and 1 such as 0.8, or a percentage such as 80%"


def read_share(text: str) -> Decimal:
    """Read a share of 0 to 1 (``cached_share``): ``0.8``, ``.8``, ``1``, or a percentage
    ``80%`` (read as 0.8). Raises :class:`NumberError` whose message says what is accepted; a
    bare number above 1 such as ``80`` gets the hint to write ``0.8`` or ``80%``, never read as
    a percentage silently.
    """
    cleaned = text.strip()
    percent = cleaned.endswith("%")
    try:
        value = read_number(cleaned.removesuffix("%").strip())
    except NumberError as error:
        if decimal_comma_hint(cleaned.removesuffix("%").strip()) is not None:
            raise
        raise NumberError(f"“{_short(cleaned)}” is not a share; use {SHARE_ACCEPTED}") from error
    if percent:
        value = value / 100
        if value > 1:
            raise NumberError(f"“{_short(cleaned)}” is more than 100%; use {SHARE_ACCEPTED}")
        return value
    if value > 1:
        whole = value == value.to_integral_value() and value <= 100
        hint = f" (for {value.normalize():f}% write {value / 100:f} or {cleaned}%)" if whole else ""
        raise NumberError(f"“{_short(cleaned)}” is more than 1{hint}; use {SHARE_ACCEPTED}")
    return value
