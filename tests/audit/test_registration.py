"""The registration conversation as scenarios: what a person types, what Batchscout asks next.

A script is a list of (question asked, answer typed). :func:`talk` checks each question is the
one the script expects before answering it, so a script reads as the conversation itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest

from batchscout.audit.inventory import WorkflowSpec
from batchscout.audit.latency import Freshness, LatencyClass, Mode, Reader, Trigger
from batchscout.audit.pricing import ModelRate, PriceBook, Provider
from batchscout.audit.registration import (
    COST_CHOICE,
    STATE_VERSION,
    Conversation,
    ConversationFinished,
    Option,
    PromptKind,
    StateError,
    Step,
    StepKind,
    Surface,
    match_option,
    match_words,
    parse_cost,
    parse_owner,
    parse_tokens,
    parse_volume,
    summary_lines,
)
from batchscout.audit.savings import Bucket, Per

ME = "U0ME0001"
Script = list[tuple[str, str]]


def resume(conversation: Conversation) -> Conversation:
    """What a restart does: the state goes through JSON and comes back."""
    stored = json.dumps(conversation.to_dict())
    return Conversation.from_dict(
        json.loads(stored), book=conversation.book, name_taken=conversation.name_taken
    )


def talk(
    script: Script, conversation: Conversation | None = None, *, restart: bool = False
) -> tuple[Conversation, list[Step]]:
    """Answer each question in turn, checking it is the question the script expects."""
    conversation = conversation or Conversation.start(invoker=ME)
    step = conversation.current_step()
    steps: list[Step] = []
    for key, text in script:
        assert step.prompt is not None, f"expected to be asked {key!r}, got {step.kind}"
        assert step.prompt.key == key, f"expected {key!r}, was asked {step.prompt.key!r}"
        if restart:
            conversation = resume(conversation)
        step = conversation.answer(text)
        steps.append(step)
    return conversation, steps


def until(script: Script, key: str) -> Script:
    """The script's answers before ``key`` is asked."""
    return script[: [k for k, _ in script].index(key)]


# --- Scenarios -----------------------------------------------------------------------------

NIGHTLY_BY_NUMBERS: Script = [
    ("name", "Nightly ticket summaries"),
    ("description", "skip"),
    ("owner", ""),  # keeps the default: whoever is registering
    ("provider", "5"),  # other → no model, a cost per request instead
    ("requests", "50000"),
    ("per", "2"),
    ("cost_per_request", "0.01"),
    ("trigger", "3"),
    ("reader", "3"),
    ("freshness", "4"),
    ("mode", "1"),
    ("usage_project", "skip"),
    ("summary", "1"),
]
TRIAGE_BY_LABELS: Script = [
    ("name", "Support ticket triage"),
    ("description", "Tags incoming tickets and routes them to a queue."),
    ("owner", "me"),
    ("provider", "OpenAI"),
    ("model", "gpt-4o-mini"),
    ("requests", "12M/month"),
    ("input_tokens", "2k"),
    ("output_tokens", "500 tokens"),
    ("trigger", "A webhook, message or call"),
    ("reader", "Read later (notification, email, queue)"),
    ("freshness", "Within minutes"),
    ("mode", "The synchronous API"),
    ("cached_share", ""),
    ("usage_project", ""),
    ("summary", "Save"),
]
DIGEST_TYPED_VARIANTS: Script = [
    ("name", "Weekly account digest"),
    ("description", ""),  # empty on an optional question: left out
    ("owner", "<@U0123ABC|alice>"),
    ("provider", "anthropic"),
    ("model", "cost per request instead"),
    ("requests", "50,000 per day"),  # the period came with the number: not asked
    ("cost_per_request", "$0.01"),
    ("trigger", "schedule"),
    ("reader", "report"),
    ("freshness", "within the day"),
    ("mode", "batch"),
    ("usage_project", "skip"),
    ("summary", "save"),
]
AGENT_ASSIST: Script = [
    ("name", "Agent assist"),
    ("description", "Suggests replies while an agent types."),
    ("owner", "u0other1"),
    ("provider", "2"),
    ("model", "claude-3-5-haiku-latest"),
    ("requests", "300"),
    ("per", "per hour"),
    ("input_tokens", "2,000 tokens"),
    ("output_tokens", "0.5k"),
    ("trigger", "user"),
    ("reader", "on screen"),
    ("freshness", "seconds"),
    ("mode", "sync"),
    ("cached_share", "60%"),
    ("usage_project", "skip"),
    ("summary", "save"),
]


@dataclass(frozen=True)
class Expected:
    spec: WorkflowSpec
    latency_class: LatencyClass
    disguised: bool = False
    monthly_cost: Decimal | None = None
    monthly_savings: Decimal | None = None
    bucket: Bucket | None = None


NIGHTLY_SPEC = WorkflowSpec(
    name="Nightly ticket summaries",
    requests=Decimal(50000),
    per=Per.DAY,
    trigger=Trigger.SCHEDULE,
    reader=Reader.REPORT,
    freshness=Freshness.DAY,
    owner=ME,
    provider=Provider.OTHER,
    cost_per_request=Decimal("0.01"),
)
SCENARIOS: dict[str, tuple[Script, Expected]] = {
    "by option numbers": (
        NIGHTLY_BY_NUMBERS,
        Expected(
            NIGHTLY_SPEC,
            LatencyClass.SCHEDULED,
            monthly_cost=Decimal(15000),
            monthly_savings=Decimal(7500),
            bucket=Bucket.MIGRATE_NOW,
        ),
    ),
    "by typed labels": (
        TRIAGE_BY_LABELS,
        Expected(
            WorkflowSpec(
                name="Support ticket triage",
                description="Tags incoming tickets and routes them to a queue.",
                owner=ME,
                provider=Provider.OPENAI,
                model="gpt-4o-mini",
                requests=Decimal(12_000_000),
                per=Per.MONTH,
                input_tokens=2000,
                output_tokens=500,
                trigger=Trigger.EVENT,
                reader=Reader.LATER,
                freshness=Freshness.MINUTES,
            ),
            LatencyClass.NEAR_REAL_TIME,
            disguised=True,
            bucket=Bucket.TO_CHALLENGE,
        ),
    ),
    "typed variants, cost instead of a model, already on batch": (
        DIGEST_TYPED_VARIANTS,
        Expected(
            WorkflowSpec(
                name="Weekly account digest",
                owner="U0123ABC",
                provider=Provider.ANTHROPIC,
                requests=Decimal(50000),
                per=Per.DAY,
                cost_per_request=Decimal("0.01"),
                trigger=Trigger.SCHEDULE,
                reader=Reader.REPORT,
                freshness=Freshness.DAY,
                mode=Mode.BATCH,
            ),
            LatencyClass.SCHEDULED,
            monthly_cost=Decimal(7500),
            monthly_savings=Decimal(7500),
            bucket=Bucket.REALISED,
        ),
    ),
    "a number, then its period; real-time": (
        AGENT_ASSIST,
        Expected(
            WorkflowSpec(
                name="Agent assist",
                description="Suggests replies while an agent types.",
                owner="U0OTHER1",
                provider=Provider.ANTHROPIC,
                model="claude-3-5-haiku-latest",
                requests=Decimal(300),
                per=Per.HOUR,
                input_tokens=2000,
                output_tokens=500,
                trigger=Trigger.USER,
                reader=Reader.ON_SCREEN,
                freshness=Freshness.SECONDS,
                cached_share=Decimal("0.6"),
            ),
            LatencyClass.REAL_TIME,
            monthly_savings=Decimal(0),
            bucket=Bucket.NONE,
        ),
    ),
}
SCRIPTS = {title: script for title, (script, _) in SCENARIOS.items()}


@pytest.mark.parametrize(("script", "expected"), SCENARIOS.values(), ids=SCENARIOS.keys())
def test_a_whole_conversation_ends_with_the_spec_to_store(
    script: Script, expected: Expected
) -> None:
    conversation, steps = talk(script)

    summary, saved = steps[-2], steps[-1]
    assert [s.kind for s in steps[:-2]] == [StepKind.ASKED] * (len(steps) - 2)
    assert summary.kind is StepKind.SUMMARY and summary.prompt is not None
    assert summary.prompt.kind is PromptKind.CONFIRM
    assert [o.value for o in summary.prompt.options][:3] == ["save", "edit", "cancel"]
    assert all(o.value.startswith("change:") for o in summary.prompt.options[3:])
    assert saved.kind is StepKind.SAVED and saved.prompt is None
    assert saved.spec == expected.spec
    assert conversation.finished
    assessment = saved.assessment
    assert assessment is not None and assessment == summary.assessment
    assert assessment.classification.latency_class is expected.latency_class
    assert assessment.classification.batch_disguised_as_stream is expected.disguised
    assert assessment.figures.bucket is expected.bucket
    if expected.monthly_cost is not None:
        assert assessment.figures.monthly_cost == expected.monthly_cost
    if expected.monthly_savings is not None:
        assert assessment.figures.monthly_savings == expected.monthly_savings


def test_the_summary_card_says_class_rationale_money_and_advice() -> None:
    _, steps = talk(NIGHTLY_BY_NUMBERS[:-1])
    assert steps[-1].assessment is not None

    card = dict(summary_lines(steps[-1].assessment))

    assert card["Workflow"] == "Nightly ticket summaries"
    assert card["Class"] == "scheduled"
    assert card["Why"].startswith("Scheduled: it runs on a schedule")
    assert "15 min–2 h" in card["Note"]
    assert card["Volume"] == "50,000 per day (1,500,000 a month)"
    assert card["Priced as"] == "$0.01 per request, as given"
    assert card["Per request"] == (
        "$0.01 sync · $0.005 batch (batch price assumed at 50% of the synchronous price)"
    )
    assert card["Costs"] == "$15,000/month on the synchronous API"
    assert card["Saves"] == "$7,500/month"
    assert card["Advice"].startswith("Migrate to the provider batch API now")


def test_the_summary_card_flags_batch_disguised_as_stream() -> None:
    _, steps = talk(TRIAGE_BY_LABELS[:-1])
    assert steps[-1].assessment is not None

    card = dict(summary_lines(steps[-1].assessment))

    assert card["Class"] == "near-real-time · batch disguised as stream"
    assert card["Priced as"] == "OpenAI · gpt-4o-mini (2,000 in, 500 out tokens)"


# --- Typed variants --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "count", "per"),
    [
        ("50k/day", "50000", Per.DAY),
        ("50,000 per day", "50000", Per.DAY),
        ("12M/month", "12000000", Per.MONTH),
        ("300 an hour", "300", Per.HOUR),
        ("50000", "50000", None),
        ("50k requests/day", "50000", Per.DAY),
        ("50,000 tickets nightly", "50000", Per.DAY),
        ("1.5k a week", "1500", Per.WEEK),
        ("5 mo", "5", Per.MONTH),
        ("5m", "5000000", None),
    ],
)
def test_parse_volume(typed: str, count: str, per: Per | None) -> None:
    assert parse_volume(typed) == (Decimal(count), per)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "not a request volume"),
        ("lots", "not a request volume"),
        ("per day", "not a request volume"),
        ("50k per", "not a request volume"),
        ("$50/day", "not a request volume"),
        ("-5/day", "not a request volume"),
        ("50k/fortnight", "not a period"),
        ("0/day", "more than 0"),
    ],
)
def test_parse_volume_rejects(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_volume(typed)


@pytest.mark.parametrize(
    ("typed", "tokens"),
    [("2,000 tokens", 2000), ("2k", 2000), ("500", 500), ("0", 0), ("10M", 10_000_000)],
)
def test_parse_tokens(typed: str, tokens: int) -> None:
    assert parse_tokens(typed) == tokens


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2.5", "whole numbers"),
        ("10,000,001", "10,000,000"),
        ("$5", "not a token count"),
        ("-1", "not a token count"),
        ("lots", "not a token count"),
    ],
)
def test_parse_tokens_rejects(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_tokens(typed)


@pytest.mark.parametrize(
    ("typed", "cost"),
    [("$0.01", "0.01"), ("0.0045", "0.0045"), ("$0.01 per request", "0.01"), ("0", "0")],
)
def test_parse_cost(typed: str, cost: str) -> None:
    assert parse_cost(typed) == Decimal(cost)


@pytest.mark.parametrize("typed", ["free", "-1", "€5", ""])
def test_parse_cost_rejects(typed: str) -> None:
    with pytest.raises(ValueError, match="not a dollar amount"):
        parse_cost(typed)


@pytest.mark.parametrize(
    ("typed", "owner"),
    [
        ("me", ME),
        ("Me.", ME),
        ("U0123ABC", "U0123ABC"),
        ("u0123abc", "U0123ABC"),
        ("<@U123>", "U123"),
        ("<@U0123ABC|alice>", "U0123ABC"),
        ("@U0123ABC", "U0123ABC"),
    ],
)
def test_parse_owner(typed: str, owner: str) -> None:
    assert parse_owner(typed, ME) == owner


@pytest.mark.parametrize(
    ("typed", "invoker", "message"),
    [
        ("bob", ME, "not someone in Slack"),
        ("<@bob>", ME, "not someone in Slack"),
        ("C0123ABC", ME, "not someone in Slack"),
        ("me", None, "I can't tell who you are here"),
    ],
)
def test_parse_owner_rejects(typed: str, invoker: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_owner(typed, invoker)


TRIGGERS = [Option("user", "a person asks"), Option("schedule", "a schedule (cron)")]


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("2", "schedule"),
        ("2.", "schedule"),
        ("schedule", "schedule"),
        ("SCHEDULE", "schedule"),
        ("a schedule (cron)", "schedule"),
        ("A Schedule, cron!", "schedule"),
        ("3", None),
        ("0", None),
        ("sched", None),
    ],
)
def test_a_choice_is_its_value_label_or_number(typed: str, value: str | None) -> None:
    option = match_option(TRIGGERS, typed)
    assert (option.value if option else None) == value


# --- Navigation: back, skip, cancel, help ------------------------------------------------


BACK_CASES = [
    pytest.param(title, index, id=f"{title}: back at {script[index][0]}")
    for title, script in SCRIPTS.items()
    for index in range(1, len(script))
]


@pytest.mark.parametrize(("title", "index"), BACK_CASES)
def test_back_returns_to_the_previous_question_at_every_step(title: str, index: int) -> None:
    script, expected = SCENARIOS[title]
    conversation, _ = talk(script[:index])

    step = conversation.answer("back")

    assert step.kind is StepKind.ASKED and step.prompt is not None
    assert step.prompt.key == script[index - 1][0]
    _, steps = talk(script[index - 1 :], conversation)  # answering again carries on as before
    assert steps[-1].spec == expected.spec


def test_back_at_the_first_question_explains() -> None:
    step = Conversation.start(invoker=ME).answer("back")
    assert step.kind is StepKind.INVALID and step.prompt is not None
    assert step.prompt.key == "name"
    assert step.prompt.error is not None and "first question" in step.prompt.error


def test_back_skips_questions_that_were_answered_for_you() -> None:
    # "50,000 per day" gave the period, so back from the cost goes to the volume.
    conversation, _ = talk(until(DIGEST_TYPED_VARIANTS, "trigger"))
    assert conversation.answer("back").prompt.key == "cost_per_request"  # type: ignore[union-attr]
    assert conversation.answer("back").prompt.key == "requests"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("key", "kind", "asked_next"),
    [
        ("description", StepKind.ASKED, "owner"),
        ("owner", StepKind.ASKED, "provider"),
        ("name", StepKind.INVALID, "name"),
        ("provider", StepKind.INVALID, "provider"),
        ("requests", StepKind.INVALID, "requests"),
        ("per", StepKind.INVALID, "per"),
        ("cost_per_request", StepKind.INVALID, "cost_per_request"),
        ("freshness", StepKind.INVALID, "freshness"),
        ("summary", StepKind.INVALID, "summary"),
    ],
)
def test_skip_works_on_optional_questions_only(key: str, kind: StepKind, asked_next: str) -> None:
    conversation, _ = talk(until(NIGHTLY_BY_NUMBERS, key))

    step = conversation.answer("skip")

    assert step.kind is kind and step.prompt is not None
    assert step.prompt.key == asked_next
    if kind is StepKind.INVALID:
        assert step.prompt.error is not None and "can't be skipped" in step.prompt.error


def test_skipping_the_owner_leaves_it_empty() -> None:
    script = [(k, "skip" if k == "owner" else a) for k, a in NIGHTLY_BY_NUMBERS]
    _, steps = talk(script)
    assert steps[-1].spec == replace(NIGHTLY_SPEC, owner=None)


@pytest.mark.parametrize(
    "index", range(len(NIGHTLY_BY_NUMBERS)), ids=[k for k, _ in NIGHTLY_BY_NUMBERS]
)
def test_cancel_works_at_every_step(index: int) -> None:
    conversation, _ = talk(NIGHTLY_BY_NUMBERS[:index])

    step = conversation.answer("Cancel")

    assert step.kind is StepKind.CANCELLED and step.spec is None
    assert step.message == "Cancelled. Nothing was saved."
    assert conversation.finished and resume(conversation).finished
    with pytest.raises(ConversationFinished):
        conversation.answer("1")


def test_the_cancel_option_at_the_summary_cancels() -> None:
    conversation, steps = talk([*NIGHTLY_BY_NUMBERS[:-1], ("summary", "3")])
    assert steps[-1].kind is StepKind.CANCELLED and conversation.finished


@pytest.mark.parametrize(
    ("key", "says"),
    [("provider", "Pick `other`"), ("requests", "50k/day"), ("summary", "Save stores")],
)
def test_help_explains_and_asks_again(key: str, says: str) -> None:
    conversation, _ = talk(until(NIGHTLY_BY_NUMBERS, key))

    step = conversation.answer("help")

    assert step.prompt is not None and step.prompt.key == key and step.prompt.error is None
    assert step.message is not None and says in step.message


# --- Wrong answers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "key", "typed", "says"),
    [
        (NIGHTLY_BY_NUMBERS, "name", "", "needs an answer"),
        (NIGHTLY_BY_NUMBERS, "name", "keep", "no current answer"),
        (NIGHTLY_BY_NUMBERS, "name", "x" * 81, "at most 80 characters"),
        (NIGHTLY_BY_NUMBERS, "description", "d" * 501, "at most 500 characters"),
        (NIGHTLY_BY_NUMBERS, "owner", "bob", "not someone in Slack"),
        (NIGHTLY_BY_NUMBERS, "provider", "azure", "not one of the choices"),
        (NIGHTLY_BY_NUMBERS, "provider", "6", "a number from 1 to 5"),
        (NIGHTLY_BY_NUMBERS, "requests", "lots", "not a request volume"),
        (NIGHTLY_BY_NUMBERS, "requests", "0/day", "more than 0"),
        (NIGHTLY_BY_NUMBERS, "requests", "50k/fortnight", "not a period"),
        (NIGHTLY_BY_NUMBERS, "per", "yearly", "not one of the choices"),
        (NIGHTLY_BY_NUMBERS, "cost_per_request", "free", "not a dollar amount"),
        (NIGHTLY_BY_NUMBERS, "cost_per_request", "-1", "not a dollar amount"),
        (TRIAGE_BY_LABELS, "input_tokens", "2.5", "whole numbers"),
        (TRIAGE_BY_LABELS, "input_tokens", "20M", "10,000,000"),
        (TRIAGE_BY_LABELS, "output_tokens", "$5", "not a token count"),
        (NIGHTLY_BY_NUMBERS, "trigger", "0", "a number from 1 to 3"),
        (NIGHTLY_BY_NUMBERS, "freshness", "asap", "not one of the choices"),
        (NIGHTLY_BY_NUMBERS, "summary", "maybe", "not one of the choices"),
    ],
)
def test_a_wrong_answer_is_explained_and_the_question_asked_again(
    script: Script, key: str, typed: str, says: str
) -> None:
    conversation, _ = talk(until(script, key))

    step = conversation.answer(typed)

    assert step.kind is StepKind.INVALID and step.prompt is not None
    assert step.prompt.key == key
    assert step.prompt.error is not None and says in step.prompt.error
    assert resume(conversation).prompt() == step.prompt  # the explanation survives a restart
    rest = script[[k for k, _ in script].index(key) :]
    _, steps = talk(rest, conversation)  # the right answer is then taken as usual
    assert steps[0].prompt is None or steps[0].prompt.error is None
    assert steps[-1].kind is StepKind.SAVED


# --- Models ----------------------------------------------------------------------------------


def test_an_unknown_model_gets_close_matches_and_is_never_taken_silently() -> None:
    conversation, _ = talk(until(TRIAGE_BY_LABELS, "model"))

    step = conversation.answer("gpt4o")

    assert step.kind is StepKind.INVALID and step.prompt is not None
    assert step.prompt.kind is PromptKind.MODEL
    assert step.prompt.error is not None
    assert step.prompt.error.startswith("The price catalog has no OpenAI model “gpt4o”.")
    values = [o.value for o in step.prompt.options]
    assert values[0] == "gpt-4o" and values[-1] == COST_CHOICE
    step = resume(conversation).answer("1")  # the suggestions survive a restart too
    assert step.prompt is not None and step.prompt.key == "requests"


def test_a_model_with_no_close_match_suggests_a_cost_per_request() -> None:
    conversation, _ = talk(until(TRIAGE_BY_LABELS, "model"))

    step = conversation.answer("zzqqxx")

    assert step.prompt is not None and step.prompt.error is not None
    assert "give a cost per request instead" in step.prompt.error
    assert [o.value for o in step.prompt.options] == [COST_CHOICE]


def test_a_catalog_alias_is_accepted_and_named() -> None:
    script = [(k, "gpt-4o-2024-08-06" if k == "model" else a) for k, a in TRIAGE_BY_LABELS]
    _, steps = talk(script)

    model_step = steps[[k for k, _ in script].index("model")]
    assert model_step.message == "“gpt-4o-2024-08-06” is priced as the catalog's gpt-4o."
    summary = steps[-2]
    assert summary.assessment is not None
    assert dict(summary_lines(summary.assessment))["Priced as"] == (
        "OpenAI · gpt-4o, typed as gpt-4o-2024-08-06 (2,000 in, 500 out tokens)"
    )
    assert steps[-1].spec is not None and steps[-1].spec.model == "gpt-4o-2024-08-06"


def test_a_negotiated_model_the_catalog_does_not_know_is_accepted() -> None:
    book = PriceBook(rates={(Provider.OPENAI, "acme-tuned"): ModelRate(Decimal(4), Decimal(16))})
    script = [(k, "acme-tuned" if k == "model" else a) for k, a in TRIAGE_BY_LABELS]

    _, steps = talk(script, Conversation.start(invoker=ME, book=book))

    assert steps[-1].assessment is not None
    assert steps[-1].assessment.quote.sync_per_request == Decimal("0.016")


def test_the_model_question_offers_a_catalog_search() -> None:
    conversation, _ = talk(until(AGENT_ASSIST, "model"))
    found = conversation.model_search("haiku")
    assert found and all("haiku" in m for m in found[:3])


def test_provider_other_asks_for_a_cost_and_no_model() -> None:
    conversation, _ = talk(until(NIGHTLY_BY_NUMBERS, "provider"))
    keys = [k for k, _ in NIGHTLY_BY_NUMBERS]
    assert "model" not in keys and "input_tokens" not in keys
    assert conversation.model_search("gpt") == []


# --- Editing ---------------------------------------------------------------------------------

EXISTING = WorkflowSpec(
    name="Support ticket triage",
    description="Tags incoming tickets.",
    owner="U0OWNER1",
    provider=Provider.OPENAI,
    model="gpt-4o-mini",
    requests=Decimal(12_000_000),
    per=Per.MONTH,
    input_tokens=2000,
    output_tokens=500,
    trigger=Trigger.EVENT,
    reader=Reader.LATER,
    freshness=Freshness.MINUTES,
    usage_project="proj_triage01",
    usage_api_key="key_triage01",
    cached_share=Decimal("0.25"),
    line=7,
)
EXISTING_DEFAULTS = {
    "name": "Support ticket triage",
    "description": "Tags incoming tickets.",
    "owner": "U0OWNER1",
    "provider": "OpenAI",
    "model": "gpt-4o-mini",
    "requests": "12,000,000 per month",  # kept with its period, so the period is not asked
    "input_tokens": "2,000",
    "output_tokens": "500",
    "trigger": "a webhook, message or call",
    "reader": "read later (notification, email, queue)",
    "freshness": "within minutes",
    "mode": "the synchronous API",
    "cached_share": "25% of the input",
    "usage_project": "project proj_triage01 · API key key_triage01",
}


def test_editing_opens_the_summary_with_every_answer_to_change() -> None:
    """Changing one answer used to take ten `keep`s: an edit now opens at the summary, which
    offers "change this answer" for each question, and saving at once changes nothing."""
    conversation = Conversation.start(invoker=ME, existing=EXISTING)

    first = conversation.current_step()

    assert first.kind is StepKind.SUMMARY and first.prompt is not None
    changes = {
        o.value.removeprefix("change:"): o.label
        for o in first.prompt.options
        if o.value.startswith("change:")
    }
    assert list(changes) == list(EXISTING_DEFAULTS)
    for key, value in EXISTING_DEFAULTS.items():
        assert value[:30] in changes[key]
    _, steps = talk([("summary", "save")], conversation)
    assert steps[-1].spec == replace(EXISTING, line=None)


def test_changing_one_answer_of_an_edit_takes_two_answers() -> None:
    conversation = Conversation.start(invoker=ME, existing=EXISTING)

    _, steps = talk(
        [("summary", "change volume"), ("requests", "1M/month"), ("summary", "save")],
        conversation,
    )

    assert steps[0].prompt is not None and steps[0].prompt.default == "12,000,000 per month"
    assert steps[-1].spec is not None and steps[-1].spec.requests == Decimal(1_000_000)
    assert steps[-1].spec.name == EXISTING.name


def test_cancelling_an_edit_says_nothing_changed() -> None:
    conversation = Conversation.start(invoker=ME, existing=EXISTING)

    step = conversation.answer("cancel")

    assert step.message == "Cancelled. Nothing was changed: “Support ticket triage” is as it was."


def test_editing_one_answer_from_the_summary_comes_back_to_the_summary() -> None:
    conversation, _ = talk(NIGHTLY_BY_NUMBERS[:-1])

    _, steps = talk(
        [("summary", "Edit"), ("edit", "volume"), ("requests", "100k/day"), ("summary", "save")],
        conversation,
    )

    assert steps[1].prompt is not None and steps[1].prompt.default == "50,000 per day"
    assert steps[2].kind is StepKind.SUMMARY
    assert steps[-1].assessment is not None
    assert steps[-1].assessment.figures.monthly_savings == Decimal(15000)


def test_changing_the_provider_asks_for_what_it_now_needs() -> None:
    conversation, _ = talk(NIGHTLY_BY_NUMBERS[:-1])

    _, steps = talk(
        [
            ("summary", "2"),
            ("edit", "provider"),
            ("provider", "openai"),
            ("model", "gpt-4o-mini"),
            ("input_tokens", "1000"),
            ("output_tokens", "200"),
            ("cached_share", "skip"),  # priced from a model now: the cache question applies
            ("summary", "save"),
        ],
        conversation,
    )

    assert steps[2].prompt is not None and steps[2].prompt.default is None  # no stale model
    spec = steps[-1].spec
    assert spec is not None and spec.model == "gpt-4o-mini" and spec.cost_per_request is None


def test_edit_start_walks_every_question_again_with_the_answers_kept() -> None:
    conversation, _ = talk(NIGHTLY_BY_NUMBERS[:-1])
    asked = [k for k, _ in NIGHTLY_BY_NUMBERS if k not in ("summary", "per")]

    _, steps = talk(
        [("summary", "edit"), ("edit", "start"), *[(k, "") for k in asked], ("summary", "save")],
        conversation,
    )

    assert steps[-1].spec == replace(NIGHTLY_SPEC, description="")


def test_back_from_the_edit_list_returns_to_the_summary() -> None:
    conversation, _ = talk([*NIGHTLY_BY_NUMBERS[:-1], ("summary", "edit")])
    assert conversation.answer("back").kind is StepKind.SUMMARY


# --- Names -----------------------------------------------------------------------------------


def test_a_name_another_workflow_uses_is_rejected() -> None:
    taken = {"nightly ticket summaries"}
    conversation = Conversation.start(invoker=ME, name_taken=lambda n: n.casefold() in taken)

    step = conversation.answer("Nightly Ticket Summaries")

    assert step.kind is StepKind.INVALID and step.prompt is not None
    assert step.prompt.error == (
        "A workflow named “Nightly Ticket Summaries” already exists in this workspace; "
        "choose another name."
    )
    assert resume(conversation).answer("Nightly summaries v2").kind is StepKind.ASKED


def test_editing_keeps_its_own_name_but_not_another_taken_one() -> None:
    taken = {"support ticket triage", "nightly ticket summaries"}
    conversation = Conversation.start(
        invoker=ME, existing=EXISTING, name_taken=lambda n: n.casefold() in taken
    )

    assert conversation.answer("change name").kind is StepKind.ASKED
    assert conversation.answer("keep").kind is StepKind.SUMMARY
    conversation.answer("change name")
    assert conversation.answer("support TICKET triage").kind is StepKind.SUMMARY
    conversation.answer("change name")
    assert conversation.answer("Nightly ticket summaries").kind is StepKind.INVALID


# --- State -----------------------------------------------------------------------------------


@pytest.mark.parametrize("script", SCRIPTS.values(), ids=SCRIPTS.keys())
def test_a_restart_before_every_answer_changes_nothing(script: Script) -> None:
    _, live = talk(script)
    _, restarted = talk(script, restart=True)
    assert restarted == live


def test_a_restart_mid_edit_changes_nothing() -> None:
    script: Script = [
        *NIGHTLY_BY_NUMBERS[:-1],
        ("summary", "edit"),
        ("edit", "provider"),
        ("provider", "1"),
        ("model", "gpt4o"),
        ("model", "back"),
        ("provider", "help"),
        ("provider", "5"),
        ("summary", "save"),
    ]
    _, live = talk(script)
    _, restarted = talk(script, restart=True)
    assert restarted == live and live[-1].spec == NIGHTLY_SPEC


def test_the_state_is_plain_versioned_json() -> None:
    conversation, _ = talk(NIGHTLY_BY_NUMBERS[:4])
    state = conversation.to_dict()
    assert json.loads(json.dumps(state)) == state
    assert state["version"] == STATE_VERSION and state["current"] == "requests"


@pytest.mark.parametrize(
    "state",
    [
        {"version": STATE_VERSION + 1},
        {"version": STATE_VERSION},
        {**Conversation.start(invoker=ME).to_dict(), "current": "nowhere"},
        {**Conversation.start(invoker=ME).to_dict(), "answers": {"name": 7}},
        {**Conversation.start(invoker=ME).to_dict(), "answers": {"provider": "azure"}},
        {**Conversation.start(invoker=ME).to_dict(), "answers": {"requests": "lots"}},
        {**Conversation.start(invoker=ME).to_dict(), "answers": {"colour": "blue"}},
        [],
    ],
)
def test_a_state_that_cannot_be_resumed_says_so(state: object) -> None:
    with pytest.raises(StateError):
        Conversation.from_dict(state)  # type: ignore[arg-type]


def test_without_an_invoker_there_is_no_default_owner() -> None:
    conversation = Conversation.start(invoker=None)
    _, steps = talk(NIGHTLY_BY_NUMBERS[:2], conversation)
    assert steps[-1].prompt is not None and steps[-1].prompt.default is None
    step = conversation.answer("me")
    assert step.kind is StepKind.INVALID


# --- Natural words, what was understood, where it runs -------------------------------------


@pytest.mark.parametrize(
    ("key", "typed", "value"),
    [
        ("trigger", "cron", "schedule"),
        ("trigger", "a schedule", "schedule"),
        ("trigger", "Scheduled", "schedule"),
        ("trigger", "sched", "schedule"),
        ("trigger", "a person", "user"),
        ("trigger", "webhook", "event"),
        ("reader", "a report", "report"),
        ("reader", "dashboard", "report"),
        ("reader", "email", "later"),
        ("freshness", "weekly", "week"),
        ("freshness", "daily", "day"),
        ("freshness", "an hour", "hour"),
        ("freshness", "instantly", "seconds"),
        ("per", "daily", "day"),
        ("per", "monthly", "month"),
        ("provider", "claude", "anthropic"),
        ("provider", "open", "openai"),
        ("provider", "aws", "bedrock"),
        ("mode", "synchronous", "sync"),
        ("mode", "batch api", "batch"),
        ("summary", "yes", "save"),
        ("summary", "y", "save"),
        ("summary", "OK", "save"),
    ],
)
def test_the_words_people_use_are_accepted(key: str, typed: str, value: str) -> None:
    conversation = Conversation.start(invoker=ME)
    options = conversation._options(key)

    chosen = match_words(options, typed)

    assert chosen is not None and chosen.value == value


@pytest.mark.parametrize(("key", "typed"), [("reader", "a"), ("trigger", "banana"), ("per", "x")])
def test_words_that_fit_no_option_or_several_are_not_guessed(key: str, typed: str) -> None:
    conversation = Conversation.start(invoker=ME)
    assert match_words(conversation._options(key), typed) is None


def test_the_history_gets_the_answer_as_understood() -> None:
    conversation = Conversation.start(invoker=ME)
    seen = []
    for typed in ["Nightly", "skip", "keep", "3", "back", "openai", "gpt-4o-mini", "50k",
                  "daily", "1 cent", "2000"]:  # fmt: skip
        conversation.answer(typed)
        seen.append(conversation.understood)

    assert seen == [
        "Nightly",
        "(left out)",
        ME,
        "Google (Gemini, Vertex AI)",  # not "3"
        "← went back",
        "OpenAI",
        "gpt-4o-mini",
        "50,000",
        "per day",
        "(not accepted; asked again below)",  # not "1 cent"
        "2,000",
    ]


def test_the_first_question_has_nothing_to_go_back_to() -> None:
    conversation = Conversation.start(invoker=ME)
    first = conversation.prompt()
    conversation.answer("Nightly")
    second = conversation.prompt()

    assert first.first and "`back`" not in first.hint
    assert not second.first and "`back`" in second.hint


def test_a_terminal_owner_question_mentions_no_slack_mentions_and_explains_me() -> None:
    conversation = Conversation.start(invoker=None, surface=Surface.TERMINAL, team="T0TEAM")
    conversation.answer("Nightly")
    conversation.answer("skip")

    help_step = conversation.answer("help")
    me = conversation.answer("me")

    assert help_step.message is not None and "@" not in help_step.message
    assert me.prompt is not None and me.prompt.error is not None
    assert "batchscout register --team T0TEAM --user U0123ABCD" in me.prompt.error
    assert "mention" not in me.prompt.error
    assert conversation.answer("u0owner1").kind is StepKind.ASKED  # a typed id works


def test_the_usage_link_takes_a_project_and_a_key_in_any_order() -> None:
    script = [*NIGHTLY_BY_NUMBERS[:-2], ("usage_project", "key_nightly01, proj_nightly01")]
    conversation, steps = talk(script)
    assert steps[-1].prompt is not None and steps[-1].prompt.key == "summary"
    _, steps = talk([("summary", "1")], conversation)
    assert steps[-1].spec is not None
    assert (steps[-1].spec.usage_project, steps[-1].spec.usage_api_key) == (
        "proj_nightly01",
        "key_nightly01",
    )


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("sk-proj-abc123", "never the key"),
        ("proj_aaaa1 proj_bbbb2", "not two"),
        ("wrkspc_abcd01 key_abcd0001", "different providers"),
        ("my-project", "not a usage project"),
    ],
)
def test_a_wrong_usage_link_is_explained_and_asked_again(typed: str, says: str) -> None:
    conversation, _ = talk(NIGHTLY_BY_NUMBERS[:-2])
    step = conversation.answer(typed)
    assert step.kind is StepKind.INVALID and step.prompt is not None
    assert step.prompt.key == "usage_project"
    assert step.prompt.error is not None and says in step.prompt.error
