"""Reading the common questions by keywords, and the figure check answers must pass."""

from __future__ import annotations

from decimal import Decimal

import pytest

from batchscout.audit.digest import figure_pools, states_only
from batchscout.audit.questions import IntentKind, find_workflow, looks_like_question, read_intent

NAMES = ["Nightly ticket summaries", "Monthly report", "Sales call notes", "Embeddings"]
MODELS = {"gpt-5-mini", "claude-haiku-4-5"}


def intent(text: str):  # type: ignore[no-untyped-def]
    return read_intent(text, NAMES, known_model=lambda m: m in MODELS)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("how much could we save per month?", IntentKind.SAVINGS),
        ("what are our opportunities?", IntentKind.OPPORTUNITIES),
        ("Which workflows should we move to batch first?", IntentKind.OPPORTUNITIES),
        ("list our workflows", IntentKind.LIST),
        ("what does the bill say about usage?", IntentKind.USAGE),
        ("how did savings trend week over week?", IntentKind.HISTORY),
        ("show Sales call notes", IntentKind.SHOW),
    ],
)
def test_the_common_questions(text: str, kind: IntentKind) -> None:
    found = intent(text)
    assert found is not None and found.kind is kind


def test_owner_prices_and_workflow_names() -> None:
    owner = intent("what does U0DEMO0002 own?")
    assert owner is not None and (owner.kind, owner.owner) == (IntentKind.OWNER, "U0DEMO0002")
    prices = intent("what would gpt-5-mini cost on batch with 2,000 input and 300 output tokens?")
    assert prices is not None and prices.kind is IntentKind.PRICES
    assert (prices.model, prices.input_tokens, prices.output_tokens) == ("gpt-5-mini", 2000, 300)
    verified = intent("is the nightly summary verified?")
    assert verified is not None and (verified.name, verified.usage) == (
        "Nightly ticket summaries",
        True,
    )
    # "per month" is not the "Monthly report": one word of two is not a name.
    assert find_workflow("how much could we save per month?", NAMES) is None
    assert intent("hello") is None and intent("what is the meaning of life?") is None


def test_what_is_a_question() -> None:
    assert looks_like_question("is it verified?")
    assert looks_like_question("Show me the savings")
    assert not looks_like_question("hello")
    assert not looks_like_question("   ")


def test_an_answer_may_state_only_the_figures_given() -> None:
    amounts, percents = figure_pools(
        [Decimal("7500.00"), Decimal("48000")], counts=[12], shares=[Decimal("0.2500")]
    )
    assert states_only(
        "Save $7,500 a month, or $7.5k; 25% of 12 workflows; $48k.", amounts, percents
    )
    assert not states_only("Save $7,600 a month.", amounts, percents)
    assert not states_only("That is 26% of spend.", amounts, percents)
