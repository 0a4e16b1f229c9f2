"""The registration conversation: one question at a time, no Slack and no database.

A front end (the Slack bot, the terminal) shows :meth:`Conversation.prompt`, passes whatever
the person typed or clicked to :meth:`Conversation.answer`, and stores
:meth:`Conversation.to_dict` after every answer so a restart loses nothing. Nothing is saved
here: a confirmed conversation ends with a :class:`~audit.inventory.WorkflowSpec` for the
caller to store.

Typed answers are always accepted: an option's value, its label (case and punctuation
ignored) or its 1-based number. ``back``, ``skip`` (optional questions only), ``keep`` (the
current value), ``cancel`` and ``help`` work at every step. User text is returned as typed;
escaping it for Slack mrkdwn is the Slack layer's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from batchscout.audit.advice import tier_advice, tier_options
from batchscout.audit.assessment import Assessment, assess
from batchscout.audit.inventory import (
    MAX_DESCRIPTION,
    MAX_NAME,
    SLACK_USER_ID,
    WorkflowSpec,
    usage_link_problem,
)
from batchscout.audit.latency import (
    FRESHNESS_LABELS,
    READER_LABELS,
    TRIGGER_LABELS,
    Freshness,
    Mode,
    Reader,
    Trigger,
)
from batchscout.audit.money import (
    format_count,
    format_monthly,
    format_unit_price,
    parse_amount,
)
from batchscout.audit.names import clean_name, control_problem, name_key
from batchscout.audit.numbers import (
    MAX_COST_PER_REQUEST,
    MAX_MONTHLY_REQUESTS,
    MAX_TOKENS,
    NumberError,
    cost_problem,
    read_share,
    volume_problem,
)
from batchscout.audit.pricing import (
    PriceBook,
    PricingError,
    Provider,
    catalog_models,
    catalog_price,
    search_models,
    suggest_models,
)
from batchscout.audit.savings import Bucket, Per, monthly_requests
from batchscout.audit.text import normalise_text
from batchscout.audit.usage import link_text, provider_of_id

STATE_VERSION: Final = 1
MAX_MODEL: Final = 200
_MAX_HISTORY = 200

SUMMARY: Final = "summary"
EDIT: Final = "edit"
COST_CHOICE: Final = "cost"
START_CHOICE: Final = "start"
#: A summary option's value that goes straight to one answer: ``change:model``.
CHANGE_PREFIX: Final = "change:"


class PromptKind(StrEnum):
    """How a front end should present a question."""

    TEXT = "text"
    CHOICE = "choice"
    MODEL = "model"
    CONFIRM = "confirm"


class Surface(StrEnum):
    """Where the conversation runs: Slack can mention people, a terminal cannot."""

    SLACK = "slack"
    TERMINAL = "terminal"


class StepKind(StrEnum):
    """What an answer led to."""

    ASKED = "asked"
    INVALID = "invalid"
    SUMMARY = "summary"
    SAVED = "saved"
    CANCELLED = "cancelled"


class Status(StrEnum):
    """Where a conversation is in its life."""

    ACTIVE = "active"
    SAVED = "saved"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Option:
    """One choice: ``value`` is what a button sends, ``label`` what a person reads."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Prompt:
    """The question to show now.

    ``default`` is the current answer, for display (``keep`` or an empty answer keeps it);
    ``error`` explains why the last answer was rejected; ``hint`` says how to answer.
    """

    key: str
    text: str
    kind: PromptKind
    options: list[Option]
    optional: bool
    default: str | None
    error: str | None
    hint: str
    first: bool = False
    """True on the first question, where there is nothing to go back to (no Back)."""


@dataclass(frozen=True, slots=True)
class Step:
    """The outcome of an answer.

    ``asked``/``invalid`` carry the prompt to show (an ``invalid`` answer to the confirmation
    also carries the assessment, to show the card again); ``summary`` the confirmation prompt and
    the assessment; ``saved`` the spec to store and its assessment; ``cancelled`` nothing.
    ``message`` is an optional note to show before the prompt (help, a pricing remark).
    """

    kind: StepKind
    prompt: Prompt | None = None
    assessment: Assessment | None = None
    spec: WorkflowSpec | None = None
    message: str | None = None


class StateError(ValueError):
    """A stored conversation state is not one this version can resume."""


class ConversationFinished(RuntimeError):
    """The conversation was saved or cancelled; it takes no more answers."""


@dataclass(frozen=True, slots=True)
class _Question:
    key: str
    title: str
    text: str
    help: str
    kind: PromptKind
    optional: bool = False


#: The questions, in the order they are asked. Keys are the inventory columns.
QUESTIONS: Final[dict[str, _Question]] = {
    q.key: q
    for q in (
        _Question(
            "name",
            "Name",
            "What is the workflow called?",
            f"A short name your team will recognise, up to {MAX_NAME} characters, "
            "like “Nightly ticket summaries”.",
            PromptKind.TEXT,
        ),
        _Question(
            "description",
            "Description",
            "What does it do? (optional)",
            f"A sentence or two, up to {MAX_DESCRIPTION} characters. Send `skip` to leave it out.",
            PromptKind.TEXT,
            optional=True,
        ),
        _Question(
            "owner",
            "Owner",
            "Who owns it?",
            "Pick the owner in the menu, press Me, or mention them (@name). "
            "Send `skip` for no owner.",
            PromptKind.TEXT,
            optional=True,
        ),
        _Question(
            "provider",
            "Provider",
            "Which provider does it call?",
            "Pick `other` for a provider the price catalog does not cover; "
            "you will then give a cost per request.",
            PromptKind.CHOICE,
        ),
        _Question(
            "model",
            "Model",
            "Which {provider} model does it use?",
            "The model id as the provider spells it, like gpt-4o-mini or claude-3-5-haiku. "
            "Not sure, or a negotiated price? Choose “cost per request instead”.",
            PromptKind.MODEL,
        ),
        _Question(
            "requests",
            "Volume",
            "How many requests does it make?",
            "A number and a period: 50k/day, 50,000 per day, 12M/month, 300 an hour. "
            "Send just a number and I will ask for the period.",
            PromptKind.TEXT,
        ),
        _Question(
            "per",
            "Period",
            "{count} requests per…?",
            "The period the volume is counted in. A month is 30 days.",
            PromptKind.CHOICE,
        ),
        _Question(
            "input_tokens",
            "Input tokens",
            "On average, how many input tokens does a request send?",
            "Prompt plus context, as a whole number: 2,000, 2000 tokens or 2k.",
            PromptKind.TEXT,
        ),
        _Question(
            "output_tokens",
            "Output tokens",
            "On average, how many output tokens does a request return?",
            "A whole number: 500, 500 tokens or 0.5k.",
            PromptKind.TEXT,
        ),
        _Question(
            "cost_per_request",
            "Cost per request",
            "What does one request cost on the synchronous API, in US dollars?",
            "Like $0.01 or 0.0045. Batchscout assumes the batch API costs half, "
            "unless the workspace set its own discount.",
            PromptKind.TEXT,
        ),
        _Question(
            "trigger",
            "Trigger",
            "What starts a request?",
            "A person asking, an event (webhook, message, call), or a schedule (cron).",
            PromptKind.CHOICE,
        ),
        _Question(
            "reader",
            "Reader",
            "Who reads the result?",
            "Someone watching it arrive, someone reading it later (notification, email, "
            "queue), a report, or another program.",
            PromptKind.CHOICE,
        ),
        _Question(
            "freshness",
            "Freshness",
            "How soon must the result exist?",
            "Not how fast it is today: how late it could arrive before anyone minded.",
            PromptKind.CHOICE,
        ),
        _Question(
            "mode",
            "Mode",
            "Which API does it call today?",
            "`batch` if it already uses a provider batch API, `flex` if its requests already "
            'send `service_tier="flex"`; its savings then count as realised. `priority` if '
            'they send `service_tier="priority"` (OpenAI, Google): the premium tier, priced '
            "from the catalog.",
            PromptKind.CHOICE,
        ),
        _Question(
            "cached_share",
            "Cached share",
            "What share of each request's input is a repeated prefix? (optional)",
            "A repeated prefix is the start of the input that is the same on every request — "
            "a system prompt, instructions, shared documents — which a prompt cache serves at "
            "the cheaper cache-read price. A share from 0 to 1 (0.8) or a percentage (80%). "
            "Send `skip` if you don't know.",
            PromptKind.TEXT,
            optional=True,
        ),
        _Question(
            "usage_project",
            "Usage link",
            "Which project (or workspace) and API key does it run under? (optional)",
            "Ids from the provider's console, separated by a space: an OpenAI project proj_… "
            "or Anthropic workspace wrkspc_…, and/or an API key id key_… or apikey_… (the id, "
            "never the key). They tie the workflow to the provider's usage reports "
            "(`usage report`). Send `skip` if you don't know.",
            PromptKind.TEXT,
            optional=True,
        ),
    )
}

PROVIDER_LABELS: Final[dict[Provider, str]] = {
    Provider.OPENAI: "OpenAI",
    Provider.ANTHROPIC: "Anthropic",
    Provider.GOOGLE: "Google (Gemini, Vertex AI)",
    Provider.BEDROCK: "AWS Bedrock",
    Provider.OTHER: "Other (give a cost per request)",
}
PER_LABELS: Final[dict[Per, str]] = {
    Per.HOUR: "per hour",
    Per.DAY: "per day",
    Per.WEEK: "per week",
    Per.MONTH: "per month",
}
MODE_LABELS: Final[dict[Mode, str]] = {
    Mode.SYNC: "the synchronous API",
    Mode.BATCH: "a provider batch API already",
    Mode.FLEX: "the flex service tier already",
    Mode.PRIORITY: "the priority (premium) tier",
}

#: Every other user-facing string of the conversation.
TEXTS: Final[dict[str, str]] = {
    "summary": "Save this workflow?",
    "save": "Save",
    "edit": "Edit an answer",
    "cancel": "Cancel",
    "edit_question": "Which answer do you want to change?",
    "edit_start": "Start again from the first question",
    "cost_option": "Cost per request instead",
    "hint_choice": "Answer with a number or a label.",
    "hint_text": "Type your answer.",
    "hint_model": "Type the model id, or choose an option.",
    "hint_keep": "`keep` (or an empty answer) keeps “{value}”.",
    "hint_keep_owner": "`keep` (or an empty answer) keeps the current owner.",
    "hint_skip": "`skip` leaves it out.",
    "hint_commands": "`back`, `cancel` and `help` work at every step.",
    "hint_commands_first": "`cancel` and `help` work at every step.",
    "help_summary": "Save stores the workflow; Change goes to one answer and comes back here; "
    "Edit lists the answers (or starts again); Cancel stops without saving.",
    "help_edit": "Pick the answer to change; after it you come back to the summary.",
    "help_commands": "`back` returns to the previous question, `skip` leaves an optional "
    "answer out, `keep` keeps the current answer, `cancel` stops without saving.",
    "cancelled": "Cancelled. Nothing was saved.",
    "cancelled_edit": "Cancelled. Nothing was changed: “{name}” is as it was.",
    "change": "Change {title}: {value}",
    "shown_back": "← went back",
    "shown_help": "(help below)",
    "shown_rejected": "(not accepted; asked again below)",
    "shown_cancelled": "(cancelled)",
    "shown_skipped": "(left out)",
    "required": "This question needs an answer.",
    "not_optional": "This question can't be skipped: Batchscout needs it to classify or price "
    "the workflow.",
    "nothing_to_keep": "There is no current answer to keep yet; please answer the question.",
    "no_back": "This is the first question; there is nothing to go back to. Send `cancel` to stop.",
    "not_a_choice": "“{text}” is not one of the choices: answer with a number from 1 to "
    "{count}, or with a label.",
    "name_too_long": "A name can be at most {max} characters; this one has {length}.",
    "name_taken": "A workflow named “{name}” already exists in this workspace; "
    "choose another name.",
    "description_too_long": "A description can be at most {max} characters; this one has {length}.",
    "owner_no_invoker": "I can't tell who you are here: pick the owner in the menu or mention "
    "them (@name).",
    "owner_no_invoker_terminal": "In a terminal I don't know your Slack user id: type it "
    "(like U0123ABCD), or start again with `batchscout register --team {team} --user "
    "U0123ABCD` so that `me` works.",
    "owner_help_terminal": "A Slack user id like U0123ABCD (Slack shows it under a person's "
    "profile, ⋮ › Copy member ID). Send `skip` for no owner.",
    "owner_invalid_terminal": "“{text}” is not a Slack user id: type one like U0123ABCD.",
    "owner_invalid": "“{text}” is not someone in Slack: pick the owner in the menu, press Me, "
    "or mention them (@name).",
    "model_unknown": "The price catalog has no {provider} model “{model}”.",
    "model_suggest": " Did you mean one of these? Pick one, type another id, "
    "or give a cost per request instead.",
    "model_no_suggest": " Check the spelling, or give a cost per request instead.",
    "model_too_long": f"A model id can be at most {MAX_MODEL} characters.",
    "model_alias": "“{typed}” is priced as the catalog's {model}.",
    "volume_invalid": "“{text}” is not a request volume. Try 50k/day, 50,000 per day, "
    "12M/month or 300 an hour.",
    "volume_period": "“{text}” is not a period: use hour, day, week or month "
    "(like 50k/day or 300 an hour).",
    "volume_range": "The volume must be more than 0 and at most {max} requests a month "
    "(a trillion).",
    "tokens_invalid": "“{text}” is not a token count. Try 2,000, 2000 tokens or 2k.",
    "tokens_whole": "Tokens are whole numbers; “{text}” is {value}.",
    "tokens_range": f"That is more than {MAX_TOKENS:,} tokens per request.",
    "cost_invalid": "“{text}” is not a dollar amount. Try $0.01 or 0.0045.",
    "cost_range": "A cost per request can be at most ${max}.",
    "cost_pricing": "a cost per request",
    "cached_share_value": "{percent}% of the input",
    "cost_pricing_model": "a cost per request (model {model})",
    # Summary card
    "card_workflow": "Workflow",
    "card_class": "Class",
    "card_disguised": "{latency_class} · batch disguised as stream",
    "card_why": "Why",
    "card_note": "Note",
    "card_volume": "Volume",
    "card_volume_value": "{count} {per} ({monthly} a month)",
    "card_priced": "Priced as",
    "card_priced_cost": "{cost} per request, as given",
    "card_priced_model": "{provider} · {model} ({tokens_in} in, {tokens_out} out tokens)",
    "card_priced_alias": "{provider} · {model}, typed as {typed} ({tokens_in} in, "
    "{tokens_out} out tokens)",
    "card_per_request": "Per request",
    "card_per_request_value": "{sync} sync · {batch} batch ({basis})",
    "card_per_request_flex": "{sync} sync · {batch} batch ({basis}) · {flex} flex",
    "card_cost": "Costs",
    "card_cost_value": "{cost} on {mode}",
    "card_savings": "Saves",
    "card_realised": "Already saves",
    "card_savings_none": "none: a person is waiting, so do not batch it",
    "card_advice": "Advice",
}

_COMMANDS: Final = frozenset({"back", "skip", "keep", "cancel", "help"})
_COST_ALIASES: Final = frozenset(
    {"cost", "cost per request", "cost per request instead", "a cost per request"}
)


# --- Parsing typed answers ---------------------------------------------------------------

_PERIODS: Final[dict[str, Per]] = {
    **dict.fromkeys(("hour", "hours", "hr", "hrs", "h", "hourly"), Per.HOUR),
    **dict.fromkeys(("day", "days", "d", "daily", "night", "nights", "nightly"), Per.DAY),
    **dict.fromkeys(("week", "weeks", "wk", "wks", "w", "weekly"), Per.WEEK),
    **dict.fromkeys(("month", "months", "mo", "mos", "mth", "monthly"), Per.MONTH),
}
_SEPARATORS: Final = frozenset({"/", "per", "a", "an", "each", "every"})
# A number with an optional k/M/B multiplier; the multiplier must not start a word
# (so "5 mo" is five a month, "5m" five million).
_LEADING_AMOUNT = re.compile(
    r"^\s*((?:[0-9][0-9,_]*(?:\.[0-9]*)?|\.[0-9]+)(?:\s*[kmb](?![a-z]))?)(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_TOKENS_SUFFIX = re.compile(r"\s*(?:tokens?|toks?)\s*$", re.IGNORECASE)
_COST_SUFFIX = re.compile(
    r"\s*(?:(?:/|per|a|an|each)\s*(?:request|req|call)s?|each)\s*$", re.IGNORECASE
)
_MENTION = re.compile(r"^<@([A-Za-z0-9]+)(?:\|[^>]*)?>$")


def parse_volume(text: str) -> tuple[Decimal, Per | None]:
    """Parse a request volume: ``50k/day``, ``50,000 per day``, ``12M/month``, ``300 an hour``.

    Returns the count and its period, or ``None`` for the period when only a number was
    given (``50000``, ``50k requests``). Raises ``ValueError`` with a friendly message.
    """
    match = _LEADING_AMOUNT.match(text)
    if not match:
        raise ValueError(TEXTS["volume_invalid"].format(text=text.strip()))
    count = parse_amount(match.group(1))
    words = match.group(2).lower().replace("/", " / ").split()
    # One noun may follow the number: "50k requests/day", "50,000 tickets nightly".
    if words and words[0].isalpha() and words[0] not in _PERIODS and words[0] not in _SEPARATORS:
        words = words[1:]
    separated = bool(words) and words[0] in _SEPARATORS
    if separated:
        words = words[1:]
    per: Per | None = None
    if words:
        if len(words) != 1 or words[0] not in _PERIODS:
            raise ValueError(TEXTS["volume_period"].format(text=" ".join(words)))
        per = _PERIODS[words[0]]
    elif separated:
        raise ValueError(TEXTS["volume_invalid"].format(text=text.strip()))
    check_volume(count, per or Per.MONTH)
    return count, per


def check_volume(count: Decimal, per: Per) -> None:
    """Raise ``ValueError`` unless ``count`` per ``per`` is more than 0 and at most 10^12 a month."""
    if count > MAX_MONTHLY_REQUESTS or volume_problem(monthly_requests(count, per)) is not None:
        raise ValueError(TEXTS["volume_range"].format(max=f"{MAX_MONTHLY_REQUESTS:,}"))


def parse_tokens(text: str) -> int:
    """Parse an average token count: ``2000``, ``2,000 tokens``, ``2k``; whole, 0 to 10M."""
    cleaned = _TOKENS_SUFFIX.sub("", text.strip())
    if "$" in cleaned:
        raise ValueError(TEXTS["tokens_invalid"].format(text=text.strip()))
    try:
        value = parse_amount(cleaned)
    except NumberError:
        raise
    except ValueError as error:
        raise ValueError(TEXTS["tokens_invalid"].format(text=text.strip())) from error
    if value != value.to_integral_value():
        raise ValueError(TEXTS["tokens_whole"].format(text=text.strip(), value=format_count(value)))
    if value > MAX_TOKENS:
        raise ValueError(TEXTS["tokens_range"])
    return int(value)


def parse_cost(text: str) -> Decimal:
    """Parse a cost per request in US dollars: ``$0.01``, ``0.0045``, ``$0.01 per request``."""
    cleaned = _COST_SUFFIX.sub("", text.strip())
    try:
        cost = parse_amount(cleaned)
    except NumberError:
        raise
    except ValueError as error:
        raise ValueError(TEXTS["cost_invalid"].format(text=text.strip())) from error
    if cost_problem(cost) is not None:
        raise ValueError(TEXTS["cost_range"].format(max=f"{MAX_COST_PER_REQUEST:,}"))
    return cost


def parse_owner(
    text: str, invoker: str | None, *, surface: Surface = Surface.SLACK, team: str = "T0123ABCD"
) -> str:
    """Parse an owner: ``me`` (the invoker), a user id ``U0123ABCD``, or a mention ``<@U0123ABCD>``.

    In a terminal (``surface``) there are no mentions, and ``me`` without a known invoker
    says how to make it work (``team`` is named in that hint)."""
    cleaned = text.strip()
    terminal = surface is Surface.TERMINAL
    if normalise_text(cleaned) == "me":
        if invoker is None:
            raise ValueError(
                TEXTS["owner_no_invoker_terminal"].format(team=team)
                if terminal
                else TEXTS["owner_no_invoker"]
            )
        return invoker
    mention = _MENTION.match(cleaned)
    candidate = (mention.group(1) if mention else cleaned.removeprefix("@")).upper()
    if not SLACK_USER_ID.match(candidate):
        invalid = "owner_invalid_terminal" if terminal else "owner_invalid"
        raise ValueError(TEXTS[invalid].format(text=cleaned))
    return candidate


#: Words people use for an option, by the option's value (the same value means the same thing
#: in every question: ``hour`` is a period and a freshness).
SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "user": ("person", "human", "someone", "user", "a user", "people", "on demand", "request"),
    "event": ("webhook", "message", "call", "event", "trigger", "api call", "incoming"),
    "schedule": ("cron", "a schedule", "scheduled", "schedule", "timer", "job", "nightly job"),
    "on-screen": ("on screen", "screen", "watching", "live", "ui", "watches"),
    "later": ("notification", "email", "queue", "inbox", "ticket", "read later", "async"),
    "report": ("dashboard", "report", "a report", "bi"),
    "system": ("program", "another program", "api", "service", "machine", "pipeline"),
    "seconds": ("second", "seconds", "instant", "instantly", "immediately", "real time", "now"),
    "minutes": ("minute", "minutes", "min", "mins", "a few minutes"),
    "hour": ("hour", "hourly", "an hour", "1 hour", "within an hour", "h", "hr"),
    "day": ("day", "daily", "a day", "nightly", "overnight", "24 hours", "d", "tomorrow"),
    "week": ("week", "weekly", "a week", "7 days", "w", "wk"),
    "month": ("month", "monthly", "a month", "mo"),
    "sync": ("synchronous", "sync", "streaming", "stream", "real time api", "normal", "regular"),
    "batch": ("batch", "batch api", "a batch api", "batched"),
    "openai": ("openai", "open ai", "gpt", "chatgpt"),
    "anthropic": ("anthropic", "claude"),
    "google": ("google", "gemini", "vertex", "vertex ai"),
    "bedrock": ("bedrock", "aws", "amazon"),
    "other": ("other", "something else", "none of these", "self hosted"),
    "save": ("yes", "y", "ok", "okay", "confirm", "save it"),
}
_FILLER: Final = frozenset(
    {"a", "an", "the", "it", "is", "its", "by", "per", "on", "of", "i", "we"}
)


def match_words(options: Sequence[Option], text: str) -> Option | None:
    """The option natural words mean: an exact match (:func:`match_option`), a common synonym
    (``cron`` for a schedule, ``weekly`` for week), or words that start words of exactly one
    option's label or value (``sched``, ``a report``); None when nothing or several fit."""
    exact = match_option(options, text)
    if exact is not None:
        return exact
    wanted = normalise_text(text)
    if not wanted:
        return None
    by_synonym = [o for o in options if wanted in SYNONYMS.get(o.value, ())]
    if len(by_synonym) == 1:
        return by_synonym[0]
    words = [w for w in wanted.split() if w not in _FILLER] or wanted.split()

    def vocabulary(option: Option) -> list[str]:
        texts = [option.value, option.label, *SYNONYMS.get(option.value, ())]
        return [w for t in texts for w in normalise_text(t).split()]

    fitting = [
        o for o in options if all(any(v.startswith(w) for v in vocabulary(o)) for w in words)
    ]
    return fitting[0] if len(fitting) == 1 else None


def match_option(options: Sequence[Option], text: str) -> Option | None:
    """The option a typed answer means: its value, its label, or its 1-based number."""
    wanted = normalise_text(text)
    if wanted.isdigit():
        number = int(wanted)
        return options[number - 1] if 1 <= number <= len(options) else None
    for option in options:
        if wanted in (normalise_text(option.value), normalise_text(option.label)):
            return option
    return None


def _decimal_text(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"


def _label(options: Mapping[Any, str]) -> list[Option]:
    return [Option(str(key), label) for key, label in options.items()]


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Rejected(ValueError):
    """An answer was not accepted; the message says why."""


# --- The conversation --------------------------------------------------------------------


class Conversation:
    """A registration (or edit) conversation. Build one with :meth:`start` or :meth:`from_dict`.

    ``book`` is the workspace's price book (used to validate models and to assess the
    summary); ``name_taken(name)`` tells whether another workflow already has that name.
    Neither is part of the stored state: pass them again when resuming.
    """

    def __init__(
        self,
        *,
        invoker: str | None,
        editing: str | None,
        answers: dict[str, str],
        book: PriceBook | None = None,
        name_taken: Callable[[str], bool] | None = None,
        surface: Surface = Surface.SLACK,
        team: str = "T0123ABCD",
    ) -> None:
        self.invoker = invoker
        self.surface = surface
        self.team = team
        #: The last answer as the conversation understood it (an option's label, the kept
        #: value, "(left out)"…), for a front end's history; set by :meth:`answer`.
        self.understood: str | None = None
        self.editing = editing
        self.answers = answers
        self.book = book or PriceBook()
        self.name_taken = name_taken
        self.current: str = next(iter(QUESTIONS))
        self.implied: set[str] = set()
        self.must_ask: set[str] = set()
        self.history: list[str] = []
        self.returning = False
        self.error: str | None = None
        self.suggestions: list[str] = []
        self.status = Status.ACTIVE

    # Construction and state -------------------------------------------------------------

    @classmethod
    def start(
        cls,
        *,
        invoker: str | None,
        existing: WorkflowSpec | None = None,
        book: PriceBook | None = None,
        name_taken: Callable[[str], bool] | None = None,
        surface: Surface = Surface.SLACK,
        team: str = "T0123ABCD",
    ) -> Conversation:
        """Begin registering a workflow, or editing ``existing``: an edit opens at the summary,
        where each answer can be changed on its own.

        ``invoker`` is the Slack user id of the person answering: the default owner and
        what ``me`` means. It may be ``None`` outside Slack. ``surface`` adapts the hints
        (no mentions in a terminal); ``team`` is named in terminal hints.
        """
        if existing is None:
            answers = {"mode": Mode.SYNC.value}
            if invoker is not None:
                answers["owner"] = invoker
            return cls(
                invoker=invoker, editing=None, answers=answers, book=book,
                name_taken=name_taken, surface=surface, team=team,
            )  # fmt: skip
        conversation = cls(
            invoker=invoker,
            editing=existing.name,
            answers=_answers_of(existing),
            book=book,
            name_taken=name_taken,
            surface=surface,
            team=team,
        )
        conversation.current = SUMMARY
        conversation.returning = True
        conversation.implied.add("per")
        return conversation

    def to_dict(self) -> dict[str, Any]:
        """The whole state as plain JSON-serialisable data (see :meth:`from_dict`)."""
        return {
            "version": STATE_VERSION,
            "status": self.status.value,
            "invoker": self.invoker,
            "editing": self.editing,
            "current": self.current,
            "answers": dict(self.answers),
            "implied": sorted(self.implied),
            "must_ask": sorted(self.must_ask),
            "history": list(self.history),
            "returning": self.returning,
            "error": self.error,
            "suggestions": list(self.suggestions),
        }

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        book: PriceBook | None = None,
        name_taken: Callable[[str], bool] | None = None,
        surface: Surface = Surface.SLACK,
        team: str = "T0123ABCD",
    ) -> Conversation:
        """Resume a conversation stored with :meth:`to_dict`.

        Raises :class:`StateError` when the state is from another version or malformed;
        the caller should then start over.
        """
        if not isinstance(data, Mapping) or data.get("version") != STATE_VERSION:
            raise StateError("unsupported registration state version")
        steps = {*QUESTIONS, SUMMARY, EDIT}
        try:
            answers = data["answers"]
            if not isinstance(answers, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in answers.items()
            ):
                raise StateError("answers must map strings to strings")
            _check_answers(answers)
            conversation = cls(
                invoker=_optional_str(data["invoker"]),
                editing=_optional_str(data["editing"]),
                answers=dict(answers),
                book=book,
                name_taken=name_taken,
                surface=surface,
                team=team,
            )
            conversation.status = Status(data["status"])
            conversation.current = _one_of(data["current"], steps)
            conversation.implied = {_one_of(k, steps) for k in data["implied"]}
            conversation.must_ask = {_one_of(k, steps) for k in data["must_ask"]}
            conversation.history = [_one_of(k, steps) for k in data["history"]]
            conversation.returning = bool(data["returning"])
            conversation.error = _optional_str(data["error"])
            conversation.suggestions = [str(s) for s in data["suggestions"]]
        except (KeyError, TypeError, ValueError) as error:
            raise StateError(f"malformed registration state ({error})") from error
        return conversation

    @property
    def finished(self) -> bool:
        """True once saved or cancelled."""
        return self.status is not Status.ACTIVE

    # Asking -----------------------------------------------------------------------------

    def prompt(self) -> Prompt:
        """The question to show now (at the summary, the confirmation)."""
        self._require_active()
        return self._prompt()

    def current_step(self) -> Step:
        """The step to show now: the question, or the summary with its assessment.

        Use it to show the first question and to redraw after a restart.
        """
        self._require_active()
        return self._step()

    def model_search(self, query: str, limit: int = 25) -> list[str]:
        """Catalog models of the chosen provider matching ``query`` (for searchable lists)."""
        provider = self.answers.get("provider")
        if provider is None or provider == Provider.OTHER.value:
            return []
        return search_models(Provider(provider), query, limit)

    # Answering --------------------------------------------------------------------------

    def answer(self, text: str) -> Step:
        """Take one typed answer or button value and say what comes next.

        Afterwards :attr:`understood` holds the answer as understood, for a history."""
        self._require_active()
        command = normalise_text(text)
        if command not in _COMMANDS:
            command = ""
        self.understood = None
        if command == "cancel":
            self.status = Status.CANCELLED
            self.understood = TEXTS["shown_cancelled"]
            return Step(
                StepKind.CANCELLED,
                message=(
                    TEXTS["cancelled_edit"].format(name=self.editing)
                    if self.editing
                    else TEXTS["cancelled"]
                ),
            )
        if command == "help":
            self.error = None
            self.understood = TEXTS["shown_help"]
            return self._step(message=self._help())
        if command == "back":
            self.understood = TEXTS["shown_back"]
            return self._back()
        key = self.current
        try:
            if self.current == SUMMARY:
                return self._answer_summary(text, command)
            if self.current == EDIT:
                self._answer_edit(text, command)
                return self._step()
            message = self._answer_question(text, command)
        except _Rejected as rejected:
            self.error = str(rejected)
            self.understood = TEXTS["shown_rejected"]
            return self._step()
        self.understood = self._display(key) or TEXTS["shown_skipped"]
        return self._step(message=message)

    def _answer_question(self, text: str, command: str) -> str | None:
        key = self.current
        question = QUESTIONS[key]
        if command == "skip":
            if not question.optional:
                raise _Rejected(self._not_optional())
            self.answers[key] = ""
            if key == "usage_project":
                self.answers["usage_api_key"] = ""
            self._advance()
            return None
        if command == "keep" or not text.strip():
            if self._has_value(key):
                if key == "name":
                    self._check_name_free(self.answers["name"])
                if key == "requests" and "per" in self.answers:
                    # The kept value is shown with its period ("50,000 per day"): keep both.
                    self.implied.add("per")
                    self.must_ask.discard("per")
                self._advance()
                return None
            if question.optional and not text.strip():
                self.answers[key] = ""
                self._advance()
                return None
            raise _Rejected(TEXTS["nothing_to_keep"] if command else TEXTS["required"])
        message = self._accept(key, text)
        self._advance()
        return message

    def _accept(self, key: str, text: str) -> str | None:
        """Validate and record one answer; return a note to show, if any."""
        try:
            if key == "name":
                self._accept_name(text)
            elif key == "description":
                self._accept_description(text)
            elif key == "owner":
                self.answers["owner"] = parse_owner(
                    text, self.invoker, surface=self.surface, team=self.team
                )
            elif key == "usage_project":
                self._accept_usage_link(text)
            elif key == "provider":
                self._accept_provider(text)
            elif key == "model":
                return self._accept_model(text)
            elif key == "requests":
                self._accept_requests(text)
            elif key in ("input_tokens", "output_tokens"):
                self.answers[key] = str(parse_tokens(text))
            elif key == "cost_per_request":
                self.answers[key] = _decimal_text(parse_cost(text))
            elif key == "cached_share":
                self.answers[key] = _decimal_text(read_share(text))
            elif key == "per":
                per = Per(self._choose(key, text).value)
                if "requests" in self.answers:
                    check_volume(Decimal(self.answers["requests"]), per)
                self.answers[key] = per.value
            else:
                self.answers[key] = self._choose(key, text).value
        except _Rejected:
            raise
        except ValueError as error:
            raise _Rejected(str(error)) from error
        return None

    def _accept_name(self, text: str) -> None:
        problem = control_problem(text)
        if problem is not None:
            raise _Rejected(f"That name {problem}; please type it again.")
        name = clean_name(text)
        if len(name_key(name)) > MAX_NAME:
            raise _Rejected(TEXTS["name_too_long"].format(max=MAX_NAME, length=len(name_key(name))))
        self._check_name_free(name)
        self.answers["name"] = name

    def _check_name_free(self, name: str) -> None:
        own = self.editing is not None and name_key(name) == name_key(self.editing)
        if not own and self.name_taken is not None and self.name_taken(name):
            raise _Rejected(TEXTS["name_taken"].format(name=name))

    def _accept_description(self, text: str) -> None:
        problem = control_problem(text)
        if problem is not None:
            raise _Rejected(f"That description {problem}; please type it again.")
        description = text.strip()
        if len(description) > MAX_DESCRIPTION:
            raise _Rejected(
                TEXTS["description_too_long"].format(max=MAX_DESCRIPTION, length=len(description))
            )
        self.answers["description"] = description

    def _accept_usage_link(self, text: str) -> None:
        """One or two ids: a project/workspace and/or an API key id, in any order."""
        found = {"usage_project": "", "usage_api_key": ""}
        for word in text.replace(",", " ").split():
            column = (
                "usage_api_key"
                if word.startswith(("key_", "apikey_", "sk-"))
                else ("usage_project")
            )
            problem = usage_link_problem(column, word)
            if problem or found[column]:
                raise _Rejected(problem or f"Give one {column.replace('_', ' ')}, not two.")
            found[column] = word
        project, key = found["usage_project"], found["usage_api_key"]
        if project and key and provider_of_id(project) is not provider_of_id(key):
            raise _Rejected(f"“{key}” and “{project}” belong to different providers.")
        self.answers.update(found)

    def _accept_provider(self, text: str) -> None:
        provider = self._choose("provider", text).value
        if self.answers.get("provider") != provider:
            # A model belongs to its provider: ask again rather than keep a wrong one.
            self.answers.pop("model", None)
            self.answers.pop("pricing", None)
        self.answers["provider"] = provider

    def _accept_model(self, text: str) -> str | None:
        provider = Provider(self.answers["provider"])
        option = match_option(self._options("model"), text)
        if (option is not None and option.value == COST_CHOICE) or (
            normalise_text(text) in _COST_ALIASES
        ):
            self.answers["pricing"] = COST_CHOICE
            self.answers.pop("model", None)
            return None
        typed = option.value if option is not None else " ".join(text.split())
        model, note = self._resolve_model(provider, typed)
        self.answers["model"] = model
        self.answers["pricing"] = "model"
        return note

    def _resolve_model(self, provider: Provider, typed: str) -> tuple[str, str | None]:
        """The model id to store and a note when the catalog prices it under another id.

        A close match is only ever offered as a choice, never taken silently.
        """
        if len(typed) > MAX_MODEL:
            raise _Rejected(TEXTS["model_too_long"])
        if self.book.rate_for(provider, typed) is not None:
            return typed, None
        exact = next((m for m in catalog_models(provider) if m.lower() == typed.lower()), None)
        if exact is not None:
            return exact, None
        try:
            priced = catalog_price(provider, typed).model  # the catalog's own aliases
        except PricingError:
            self.suggestions = suggest_models(provider, typed)
            message = TEXTS["model_unknown"].format(provider=PROVIDER_LABELS[provider], model=typed)
            tail = TEXTS["model_suggest"] if self.suggestions else TEXTS["model_no_suggest"]
            raise _Rejected(message + tail) from None
        return typed, TEXTS["model_alias"].format(typed=typed, model=priced)

    def _accept_requests(self, text: str) -> None:
        count, per = parse_volume(text)
        self.answers["requests"] = _decimal_text(count)
        if per is None:
            self.implied.discard("per")
            self.must_ask.add("per")
        else:
            self.answers["per"] = per.value
            self.implied.add("per")
            self.must_ask.discard("per")

    def _choose(self, key: str, text: str) -> Option:
        options = self._options(key)
        option = match_words(options, text)
        if option is None:
            raise _Rejected(TEXTS["not_a_choice"].format(text=text.strip(), count=len(options)))
        return option

    def _answer_summary(self, text: str, command: str) -> Step:
        if command in ("skip", "keep"):
            raise _Rejected(self._not_optional())
        option = self._choose(SUMMARY, text)
        choice = option.value
        self.understood = option.label
        if choice == "save":
            spec = self._spec()
            try:
                assessment = assess(spec, self.book)
            except PricingError as error:
                return self._reprice(error)
            self.status = Status.SAVED
            return Step(StepKind.SAVED, assessment=assessment, spec=spec)
        if choice == "cancel":
            self.status = Status.CANCELLED
            return Step(
                StepKind.CANCELLED,
                message=(
                    TEXTS["cancelled_edit"].format(name=self.editing)
                    if self.editing
                    else TEXTS["cancelled"]
                ),
            )
        self._push(SUMMARY)
        self.error = None
        if choice.startswith(CHANGE_PREFIX):
            # Straight to that answer; after it, back to the summary.
            self.returning = True
            self.current = choice.removeprefix(CHANGE_PREFIX)
            return self._step()
        self.current = EDIT
        return self._step()

    def _answer_edit(self, text: str, command: str) -> None:
        if command in ("skip", "keep"):
            raise _Rejected(self._not_optional())
        options = self._options(EDIT)
        option = match_option(options, text)
        if option is None:
            wanted = normalise_text(text)
            option = next(
                (
                    o
                    for o in options
                    if o.value in QUESTIONS and normalise_text(QUESTIONS[o.value].title) == wanted
                ),
                None,
            )
        if option is None:
            raise _Rejected(TEXTS["not_a_choice"].format(text=text.strip(), count=len(options)))
        self.understood = option.label
        self._push(EDIT)
        self.error = None
        if option.value == START_CHOICE:
            self.returning = False
            self.current = next(iter(QUESTIONS))
        else:
            self.returning = True
            self.current = option.value

    # Moving -----------------------------------------------------------------------------

    def _push(self, step: str) -> None:
        self.history.append(step)
        del self.history[:-_MAX_HISTORY]

    def _advance(self) -> None:
        self.must_ask.discard(self.current)
        self.error = None
        self.suggestions = []
        self._push(self.current)
        self.current = self._next_after(self.current)

    def _next_after(self, key: str) -> str:
        keys = list(QUESTIONS)
        for candidate in keys[keys.index(key) + 1 :]:
            if not self._applies(candidate):
                continue
            if self.returning and self._answered(candidate) and candidate not in self.must_ask:
                continue
            return candidate
        return self._first_missing() or SUMMARY

    def _first_missing(self) -> str | None:
        return next(
            (
                key
                for key, question in QUESTIONS.items()
                if self._applies(key) and not question.optional and not self._answered(key)
            ),
            None,
        )

    def _back(self) -> Step:
        self.error = None
        self.suggestions = []
        while self.history:
            previous = self.history.pop()
            if previous not in QUESTIONS or self._applies(previous):
                self.current = previous
                return self._step()
        self.error = TEXTS["no_back"]
        return self._step()

    def _reprice(self, error: PricingError) -> Step:
        """The summary could not be priced: go to the answer that prices it (or to the mode,
        when the mode's lane has no price for the model), with the reason."""
        self.current = (
            "model" if self._applies("model") and self._pricing() == "model" else "cost_per_request"
        )
        if getattr(error, "column", None) == "mode":
            self.current = "mode"
        self.returning = True
        self.error = str(error)
        return self._step()

    # Reading the answers ----------------------------------------------------------------

    def _pricing(self) -> str:
        if self.answers.get("provider") == Provider.OTHER.value:
            return COST_CHOICE
        return self.answers.get("pricing", "model")

    def _applies(self, key: str) -> bool:
        if key == "model":
            return self.answers.get("provider") != Provider.OTHER.value
        if key == "per":
            return "per" not in self.implied
        if key in ("input_tokens", "output_tokens", "cached_share"):
            return self._pricing() == "model"
        if key == "cost_per_request":
            return self._pricing() == COST_CHOICE
        return True

    def _answered(self, key: str) -> bool:
        return "pricing" in self.answers if key == "model" else key in self.answers

    def _has_value(self, key: str) -> bool:
        if key == "model":
            return "pricing" in self.answers and (
                self.answers["pricing"] == COST_CHOICE or bool(self.answers.get("model"))
            )
        if key == "usage_project":
            return bool(self.answers.get(key) or self.answers.get("usage_api_key"))
        return bool(self.answers.get(key))

    def _spec(self) -> WorkflowSpec:
        """The answers as a spec; only called once every applicable question is answered."""
        a = self.answers
        by_model = self._pricing() == "model"
        return WorkflowSpec(
            name=a["name"],
            description=a.get("description", ""),
            owner=a.get("owner") or None,
            provider=Provider(a["provider"]),
            model=a.get("model") or None,
            requests=Decimal(a["requests"]),
            per=Per(a["per"]),
            input_tokens=int(a["input_tokens"]) if by_model else None,
            output_tokens=int(a["output_tokens"]) if by_model else None,
            cost_per_request=None if by_model else Decimal(a["cost_per_request"]),
            trigger=Trigger(a["trigger"]),
            reader=Reader(a["reader"]),
            freshness=Freshness(a["freshness"]),
            mode=Mode(a.get("mode", Mode.SYNC.value)),
            usage_project=a.get("usage_project") or None,
            usage_api_key=a.get("usage_api_key") or None,
            cached_share=Decimal(a["cached_share"]) if by_model and a.get("cached_share") else None,
        )

    def _display(self, key: str) -> str | None:
        """The current answer to ``key`` as a person reads it, or ``None``."""
        if not self._has_value(key):
            return None
        value = self.answers[key] if key != "model" else self.answers.get("model", "")
        if key == "model":
            if self.answers.get("pricing") == COST_CHOICE:
                return (
                    TEXTS["cost_pricing_model"].format(model=value)
                    if value
                    else TEXTS["cost_pricing"]
                )
            return value
        if key == "requests":
            per = self.answers.get("per")
            count = format_count(Decimal(value))
            return f"{count} {PER_LABELS[Per(per)]}" if per else count
        if key in ("input_tokens", "output_tokens"):
            return format_count(int(value))
        if key == "cost_per_request":
            return format_unit_price(Decimal(value))
        if key == "cached_share":
            return TEXTS["cached_share_value"].format(
                percent=f"{Decimal(value) * 100:f}".rstrip("0").rstrip(".")
            )
        if key == "usage_project":
            return link_text(self.answers.get(key), self.answers.get("usage_api_key"))
        labels = {option.value: option.label for option in self._options(key)}
        return labels.get(value, value)

    # Building prompts -------------------------------------------------------------------

    def _options(self, key: str) -> list[Option]:
        if key == "provider":
            return _label(PROVIDER_LABELS)
        if key == "model":
            return [Option(m, m) for m in self.suggestions] + [
                Option(COST_CHOICE, TEXTS["cost_option"])
            ]
        if key == "per":
            return _label(PER_LABELS)
        if key == "trigger":
            return _label(TRIGGER_LABELS)
        if key == "reader":
            return _label(READER_LABELS)
        if key == "freshness":
            return _label(FRESHNESS_LABELS)
        if key == "mode":
            return _label(MODE_LABELS)
        if key == SUMMARY:
            return [Option(v, TEXTS[v]) for v in ("save", "edit", "cancel")] + [
                Option(
                    CHANGE_PREFIX + k,
                    _shorten(
                        TEXTS["change"].format(title=q.title, value=self._display(k) or "—"), 75
                    ),
                )
                for k, q in QUESTIONS.items()
                if self._applies(k)
            ]
        if key == EDIT:
            return [
                Option(k, _shorten(f"{q.title}: {self._display(k) or '—'}", 75))
                for k, q in QUESTIONS.items()
                if self._applies(k)
            ] + [Option(START_CHOICE, TEXTS["edit_start"])]
        return []

    def _prompt(self) -> Prompt:
        key = self.current
        if key in (SUMMARY, EDIT):
            text = TEXTS["summary"] if key == SUMMARY else TEXTS["edit_question"]
            kind = PromptKind.CONFIRM if key == SUMMARY else PromptKind.CHOICE
            return Prompt(
                key=key,
                text=text,
                kind=kind,
                options=self._options(key),
                optional=False,
                default=None,
                error=self.error,
                hint=" ".join((TEXTS["hint_choice"], TEXTS["hint_commands"])),
                first=not self.history,
            )
        question = QUESTIONS[key]
        provider = self.answers.get("provider")
        requests = self.answers.get("requests")
        text = question.text.format(
            provider=PROVIDER_LABELS[Provider(provider)] if provider else "",
            count=format_count(Decimal(requests)) if requests else "",
        )
        default = self._display(key)
        hints = [
            {
                PromptKind.CHOICE: TEXTS["hint_choice"],
                PromptKind.MODEL: TEXTS["hint_model"],
            }.get(question.kind, TEXTS["hint_text"])
        ]
        if default is not None and key == "owner" and self.surface is Surface.SLACK:
            hints.append(TEXTS["hint_keep_owner"])  # a person, not an id, in Slack text
        elif default is not None:
            hints.append(TEXTS["hint_keep"].format(value=_shorten(default)))
        if question.optional:
            hints.append(TEXTS["hint_skip"])
        first = not self.history
        hints.append(TEXTS["hint_commands_first"] if first else TEXTS["hint_commands"])
        return Prompt(
            key=key,
            text=text,
            kind=question.kind,
            options=self._options(key),
            optional=question.optional,
            default=default,
            error=self.error,
            hint=" ".join(hints),
            first=first,
        )

    def _step(self, message: str | None = None) -> Step:
        if self.current == SUMMARY:
            missing = self._first_missing()
            if missing is not None:
                self.current = missing
            else:
                try:
                    assessment = assess(self._spec(), self.book)
                except PricingError as error:
                    return self._reprice(error)
                kind = StepKind.INVALID if self.error else StepKind.SUMMARY
                return Step(kind, prompt=self._prompt(), assessment=assessment, message=message)
        kind = StepKind.INVALID if self.error else StepKind.ASKED
        return Step(kind, prompt=self._prompt(), message=message)

    def _help(self) -> str:
        if self.current == SUMMARY:
            return TEXTS["help_summary"]
        if self.current == EDIT:
            return TEXTS["help_edit"]
        text = QUESTIONS[self.current].help
        if self.current == "owner" and self.surface is Surface.TERMINAL:
            text = TEXTS["owner_help_terminal"]
        return f"{text} {TEXTS['help_commands']}"

    def _not_optional(self) -> str:
        default = self._display(self.current) if self.current in QUESTIONS else None
        if default is None:
            return TEXTS["not_optional"]
        return f"{TEXTS['not_optional']} {TEXTS['hint_keep'].format(value=_shorten(default))}"

    def _require_active(self) -> None:
        if self.finished:
            raise ConversationFinished(f"the conversation was {self.status.value}")


def _answers_of(spec: WorkflowSpec) -> dict[str, str]:
    """An existing workflow's answers, as the conversation stores them."""
    answers = {
        "name": spec.name,
        "description": spec.description,
        "owner": spec.owner or "",
        "requests": _decimal_text(spec.requests),
        "per": Per(spec.per).value,
        "trigger": Trigger(spec.trigger).value,
        "reader": Reader(spec.reader).value,
        "freshness": Freshness(spec.freshness).value,
        "mode": Mode(spec.mode).value,
        "usage_project": spec.usage_project or "",
        "usage_api_key": spec.usage_api_key or "",
        "cached_share": "" if spec.cached_share is None else _decimal_text(spec.cached_share),
    }
    if spec.provider is not None:
        answers["provider"] = Provider(spec.provider).value
    if spec.model:
        answers["model"] = spec.model
    if spec.cost_per_request is not None:
        answers["pricing"] = COST_CHOICE
        answers["cost_per_request"] = _decimal_text(spec.cost_per_request)
    elif spec.model:
        answers["pricing"] = "model"
    if spec.input_tokens is not None:
        answers["input_tokens"] = str(spec.input_tokens)
    if spec.output_tokens is not None:
        answers["output_tokens"] = str(spec.output_tokens)
    return answers


_ANSWER_TYPES: Final[dict[str, Callable[[str], object]]] = {
    "provider": Provider,
    "per": Per,
    "trigger": Trigger,
    "reader": Reader,
    "freshness": Freshness,
    "mode": Mode,
    "requests": Decimal,
    "cost_per_request": Decimal,
    "input_tokens": int,
    "output_tokens": int,
    "cached_share": lambda value: value and Decimal(value),
}


def _check_answers(answers: Mapping[str, str]) -> None:
    """Stored answers must read back as what they were recorded as (raises ``ValueError``)."""
    for key, value in answers.items():
        if key not in QUESTIONS and key not in ("pricing", "usage_api_key"):
            raise ValueError(f"unknown answer {key!r}")
        reader = _ANSWER_TYPES.get(key)
        if reader is not None:
            try:
                reader(value)
            except ArithmeticError as error:  # decimal.InvalidOperation
                raise ValueError(f"bad {key} {value!r}") from error
    if answers.get("pricing", "model") not in ("model", COST_CHOICE):
        raise ValueError("unknown pricing")


def _optional_str(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _one_of(value: object, allowed: set[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"unknown step {value!r}")
    return value


# --- The summary card --------------------------------------------------------------------


def summary_lines(assessment: Assessment) -> list[tuple[str, str]]:
    """The summary card as (label, value) lines: class, rationale, prices, savings, advice.

    Values include user text (the name, the model) unescaped; front ends escape.
    """
    spec = assessment.spec
    classification = assessment.classification
    price = assessment.quote
    figures = assessment.figures
    latency_class = str(classification.latency_class)
    if classification.batch_disguised_as_stream:
        latency_class = TEXTS["card_disguised"].format(latency_class=latency_class)
    lines = [
        (TEXTS["card_workflow"], spec.name),
        (TEXTS["card_class"], latency_class),
        (TEXTS["card_why"], classification.rationale),
    ]
    lines += [(TEXTS["card_note"], note) for note in classification.notes]
    lines.append(
        (
            TEXTS["card_volume"],
            TEXTS["card_volume_value"].format(
                count=format_count(spec.requests),
                per=PER_LABELS[Per(spec.per)],
                monthly=format_count(figures.monthly_requests.to_integral_value()),
            ),
        )
    )
    lines.append((TEXTS["card_priced"], _priced_as(assessment)))
    lines.append(
        (
            TEXTS["card_per_request"],
            TEXTS[
                "card_per_request_value"
                if price.flex_per_request is None
                else "card_per_request_flex"
            ].format(
                sync=format_unit_price(price.sync_per_request),
                batch=format_unit_price(price.batch_per_request),
                basis=price.basis_note,
                flex=format_unit_price(price.flex_per_request or Decimal(0)),
            ),
        )
    )
    lines.append(
        (
            TEXTS["card_cost"],
            TEXTS["card_cost_value"].format(
                cost=format_monthly(figures.monthly_cost), mode=MODE_LABELS[Mode(spec.mode)]
            ),
        )
    )
    if figures.bucket is Bucket.REALISED:
        lines.append((TEXTS["card_realised"], format_monthly(figures.monthly_savings)))
    elif figures.bucket is Bucket.NONE:
        lines.append((TEXTS["card_savings"], TEXTS["card_savings_none"]))
    elif options := tier_options(figures):
        lines += options
    else:
        lines.append((TEXTS["card_savings"], format_monthly(figures.monthly_savings)))
    flex = tier_advice(figures.advice_tier) if figures.flex_now > 0 else None
    if flex is not None:
        lines.append((TEXTS["card_advice"], f"{flex.headline} {flex.change}"))
    else:
        lines.append((TEXTS["card_advice"], assessment.advice.headline))
    return lines


def _priced_as(assessment: Assessment) -> str:
    spec = assessment.spec
    if spec.cost_per_request is not None:
        return TEXTS["card_priced_cost"].format(cost=format_unit_price(spec.cost_per_request))
    provider = PROVIDER_LABELS[Provider(spec.provider)] if spec.provider else ""
    priced = assessment.quote.priced_model or spec.model or ""
    values = {
        "provider": provider,
        "model": priced,
        "typed": spec.model,
        "tokens_in": format_count(spec.input_tokens or 0),
        "tokens_out": format_count(spec.output_tokens or 0),
    }
    same = (spec.model or "").lower() == priced.lower()
    return TEXTS["card_priced_model" if same else "card_priced_alias"].format(**values)
