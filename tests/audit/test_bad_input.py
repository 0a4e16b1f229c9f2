"""Bad input at the domain's doors (SPEC.md, "Bad input"; issue 9 items 1, 2, 6, 7, 11).

Each named instance failed on the old main; the Hypothesis tests fuzz every reader of typed
numbers, cells and replies: never a traceback, always a message saying what is accepted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchscout.audit.assessment import OutOfBoundsError, assess
from batchscout.audit.digest import build_facts, clean_prose
from batchscout.audit.inventory import (
    COLUMNS,
    InventoryError,
    WorkflowSpec,
    parse_csv,
    parse_yaml,
    to_csv,
)
from batchscout.audit.latency import Freshness, LatencyClass, Mode, Reader, Trigger
from batchscout.audit.money import cents_str, format_usd
from batchscout.audit.numbers import NumberError, read_number
from batchscout.audit.pricing import PricingError
from batchscout.audit.quiz import NotAnAnswer, ParsedAnswer, WrongKind, parse_answer
from batchscout.audit.quiz_bank import load_bank
from batchscout.audit.registration import Conversation, parse_cost, parse_tokens, parse_volume
from batchscout.audit.savings import Per, workflow_figures
from batchscout.delivery.blocks import digest as digest_blocks

HEADER = ",".join(COLUMNS)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def row(**cells: str) -> str:
    base = {
        "name": "nightly",
        "requests": "50000",
        "per": "day",
        "cost_per_request": "0.01",
        "trigger": "schedule",
        "reader": "report",
        "freshness": "day",
    }
    base.update(cells)
    return ",".join(f'"{base.get(c, "")}"' for c in COLUMNS)


def problems_of(text: str, parse=parse_csv) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InventoryError) as caught:
        parse(text)
    return [str(p) for p in caught.value.problems]


# --- 1. A decimal comma is never read as another number ----------------------------------------


@pytest.mark.parametrize(
    ("column", "typed"), [("cost_per_request", "0,01"), ("requests", "1,5"), ("requests", "12,5")]
)
def test_a_decimal_comma_in_a_cell_is_refused_with_a_hint(column: str, typed: str) -> None:
    found = problems_of(f"{HEADER}\n{row(**{column: typed})}\n")

    assert len(found) == 1
    assert found[0].startswith(f"line 2, column {column}: “{typed}” uses a comma for decimals")
    assert typed.replace(",", ".") in found[0]


@pytest.mark.parametrize(("typed", "value"), [("50,000", "50000"), ("1,250,000.5", "1250000.5")])
def test_a_thousands_comma_is_read(typed: str, value: str) -> None:
    (spec,) = parse_csv(f"{HEADER}\n{row(requests=typed, per='month')}\n")
    assert spec.requests == Decimal(value)


def test_a_decimal_comma_in_yaml_and_in_the_conversation_is_refused() -> None:
    found = problems_of(
        "- {name: a, requests: 10, cost_per_request: '0,01', trigger: schedule, reader: report,"
        " freshness: day}\n",
        parse_yaml,
    )
    assert "uses a comma for decimals" in found[0]
    for parse in (parse_cost, parse_tokens, parse_volume):
        with pytest.raises(NumberError, match="with a dot"):
            parse("0,01")


ANSWERS = {
    "name": "nightly",
    "description": "skip",
    "owner": "me",
    "provider": "other",
    "requests": "5000000000",
    "per": "month",
    "cost_per_request": "$0.01",
}


def asked_up_to(key: str) -> Conversation:
    """A conversation answered with :data:`ANSWERS` until it asks ``key``."""
    conversation = Conversation.start(invoker="U0ME")
    for _ in range(20):
        prompt = conversation.current_step().prompt
        assert prompt is not None
        if prompt.key == key:
            return conversation
        conversation.answer(ANSWERS[prompt.key])
    raise AssertionError(f"{key} was never asked")


def test_typing_a_decimal_comma_in_register_prices_nothing() -> None:
    conversation = asked_up_to("cost_per_request")

    step = conversation.answer("0,01")

    assert step.prompt is not None and step.prompt.key == "cost_per_request"
    assert step.prompt.error is not None and "0.01" in step.prompt.error
    assert "cost_per_request" not in conversation.answers


# --- 2. One huge value never poisons a workspace -----------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"requests": "1E+40"}, "requests"),
        ({"requests": "1E+999999"}, "requests"),
        ({"requests": "NaN"}, "requests"),
        ({"requests": "Infinity"}, "requests"),
        ({"requests": "-0"}, "requests"),
        ({"requests": "2000000000", "per": "hour"}, "requests"),  # 1.44E+12 a month
        ({"cost_per_request": "1000.01"}, "cost_per_request"),
        ({"cost_per_request": "-0"}, "cost_per_request"),
        ({"cost_per_request": "1E-999999"}, "cost_per_request"),
        ({"input_tokens": "10000001", "cost_per_request": ""}, "input_tokens"),
    ],
)
def test_a_number_out_of_bounds_is_a_problem_on_its_line_and_column(
    cells: dict[str, str], column: str
) -> None:
    base = {"provider": "openai", "model": "gpt-4o", "input_tokens": "10", "output_tokens": "10"}
    found = problems_of(f"{HEADER}\n{row(**(base | cells))}\n")

    assert [p.split(":")[0] for p in found] == [f"line 2, column {column}"]


def test_too_many_requests_names_the_period_in_plain_english() -> None:
    base = {"provider": "openai", "model": "gpt-4o", "input_tokens": "10", "output_tokens": "10"}
    found = problems_of(f"{HEADER}\n{row(**(base | {'requests': '2000000000', 'per': 'hour'}))}\n")

    assert found[0].endswith("2000000000 per hour is too many"), found


def test_a_yaml_float_out_of_bounds_is_a_problem() -> None:
    for value in ("1e+40", ".inf", ".nan", "-.0", "true"):
        found = problems_of(
            f"- {{name: a, requests: {value}, cost_per_request: 0.01, trigger: schedule,"
            " reader: report, freshness: day}\n",
            parse_yaml,
        )
        assert [p.split(":")[0] for p in found] == ["line 1, column requests"], value


def test_the_terminal_register_refuses_a_volume_or_price_out_of_bounds() -> None:
    with pytest.raises(ValueError, match="a trillion"):
        parse_volume("999999999999 an hour")
    with pytest.raises(ValueError, match=r"at most \$1,000"):
        parse_cost("$999,999,999,999,999")


def test_a_period_answered_later_is_checked_against_the_volume() -> None:
    conversation = asked_up_to("per")

    step = conversation.answer("hour")

    assert step.prompt is not None and step.prompt.key == "per"
    assert "a trillion" in (step.prompt.error or "")


def test_a_spec_out_of_bounds_is_never_assessed_whatever_path_it_came_by() -> None:
    poisoned = WorkflowSpec(
        name="poison",
        requests=Decimal("1E+999999"),
        per=Per.HOUR,
        trigger=Trigger.SCHEDULE,
        reader=Reader.REPORT,
        freshness=Freshness.DAY,
        cost_per_request=Decimal("0.01"),
    )
    with pytest.raises(OutOfBoundsError) as caught:
        assess(poisoned)
    assert caught.value.column == "requests"


# --- 6. Spreadsheet files get messages people can act on ---------------------------------------


def test_empty_trailing_header_cells_with_nothing_under_them_are_ignored() -> None:
    (spec,) = parse_csv(f"{HEADER},,\n{row()},,\n")
    assert spec.name == "nightly"


def test_a_value_under_an_unnamed_trailing_column_is_a_problem() -> None:
    assert problems_of(f"{HEADER},,\n{row()},,oops\n") == [
        "line 2: has a value under a column with no name in the header"
    ]


@pytest.mark.parametrize(("separator", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_header_with_another_separator_gets_a_hint(separator: str, name: str) -> None:
    text = HEADER.replace(",", separator) + "\n" + row().replace(",", separator) + "\n"
    found = problems_of(text)

    assert len(found) == 1
    assert f"separated by {name}, not commas" in found[0]


# --- 7. Model prose is made inert by escaping, never by deleting -------------------------------


def test_prose_keeps_every_character_and_is_shown_inert() -> None:
    written = (
        "Move nightly_ticket_summary (id wf_42) to *batch* now <!channel> <@U0EVIL> "
        "<https://evil.example|click> #general `code`"
    )
    prose = clean_prose(written)
    assert prose == written

    facts = build_facts([], since=datetime(2026, 11, 10, tzinfo=UTC))
    message = digest_blocks.top_message(facts, prose=prose, source="llm", schedule=None, cost=None)
    (shown,) = [b["text"] for b in message.blocks if "nightly" in str(b)]
    assert shown["type"] == "plain_text"  # never parsed: no mention, link or formatting
    assert "nightly_ticket_summary" in shown["text"] and "wf_42" in shown["text"]
    assert "*batch*" in shown["text"] and "`code`" in shown["text"]
    assert "<!channel>" not in shown["text"] and "&lt;!channel&gt;" in shown["text"]
    assert "<@U0EVIL>" not in shown["text"] and "<https://" not in shown["text"]


# --- 11. No intermediate rounding --------------------------------------------------------------


def test_a_weekly_figure_is_not_a_cent_off() -> None:
    figures = workflow_figures(
        sync_per_request=Decimal("0.02625"),
        batch_per_request=Decimal("0.013125"),
        requests=Decimal(54),
        per=Per.WEEK,
        latency_class=LatencyClass.SCHEDULED,
        mode=Mode.SYNC,
    )
    assert figures.monthly_cost == Decimal("6.075")
    assert format_usd(figures.monthly_cost) == "$6.08"
    assert figures.monthly_savings == Decimal("3.0375")


@given(
    requests=st.integers(min_value=1, max_value=10**6),
    cents=st.integers(min_value=1, max_value=10**6),
    per=st.sampled_from(list(Per)),
)
@settings(max_examples=300, deadline=None)
def test_monthly_figures_round_once(requests: int, cents: int, per: Per) -> None:
    from fractions import Fraction

    price = Decimal(cents) / 100_000
    figures = workflow_figures(
        sync_per_request=price,
        batch_per_request=price / 2,
        requests=Decimal(requests),
        per=per,
        latency_class=LatencyClass.SCHEDULED,
        mode=Mode.SYNC,
    )
    factor = {Per.HOUR: Fraction(720), Per.DAY: Fraction(30), Per.WEEK: Fraction(30, 7)}.get(
        per, Fraction(1)
    )
    exact = Fraction(price) * requests * factor
    cents_exact = exact * 100
    half_up = int(cents_exact + Fraction(1, 2))
    assert cents_str(figures.monthly_cost) == f"{Decimal(half_up) / 100:.2f}"


# --- Fuzzing: every reader of typed numbers, cells and replies ---------------------------------

NUMBERISH = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\A[-+$]?[0-9,._]{0,12}([eE][-+]?[0-9]{1,7})?[kKmMbB%]?\Z"),
    st.sampled_from(["NaN", "-0", "Infinity", "1E+40", "1E+999999", "0,01", "1,5", "sNaN", "٣"]),
)


@given(NUMBERISH)
@FUZZ
def test_read_number_returns_a_bounded_number_or_says_what_is_accepted(text: str) -> None:
    try:
        value = read_number(text, exponent=True)
    except NumberError as error:
        assert "comma" in str(error) or "use a plain number" in str(error)
        return
    assert value.is_finite() and value >= 0 and not value.is_signed()
    assert value == 0 or -20 <= value.adjusted() <= 20


@given(NUMBERISH)
@FUZZ
def test_the_conversation_readers_never_raise_anything_but_a_message(text: str) -> None:
    for parse in (parse_cost, parse_tokens, parse_volume):
        try:
            parse(text)
        except ValueError as error:
            assert str(error)


@given(column=st.sampled_from(COLUMNS), cell=NUMBERISH)
@FUZZ
def test_any_csv_cell_is_stored_within_bounds_or_named_as_a_problem(column: str, cell: str) -> None:
    text = f"{HEADER}\n{row(**{column: cell.replace(chr(34), '')})}\n"
    try:
        specs = parse_csv(text)
    except InventoryError as error:
        assert error.problems and "nothing was stored" in str(error)
        return
    for spec in specs:
        try:
            assess(spec)  # bounds were checked on the way in: never OutOfBoundsError
        except OutOfBoundsError:
            raise
        except PricingError:
            pass  # an unknown model: told at import, with suggestions
    # Export writes back what was read (a quoted line break moves the line a row ends on).
    unlined = [replace(s, line=None) for s in specs]
    assert [replace(s, line=None) for s in parse_csv(to_csv(specs))] == unlined


@given(value=st.one_of(st.floats(), st.integers(), st.text(max_size=20), st.booleans(), st.none()))
@FUZZ
def test_any_yaml_scalar_is_read_within_bounds_or_named_as_a_problem(value: object) -> None:
    item = {
        "name": "a",
        "requests": value,
        "cost_per_request": 0.01,
        "trigger": "schedule",
        "reader": "report",
        "freshness": "day",
    }
    try:
        specs = parse_yaml(yaml.safe_dump([item]))
    except InventoryError as error:
        assert error.problems
        return
    assess(specs[0])


QUIZ = {q.id: q for q in load_bank()}


@given(question=st.sampled_from(sorted(QUIZ)), text=st.one_of(NUMBERISH, st.text(max_size=200)))
@FUZZ
def test_any_quiz_reply_is_an_answer_a_comment_or_a_hint(question: str, text: str) -> None:
    reply = parse_answer(QUIZ[question], text)
    assert isinstance(reply, ParsedAnswer | NotAnAnswer | WrongKind)
    if isinstance(reply, WrongKind):
        assert "This one wants" in reply.hint or reply.hint


@given(st.lists(st.text(max_size=40), min_size=1, max_size=12))
@FUZZ
def test_any_conversation_keeps_asking_until_it_is_answered(answers: list[str]) -> None:
    conversation = Conversation.start(invoker="U0ME")
    for text in answers:
        step = conversation.answer(text)
        if conversation.finished:
            return
        assert step.prompt is not None


# --- Sizes: a 10 MB file is refused or read, never a traceback ---------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"{HEADER}\n" + row(description="d" * 10_000_000) + "\n",  # one 10 MB cell
        f"{HEADER}\n" + (row() + "\n") * 120_000,  # 10 MB of rows with one name
        "x," * 5_000_000,  # 10 MB of header
    ],
    ids=["one-cell", "many-rows", "header"],
)
def test_a_10_mb_file_is_answered_with_problems(text: str) -> None:
    assert len(text) >= 8_000_000
    with pytest.raises(InventoryError) as caught:
        parse_csv(text)
    assert caught.value.problems and len(str(caught.value)) < 2_000_000
