"""Knowledge-check questions: their types, and where they come from.

Three sources (:class:`Source`): the YAML bank, numeric scenarios drawn fresh from a seed and
priced by :mod:`audit.savings`, and questions about a team's own workflows. An asked question
is a :class:`QuestionInstance`: the question as asked plus its seed and parameters, JSON-safe.
Reading replies and grading live in :mod:`audit.quiz`, which also re-exports this module's
public names.

The bank (``audit/questions.yaml``) ships as package data and is validated as a whole when it
is loaded: every problem is listed, by question, before anything is returned. A question's
``to_dict()`` has the same shape as a bank entry, so a question snapshot stored with an asked
question is read back by the same validator (:meth:`Question.from_dict`).

Bank entry shape::

    - id: classify-nightly-report        # stable slug, unique
      kind: choice                       # choice | numeric | free_text
      prompt: ...
      options: [four, option, texts, here]   # choice only, shown as A–D
      answer: C                          # choice: a letter A–D
      # numeric: {value: 7500, unit: usd, tolerance: 0}   absolute, in the unit
      #          {value: 72000, unit: usd, tolerance: 1%} relative to the value
      # free_text: {min_concepts: 2, concepts: [{name: ..., keywords: [...]}, ...]}
      explanation: ...
      tags: [latency-classes]
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache, partial
from importlib import resources
from typing import Final, TypeAlias

import yaml

from batchscout.audit.latency import (
    FRESHNESS_LABELS,
    READER_WORDS,
    TRIGGER_WORDS,
    Freshness,
    LatencyClass,
    Mode,
    Reader,
    Trigger,
    classify,
)
from batchscout.audit.money import format_count, format_unit_price, format_usd
from batchscout.audit.pricing import (
    PriceQuote,
    Provider,
    ServiceTier,
    cache_models,
    catalog_price,
    flex_models,
    priority_models,
    quote,
)
from batchscout.audit.savings import (
    DEFAULT_BATCH_RATIO,
    Per,
    WorkflowFigures,
    batch_savings,
    monthly_requests,
    per_month,
    portfolio,
    workflow_figures,
)
from batchscout.audit.text import and_list, normalise_text

JSONValue: TypeAlias = "str | int | bool | list[JSONValue] | dict[str, JSONValue] | None"

LETTERS: Final = ("A", "B", "C", "D")
BANK_RESOURCE: Final = "questions.yaml"
#: Ids generated outside the bank start with these; bank ids may not.
GENERATED_PREFIXES: Final = ("scenario-", "inventory-")
MAX_PROMPT = 1000
MAX_OPTION = 200

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ENTRY_KEYS: Final = frozenset({"id", "kind", "prompt", "options", "answer", "explanation", "tags"})


class QuestionKind(StrEnum):
    """How a question is answered."""

    CHOICE = "choice"
    NUMERIC = "numeric"
    FREE_TEXT = "free_text"


class Unit(StrEnum):
    """The unit of a numeric answer."""

    USD = "usd"
    COUNT = "count"
    PERCENT = "percent"
    HOURS = "hours"
    MINUTES = "minutes"


#: Points for a correct answer: a letter is cheap to guess, a number or an explanation is not.
POINTS: Final[dict[QuestionKind, int]] = {
    QuestionKind.CHOICE: 1,
    QuestionKind.NUMERIC: 2,
    QuestionKind.FREE_TEXT: 2,
}


class BankError(ValueError):
    """The question bank (or a stored question) is malformed; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            "Malformed knowledge-check questions:\n" + "\n".join(f"- {p}" for p in self.problems)
        )


@dataclass(frozen=True, slots=True)
class NumericAnswer:
    """A numeric answer: the value, its unit and how far off an answer may be."""

    value: Decimal
    unit: Unit
    tolerance: Decimal = Decimal(0)
    relative: bool = False
    """When true, ``tolerance`` is a fraction of ``value`` (0.02 = within 2%)."""

    def accepts(self, given: Decimal) -> bool:
        """Whether ``given`` (in this answer's unit) is within tolerance; the edge counts."""
        allowed = self.tolerance * abs(self.value) if self.relative else self.tolerance
        return abs(given - self.value) <= allowed


@dataclass(frozen=True, slots=True)
class Concept:
    """One idea a free-text answer must express, with the words that show it."""

    name: str
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rubric:
    """A free-text answer passes when it expresses ``min_concepts`` of ``concepts``."""

    concepts: tuple[Concept, ...]
    min_concepts: int


@dataclass(frozen=True, slots=True)
class Question:
    """One knowledge check, from the bank or generated.

    Exactly one answer field is set, matching ``kind``: ``correct`` (a letter, with four
    ``options``) for choice, ``numeric`` for numeric, ``rubric`` for free text.
    """

    id: str
    kind: QuestionKind
    prompt: str
    explanation: str
    tags: tuple[str, ...]
    options: tuple[str, ...] = ()
    correct: str | None = None
    numeric: NumericAnswer | None = None
    rubric: Rubric | None = None

    @property
    def points(self) -> int:
        """Points a correct answer earns."""
        return POINTS[self.kind]

    def option(self, letter: str) -> str:
        """The text of option ``letter`` (A–D)."""
        return self.options[LETTERS.index(letter.upper())]

    def to_dict(self) -> dict[str, JSONValue]:
        """The question as a bank entry: JSON- and YAML-safe (numbers as strings)."""
        data: dict[str, JSONValue] = {"id": self.id, "kind": self.kind.value, "prompt": self.prompt}
        if self.kind is QuestionKind.CHOICE:
            data["options"] = list(self.options)
            data["answer"] = self.correct
        elif self.numeric is not None:
            tolerance = _plain(self.numeric.tolerance * (100 if self.numeric.relative else 1))
            data["answer"] = {
                "value": _plain(self.numeric.value),
                "unit": self.numeric.unit.value,
                "tolerance": f"{tolerance}%" if self.numeric.relative else tolerance,
            }
        elif self.rubric is not None:
            data["answer"] = {
                "min_concepts": self.rubric.min_concepts,
                "concepts": [
                    {"name": c.name, "keywords": list(c.keywords)} for c in self.rubric.concepts
                ],
            }
        data["explanation"] = self.explanation
        data["tags"] = list(self.tags)
        return data

    @classmethod
    def from_dict(cls, data: object) -> Question:
        """Read a question from its ``to_dict()`` form; raises :class:`BankError` if malformed."""
        problems: list[str] = []
        question = _parse_entry(data, "question", problems)
        if question is None or problems:
            raise BankError(problems or ["question: unreadable"])
        return question


def _plain(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: ``7500``, ``0.02``, ``33.5``."""
    text = f"{value.normalize():f}"
    return text


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        try:
            result = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            return None
        return result if result.is_finite() else None
    return None


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _parse_numeric(answer: object, where: str, problems: list[str]) -> NumericAnswer | None:
    if not isinstance(answer, Mapping):
        problems.append(f"{where}: a numeric answer is a mapping with value, unit and tolerance")
        return None
    unknown = set(answer) - {"value", "unit", "tolerance"}
    if unknown:
        problems.append(f"{where}: unknown answer keys {sorted(map(str, unknown))}")
    value = _decimal(answer.get("value"))
    if value is None:
        problems.append(f"{where}: answer value must be a number")
    unit_text = answer.get("unit")
    unit = Unit(unit_text) if unit_text in {u.value for u in Unit} else None
    if unit is None:
        problems.append(
            f"{where}: answer unit must be one of {', '.join(u.value for u in Unit)} "
            f"(got {unit_text!r})"
        )
    raw_tolerance = answer.get("tolerance")
    relative = isinstance(raw_tolerance, str) and raw_tolerance.strip().endswith("%")
    tolerance = _decimal(
        raw_tolerance.strip().removesuffix("%") if isinstance(raw_tolerance, str) else raw_tolerance
    )
    if tolerance is None or tolerance < 0:
        problems.append(
            f"{where}: answer tolerance must be a number ≥ 0 (absolute) or a percentage "
            f"like '2%' (relative), got {raw_tolerance!r}"
        )
        return None
    if value is None or unit is None:
        return None
    return NumericAnswer(value, unit, tolerance / 100 if relative else tolerance, relative)


def _parse_rubric(answer: object, where: str, problems: list[str]) -> Rubric | None:
    if not isinstance(answer, Mapping) or not isinstance(answer.get("concepts"), list):
        problems.append(f"{where}: a free-text answer is a mapping with concepts and min_concepts")
        return None
    unknown = set(answer) - {"concepts", "min_concepts"}
    if unknown:
        problems.append(f"{where}: unknown answer keys {sorted(map(str, unknown))}")
    concepts: list[Concept] = []
    for number, raw in enumerate(answer["concepts"], start=1):
        name = _text(raw.get("name")) if isinstance(raw, Mapping) else None
        keywords = raw.get("keywords") if isinstance(raw, Mapping) else None
        words = (
            tuple(k.strip() for k in keywords if isinstance(k, str) and normalise_text(k))
            if isinstance(keywords, list)
            else ()
        )
        if name is None or not words or len(words) != len(keywords or ()):
            problems.append(
                f"{where}: concept {number} needs a name and a non-empty list of keywords "
                "(each with letters or digits)"
            )
            continue
        concepts.append(Concept(name, words))
    if not concepts:
        problems.append(f"{where}: a rubric needs at least one concept")
        return None
    minimum = answer.get("min_concepts")
    if isinstance(minimum, bool) or not isinstance(minimum, int):
        problems.append(f"{where}: min_concepts must be a whole number")
        return None
    if not 1 <= minimum <= len(concepts):
        problems.append(f"{where}: min_concepts must be between 1 and {len(concepts)}")
        return None
    return Rubric(tuple(concepts), minimum)


def _parse_choice(
    entry: Mapping[object, object], where: str, problems: list[str]
) -> tuple[tuple[str, ...], str] | None:
    options = entry.get("options")
    texts = (
        [_text(o) for o in options if isinstance(o, str | int | float)]
        if isinstance(options, list)
        else []
    )
    if not isinstance(options, list) or len(options) != len(LETTERS) or len(texts) != len(options):
        problems.append(f"{where}: a choice question needs exactly 4 options")
        return None
    if any(t is None or len(t) > MAX_OPTION for t in texts):
        problems.append(f"{where}: options must be non-empty text of at most {MAX_OPTION} chars")
        return None
    clean = tuple(t for t in texts if t is not None)
    normalised = [normalise_text(t) for t in clean]
    if len(set(normalised)) != len(normalised) or "" in normalised:
        problems.append(f"{where}: options must differ from one another (ignoring case)")
    if any(n in {"a", "b", "c", "d"} for n in normalised):
        problems.append(
            f"{where}: an option cannot be a lone letter A–D (replies would be ambiguous)"
        )
    letter = entry.get("answer")
    if not isinstance(letter, str) or letter.strip().upper() not in LETTERS:
        problems.append(f"{where}: a choice answer is one letter A–D (got {letter!r})")
        return None
    return clean, letter.strip().upper()


def _parse_entry(entry: object, where: str, problems: list[str]) -> Question | None:
    """One bank entry → a question; problems are appended, never raised."""
    if not isinstance(entry, Mapping):
        problems.append(f"{where}: each question is a mapping")
        return None
    before = len(problems)
    qid = entry.get("id")
    if not isinstance(qid, str) or not _SLUG.match(qid) or len(qid) > 80:
        problems.append(f"{where}: id must be a lower-case slug like 'classify-nightly-report'")
        qid = None
    else:
        where = f"{where} ({qid})"
    unknown = set(entry) - _ENTRY_KEYS
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(map(str, unknown))}")
    kind_text = entry.get("kind")
    kind = QuestionKind(kind_text) if kind_text in {k.value for k in QuestionKind} else None
    if kind is None:
        problems.append(
            f"{where}: kind must be one of {', '.join(k.value for k in QuestionKind)} "
            f"(got {kind_text!r})"
        )
    prompt = _text(entry.get("prompt"))
    if prompt is None or len(prompt) > MAX_PROMPT:
        problems.append(f"{where}: prompt must be non-empty text of at most {MAX_PROMPT} chars")
    explanation = _text(entry.get("explanation"))
    if explanation is None:
        problems.append(f"{where}: explanation must be non-empty text")
    tags = entry.get("tags")
    if (
        not isinstance(tags, list)
        or not tags
        or not all(isinstance(t, str) and _SLUG.match(t) for t in tags)
    ):
        problems.append(f"{where}: tags must be a non-empty list of slugs")
        tags = []
    if kind is not QuestionKind.CHOICE and "options" in entry:
        problems.append(f"{where}: only choice questions have options")
    options: tuple[str, ...] = ()
    correct: str | None = None
    numeric: NumericAnswer | None = None
    rubric: Rubric | None = None
    if kind is QuestionKind.CHOICE:
        parsed = _parse_choice(entry, where, problems)
        if parsed is not None:
            options, correct = parsed
    elif kind is QuestionKind.NUMERIC:
        numeric = _parse_numeric(entry.get("answer"), where, problems)
    elif kind is QuestionKind.FREE_TEXT:
        rubric = _parse_rubric(entry.get("answer"), where, problems)
    if len(problems) > before or qid is None or kind is None or prompt is None:
        return None
    assert explanation is not None  # a missing one was reported above
    return Question(
        id=qid,
        kind=kind,
        prompt=prompt,
        explanation=explanation,
        tags=tuple(str(t) for t in tags),
        options=options,
        correct=correct,
        numeric=numeric,
        rubric=rubric,
    )


def parse_bank(data: object) -> tuple[Question, ...]:
    """Validate a loaded bank (``{"questions": [...]}``) and return its questions.

    Raises :class:`BankError` listing every malformed question, duplicated id and reserved id.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("questions"), list):
        raise BankError(["the bank is a mapping with a 'questions' list"])
    problems: list[str] = []
    questions: list[Question] = []
    seen: set[str] = set()
    for number, entry in enumerate(data["questions"], start=1):
        question = _parse_entry(entry, f"question {number}", problems)
        if question is None:
            continue
        if question.id in seen:
            problems.append(f"question {number}: duplicated id {question.id!r}")
        elif question.id.startswith(GENERATED_PREFIXES):
            problems.append(
                f"question {number}: id {question.id!r} uses a prefix reserved for generated "
                f"questions ({', '.join(GENERATED_PREFIXES)})"
            )
        seen.add(question.id)
        questions.append(question)
    if problems:
        raise BankError(problems)
    return tuple(questions)


def parse_bank_yaml(text: str) -> tuple[Question, ...]:
    """Parse and validate a bank from YAML text (``yaml.safe_load``)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise BankError([f"not valid YAML: {error}"]) from error
    return parse_bank(data)


@cache
def load_bank() -> tuple[Question, ...]:
    """The shipped question bank, validated once and cached."""
    text = resources.files("batchscout.audit").joinpath(BANK_RESOURCE).read_text(encoding="utf-8")
    return parse_bank_yaml(text)


def bank_question(question_id: str) -> Question:
    """A bank question by id; raises ``KeyError`` when there is none."""
    for question in load_bank():
        if question.id == question_id:
            return question
    raise KeyError(question_id)


# --- Asked questions ------------------------------------------------------------------------

#: Generated scenarios accept answers within this fraction of the exact figure, so rounding the
#: per-request price or the month (30/7 weeks) on the way does not cost the point.
SCENARIO_TOLERANCE: Final = Decimal("0.02")


class Source(StrEnum):
    """Where an asked question came from."""

    BANK = "bank"
    SCENARIO = "scenario"
    INVENTORY = "inventory"


@dataclass(frozen=True, slots=True)
class TeamWorkflow:
    """A team's workflow as plain data, for questions about its own inventory."""

    name: str
    trigger: Trigger
    reader: Reader
    freshness: Freshness
    mode: Mode
    latency_class: LatencyClass

    @classmethod
    def from_answers(
        cls, name: str, trigger: Trigger, reader: Reader, freshness: Freshness, mode: Mode
    ) -> TeamWorkflow:
        """A workflow whose latency class is computed from its answers by :func:`classify`."""
        latency_class = classify(trigger, reader, freshness).latency_class
        return cls(
            name, Trigger(trigger), Reader(reader), Freshness(freshness), Mode(mode), latency_class
        )

    @property
    def batch_disguised_as_stream(self) -> bool:
        """Near-real-time, yet nobody watches the result arrive."""
        return (
            self.latency_class is LatencyClass.NEAR_REAL_TIME
            and classify(self.trigger, self.reader, self.freshness).batch_disguised_as_stream
        )

    def to_dict(self) -> dict[str, JSONValue]:
        """Plain JSON data."""
        return {
            "name": self.name,
            "trigger": self.trigger.value,
            "reader": self.reader.value,
            "freshness": self.freshness.value,
            "mode": self.mode.value,
            "latency_class": self.latency_class.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> TeamWorkflow:
        """Read :meth:`to_dict`'s output; raises ``ValueError`` when malformed."""
        name = data.get("name")
        if not isinstance(name, str):
            raise ValueError("a workflow needs a name")
        return cls(
            name,
            Trigger(str(data.get("trigger"))),
            Reader(str(data.get("reader"))),
            Freshness(str(data.get("freshness"))),
            Mode(str(data.get("mode"))),
            LatencyClass(str(data.get("latency_class"))),
        )


@dataclass(frozen=True, slots=True)
class QuestionInstance:
    """A question as asked: the question itself plus how it was made.

    ``seed`` and ``params`` record how a scenario or inventory question was drawn (``seed`` is
    None for bank questions); ``question`` is the snapshot that is graded.
    """

    question: Question
    source: Source
    seed: int | None = None
    params: dict[str, JSONValue] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """The question's id (a bank id, or a scenario/inventory template id)."""
        return self.question.id

    @property
    def kind(self) -> QuestionKind:
        """The question's kind."""
        return self.question.kind

    def to_dict(self) -> dict[str, JSONValue]:
        """JSON-serializable form; :meth:`from_dict` reads it back equal."""
        return {
            "source": self.source.value,
            "seed": self.seed,
            "params": json.loads(json.dumps(self.params)),
            "question": self.question.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> QuestionInstance:
        """Read :meth:`to_dict`'s output; raises ``ValueError`` (or :class:`BankError`)."""
        source = data.get("source")
        seed = data.get("seed")
        params = data.get("params")
        if source not in {s.value for s in Source}:
            raise ValueError(f"unknown question source {source!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError("a question's seed is a whole number or null")
        if not isinstance(params, dict):
            raise ValueError("a question's params are a mapping")
        try:
            # A JSON round trip both checks the params are JSON and copies them.
            copied: dict[str, JSONValue] = json.loads(json.dumps(params))
        except (TypeError, ValueError) as error:
            raise ValueError(f"a question's params are not JSON: {error}") from error
        return cls(Question.from_dict(data.get("question")), Source(str(source)), seed, copied)


def format_value(value: Decimal, unit: Unit) -> str:
    """A numeric answer for people: ``$7,500``, ``720,000``, ``30%``, ``24 hours``."""
    if unit is Unit.USD:
        return format_usd(value)
    if unit is Unit.COUNT:
        return format_count(value.quantize(Decimal("0.1")) if value % 1 else value)
    shown = f"{value.quantize(Decimal('0.01')).normalize():f}" if value % 1 else f"{value:.0f}"
    if unit is Unit.PERCENT:
        return f"{shown}%"
    word = "hour" if unit is Unit.HOURS else "minute"
    return f"{shown} {word}{'' if value == 1 else 's'}"


# --- Generated scenarios ---------------------------------------------------------------------

#: Synchronous prices per request a scenario draws from (an ordered tuple: seeds must replay).
_PRICES: Final = tuple(
    Decimal(price)
    for price in (
        "0.002",
        "0.003",
        "0.004",
        "0.005",
        "0.006",
        "0.008",
        "0.01",
        "0.012",
        "0.015",
        "0.02",
        "0.025",
        "0.03",
        "0.04",
        "0.05",
    )
)
_JOBS: Final = (
    ("summarises", "support tickets"),
    ("tags", "product reviews"),
    ("enriches", "CRM records"),
    ("classifies", "invoices"),
    ("translates", "help-centre articles"),
    ("scores", "sales leads"),
    ("extracts fields from", "contracts"),
)
_CADENCE_WORDS: Final[dict[Per, tuple[str, str]]] = {
    Per.HOUR: ("Every hour", "an hour"),
    Per.DAY: ("Every night", "a night"),
    Per.WEEK: ("Every week", "a week"),
}
_MONTH_NOTE: Final[dict[Per, str]] = {
    Per.HOUR: "× 720 hours",
    Per.DAY: "× 30 nights",
    Per.WEEK: "× 30/7 weeks",
}


def _cadence_volume(rng: random.Random, per: Per) -> Decimal:
    if per is Per.HOUR:
        return Decimal(rng.randrange(2, 41) * 50)
    if per is Per.DAY:
        return Decimal(rng.randrange(1, 41) * 2_500)
    return Decimal(rng.randrange(1, 41) * 7_000)  # a multiple of 7: whole requests per month


def _scenario_question(
    template: str,
    prompt: str,
    value: Decimal,
    unit: Unit,
    explanation: str,
    tags: tuple[str, ...],
    tolerance: Decimal = SCENARIO_TOLERANCE,
    relative: bool = True,
) -> Question:
    return Question(
        id=template,
        kind=QuestionKind.NUMERIC,
        prompt=prompt,
        explanation=explanation,
        tags=("scenario", *tags),
        numeric=NumericAnswer(value, unit, tolerance, relative),
    )


_MONTH_FACTOR: Final[dict[Per, str]] = {Per.HOUR: "720", Per.DAY: "30", Per.WEEK: "30/7"}


def _per_request_working(price: Decimal, batch_price: Decimal, volume: Decimal, per: Per) -> str:
    """How a scheduled job's monthly saving is reached, without restating it (the reveal
    says the answer once): the saving per request, times the requests in a month."""
    saved = format_unit_price(price - batch_price)
    _when, rate = _CADENCE_WORDS[per]
    return (
        f"Each request saves {format_unit_price(price)} − {format_unit_price(batch_price)} = "
        f"{saved} on batch, and a month holds {format_count(volume)} {rate} {_MONTH_NOTE[per]}: "
        f"{saved} × {format_count(volume)} × {_MONTH_FACTOR[per]}."
    )


def _cadence_savings(rng: random.Random) -> tuple[Question, dict[str, JSONValue]]:
    per = rng.choice((Per.HOUR, Per.DAY, Per.WEEK))
    verb, things = rng.choice(_JOBS)
    volume = _cadence_volume(rng, per)
    price = rng.choice(_PRICES)
    batch_price = price * DEFAULT_BATCH_RATIO
    figures = workflow_figures(
        sync_per_request=price,
        batch_per_request=batch_price,
        requests=volume,
        per=per,
        latency_class=LatencyClass.SCHEDULED,
        mode=Mode.SYNC,
    )
    when, _rate = _CADENCE_WORDS[per]
    prompt = (
        f"{when}, a job {verb} {format_count(volume)} {things} at {format_unit_price(price)} "
        "each on a synchronous API; nobody reads the results until later. Moving it to the "
        "batch API at half the price saves how much per month? (A month is 30 days.)"
    )
    explanation = _per_request_working(price, batch_price, volume, per)
    params: dict[str, JSONValue] = {
        "cadence": per.value,
        "job": f"{verb} {things}",
        "requests": str(volume),
        "cost_per_request": str(price),
    }
    question = _scenario_question(
        "scenario-cadence-savings",
        prompt,
        figures.monthly_savings,
        Unit.USD,
        explanation,
        ("savings-formula", "money"),
    )
    return question, params


def _negotiated_rate(rng: random.Random) -> tuple[Question, dict[str, JSONValue]]:
    per = rng.choice((Per.HOUR, Per.DAY, Per.WEEK))
    volume = _cadence_volume(rng, per)
    price = rng.choice(_PRICES)
    ratio = rng.choice((Decimal("0.4"), Decimal("0.45"), Decimal("0.5"), Decimal("0.6")))
    batch_price = price * ratio
    saved = per_month(batch_savings(price, batch_price, volume), per)
    when, _rate = _CADENCE_WORDS[per]
    prompt = (
        f"Your synchronous price is {format_unit_price(price)} per request and your "
        f"negotiated batch price is {format_unit_price(batch_price)}. {when}, a scheduled job "
        f"sends {format_count(volume)} requests. What does the batch API save per month? "
        "(A month is 30 days.)"
    )
    explanation = _per_request_working(price, batch_price, volume, per)
    params: dict[str, JSONValue] = {
        "cadence": per.value,
        "requests": str(volume),
        "cost_per_request": str(price),
        "batch_cost_per_request": str(batch_price),
    }
    question = _scenario_question(
        "scenario-negotiated-rate", prompt, saved, Unit.USD, explanation, ("savings-formula",)
    )
    return question, params


def _share_portfolio(
    calls: Decimal, price: Decimal, share: int
) -> tuple[Decimal, Decimal, Decimal]:
    """Spend, savings and spend after for ``calls`` a month with ``share``% batch-eligible."""
    eligible = calls * share / 100
    kinds = ((eligible, LatencyClass.SCHEDULED), (calls - eligible, LatencyClass.REAL_TIME))
    figures = portfolio(
        workflow_figures(
            sync_per_request=price,
            batch_per_request=price * DEFAULT_BATCH_RATIO,
            requests=requests,
            per=Per.MONTH,
            latency_class=latency_class,
            mode=Mode.SYNC,
        )
        for requests, latency_class in kinds
    )
    return figures.monthly_spend, figures.migrate_now, figures.spend_after


def _eligible_share(rng: random.Random) -> tuple[Question, dict[str, JSONValue]]:
    calls = Decimal(rng.choice((2, 3, 4, 5, 6, 8, 10, 12, 15, 20))) * 1_000_000
    price = rng.choice(_PRICES[4:])
    share = rng.choice((30, 40, 50, 60, 70, 80, 90))
    asks = rng.choice(("saved", "after"))
    spend, saved, after = _share_portfolio(calls, price, share)
    question_text = (
        "how much does it save per month?"
        if asks == "saved"
        else "what will it spend per month afterwards?"
    )
    prompt = (
        f"A platform makes {format_count(calls)} LLM calls a month and spends "
        f"{format_usd(spend)} on them. {share}% of the calls have no one waiting for the answer. "
        f"If those calls move to the batch API at half price, {question_text}"
    )
    # The right answer is said once, by the reveal: the working leads to it, never restates it.
    explanation = (
        f"{share}% of the {format_usd(spend)} can move and batch halves it: "
        f"{format_usd(spend)} × {share}% × 50%."
        if asks == "saved"
        else f"{share}% of {format_usd(spend)} is {format_usd(spend * share / 100)} that can "
        f"move; half of it, {format_usd(saved)}, is saved, so the bill is "
        f"{format_usd(spend)} − {format_usd(saved)}."
    )
    params: dict[str, JSONValue] = {
        "calls": str(calls),
        "cost_per_request": str(price),
        "eligible_percent": share,
        "asks": asks,
    }
    question = _scenario_question(
        "scenario-eligible-share",
        prompt,
        saved if asks == "saved" else after,
        Unit.USD,
        explanation,
        ("eligible-share", "worked-case"),
    )
    return question, params


def _total_cut(rng: random.Random) -> tuple[Question, dict[str, JSONValue]]:
    share = rng.choice((30, 35, 40, 45, 50, 55, 60))
    calls = Decimal(rng.choice((1, 2, 5, 10))) * 1_000_000
    price = rng.choice(_PRICES)
    spend, saved, _after = _share_portfolio(calls, price, share)
    cut = saved / spend * 100
    prompt = (
        f"In a company where every LLM request costs about the same, {share}% of requests have "
        "no person actively waiting. If exactly those move to the batch API at half price, by "
        "what percentage does total inference spend fall?"
    )
    explanation = (
        f"Only the {share}% of spend with no one waiting gets the half-price discount, so the "
        f"total falls by {share}% × 50%."
    )
    params: dict[str, JSONValue] = {
        "calls": str(calls),
        "cost_per_request": str(price),
        "eligible_percent": share,
    }
    question = _scenario_question(
        "scenario-total-cut",
        prompt,
        cut,
        Unit.PERCENT,
        explanation,
        ("eligible-share",),
        tolerance=Decimal(1),
        relative=False,
    )
    return question, params


def _monthly_volume(rng: random.Random) -> tuple[Question, dict[str, JSONValue]]:
    per = rng.choice((Per.HOUR, Per.DAY, Per.WEEK))
    volume = _cadence_volume(rng, per)
    month = monthly_requests(volume, per)
    when, rate = _CADENCE_WORDS[per]
    prompt = (
        f"{when}, a job sends {format_count(volume)} requests to the batch API. Batchscout "
        "counts a month as 30 days. How many requests is that per month?"
    )
    explanation = (
        f"A month is 30 days, so {format_count(volume)} {rate} {_MONTH_NOTE[per]}. Daily "
        "figures count 30 times, weekly ones 30 ÷ 7 and hourly ones 720."
    )
    params: dict[str, JSONValue] = {"cadence": per.value, "requests": str(volume)}
    question = _scenario_question(
        "scenario-monthly-volume",
        prompt,
        month,
        Unit.COUNT,
        explanation,
        ("month",),
        tolerance=Decimal("0.01"),
    )
    return question, params


#: Token shapes (input, output) a flex scenario draws from.
_TOKEN_SHAPES: Final = ((800, 200), (1200, 300), (1500, 400), (2000, 500), (3000, 600), (4000, 800))
_FLEX_JOBS: Final = (
    "triages each incoming support ticket into a queue",
    "summarises each pull request into a Slack channel",
    "drafts a reply to each inbound sales email for a person to review later",
    "tags each new product review",
)


#: Volumes a scenario draws before it draws its model and tokens again: the answer may be a
#: fixed multiple of the volume that passes for the volume itself (a premium of about $1 a
#: month per daily request), and then no volume would do.
_VOLUME_TRIES: Final = 40
#: Models and tokens a scenario draws at most; every catalog so far needs one or two.
_SCENARIO_DRAWS: Final = 50


def _unmistakable_volume(
    rng: random.Random,
    step: int,
    answer_for: Callable[[Decimal], NumericAnswer],
    stated: tuple[int, ...],
) -> tuple[Decimal, NumericAnswer] | None:
    """A daily volume (a multiple of ``step``, 2 to 40 of them) whose answer no figure the
    prompt states (the volume, ``stated``) passes for; ``None`` when :data:`_VOLUME_TRIES`
    draws find none (draw the model and tokens again)."""
    for _ in range(_VOLUME_TRIES):
        volume = Decimal(rng.randrange(2, 41) * step)
        answer = answer_for(volume)
        if not answer.accepts(volume) and not any(answer.accepts(Decimal(n)) for n in stated):
            return volume, answer
    return None


@dataclass(frozen=True, slots=True)
class _Drawn:
    """An OpenAI workflow a scenario drew: model, tokens, job, price, volume and answer."""

    model: str
    tokens_in: int
    tokens_out: int
    job: str
    price: PriceQuote
    volume: Decimal
    answer: NumericAnswer


def _draw_openai(
    rng: random.Random,
    models: Sequence[str],
    jobs: Sequence[str],
    step: int,
    answer_for: Callable[[PriceQuote, Decimal], NumericAnswer],
) -> _Drawn:
    """Draw a model, tokens and a job, then a volume whose answer no stated figure passes
    for (:func:`_unmistakable_volume`), drawing the model and tokens again when none does."""
    for _ in range(_SCENARIO_DRAWS):
        model = rng.choice(models)
        tokens_in, tokens_out = rng.choice(_TOKEN_SHAPES)
        job = rng.choice(jobs)
        price = quote(
            provider=Provider.OPENAI,
            model=model,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            cost_per_request=None,
        )
        found = _unmistakable_volume(rng, step, partial(answer_for, price), (tokens_in, tokens_out))
        if found is not None:
            return _Drawn(model, tokens_in, tokens_out, job, price, *found)
    raise AssertionError("no scenario without an ambiguous answer was drawn")


def _quoted_figures(
    price: PriceQuote, volume: Decimal, latency_class: LatencyClass, mode: Mode
) -> WorkflowFigures:
    """The month of a workflow running ``volume`` requests a day at a catalog quote, with
    every lane the quote prices."""
    return workflow_figures(
        sync_per_request=price.sync_per_request,
        batch_per_request=price.batch_per_request,
        requests=volume,
        per=Per.DAY,
        latency_class=latency_class,
        mode=mode,
        flex_per_request=price.flex_per_request,
        priority_per_request=price.priority_per_request,
    )


def _flex_answer(price: PriceQuote, volume: Decimal) -> NumericAnswer:
    figures = _quoted_figures(price, volume, LatencyClass.NEAR_REAL_TIME, Mode.SYNC)
    return NumericAnswer(figures.flex_monthly_savings, Unit.USD, SCENARIO_TOLERANCE, True)


def _flex_savings(rng: random.Random) -> tuple[Question, dict[str, JSONValue]]:
    """Flex against standard for a near-real-time job, priced from the catalog (SPEC.md,
    "Service tiers"): only models the catalog prices on flex are drawn."""
    drawn = _draw_openai(rng, flex_models(Provider.OPENAI), _FLEX_JOBS, 5_000, _flex_answer)
    model, tokens_in, tokens_out, job = drawn.model, drawn.tokens_in, drawn.tokens_out, drawn.job
    price, volume, answer = drawn.price, drawn.volume, drawn.answer
    assert price.flex_per_request is not None  # flex_models lists only flex-priced models
    sync, flex = price.sync_per_request, price.flex_per_request
    prompt = (
        f"A webhook-triggered job {job}: {format_count(volume)} requests a day on OpenAI "
        f"{model}, each {format_count(tokens_in)} input and {format_count(tokens_out)} output "
        f"tokens, with results wanted within minutes. The price catalog gives "
        f"{format_unit_price(sync)} per request on the standard tier and "
        f'{format_unit_price(flex)} on flex (`service_tier="flex"`). What does flex save '
        "per month, with no change to the UX? (A month is 30 days.)"
    )
    explanation = (
        f"Flex answers within minutes at a lower price per request: ({format_unit_price(sync)} − "
        f"{format_unit_price(flex)}) × {format_count(volume)} × 30. The batch API would not fit: "
        "it only promises results within 24 hours."
    )
    params: dict[str, JSONValue] = {
        "model": model,
        "requests": str(volume),
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "cost_per_request": str(sync),
        "flex_cost_per_request": str(flex),
    }
    question = _scenario_question(
        "scenario-flex-savings",
        prompt,
        answer.value,
        Unit.USD,
        explanation,
        ("service-tiers", "flex", "money"),
    )
    return question, params


_NIGHTLY_JOBS: Final = (
    "enriches every new CRM record",
    "summarises the day's closed support tickets for a morning report",
    "classifies the day's uploaded documents",
    "writes product descriptions for tomorrow's catalogue",
)


def _priority_answer(price: PriceQuote, volume: Decimal) -> NumericAnswer:
    figures = _quoted_figures(price, volume, LatencyClass.SCHEDULED, Mode.PRIORITY)
    return NumericAnswer(figures.priority_waste, Unit.USD, SCENARIO_TOLERANCE, True)


def _priority_waste(rng: random.Random) -> tuple[Question, dict[str, JSONValue]]:
    """Priority on scheduled work (SPEC.md, "Every lane"): the premium over the batch API,
    priced from the catalog; only models the catalog prices on priority are drawn."""
    drawn = _draw_openai(
        rng, priority_models(Provider.OPENAI), _NIGHTLY_JOBS, 2_500, _priority_answer
    )
    model, tokens_in, tokens_out, job = drawn.model, drawn.tokens_in, drawn.tokens_out, drawn.job
    price, volume, answer = drawn.price, drawn.volume, drawn.answer
    assert price.priority_per_request is not None  # priority_models: priority-priced ones
    priority, batch = price.priority_per_request, price.batch_per_request
    prompt = (
        f"A nightly job {job}: {format_count(volume)} requests a night on OpenAI {model}, each "
        f"{format_count(tokens_in)} input and {format_count(tokens_out)} output tokens, read "
        f'the next morning. Its client sends `service_tier="priority"` on every call. The '
        f"price catalog gives {format_unit_price(priority)} per request on priority, "
        f"{format_unit_price(price.sync_per_request)} on standard and "
        f"{format_unit_price(batch)} on the batch API. What does it pay each month above the "
        "cheapest lane this work allows? (A month is 30 days.)"
    )
    explanation = (
        "Nobody waits for this work, so the batch API is the cheapest lane it allows: "
        f"({format_unit_price(priority)} − {format_unit_price(batch)}) × {format_count(volume)} "
        "× 30. Drop the premium tier first, then move to batch."
    )
    params: dict[str, JSONValue] = {
        "model": model,
        "requests": str(volume),
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "priority_cost_per_request": str(priority),
        "batch_cost_per_request": str(batch),
    }
    question = _scenario_question(
        "scenario-priority-waste",
        prompt,
        answer.value,
        Unit.USD,
        explanation,
        ("service-tiers", "priority", "money"),
    )
    return question, params


_CACHED_SHARES: Final = (Decimal("0.5"), Decimal("0.6"), Decimal("0.7"), Decimal("0.8"))
_CHAT_JOBS: Final = (
    "answers customers in the product's chat panel",
    "suggests replies while a support agent types",
    "answers questions in an internal help desk bot",
)


_PROVIDER_NAMES: Final = {Provider.OPENAI: "OpenAI", Provider.ANTHROPIC: "Anthropic"}


def _cache_model(rng: random.Random) -> tuple[Provider, str]:
    """A chat model whose catalog entry prices cache reads on standard and batch."""
    chat = set(priority_models(Provider.OPENAI)) | set(flex_models(Provider.OPENAI))
    choices = [(Provider.OPENAI, m) for m in cache_models(Provider.OPENAI) if m in chat]
    choices += [(Provider.ANTHROPIC, m) for m in cache_models(Provider.ANTHROPIC)]
    return rng.choice(choices)


def _cache_figures(
    rng: random.Random, mode: Mode
) -> tuple[Provider, str, int, int, Decimal, Decimal, Decimal, str]:
    """A drawn cached workflow: provider, model, tokens, share, volume, saving, job."""
    for _ in range(_SCENARIO_DRAWS):
        provider, model = _cache_model(rng)
        tokens_in, tokens_out = rng.choice(_TOKEN_SHAPES)
        share = rng.choice(_CACHED_SHARES)
        job = rng.choice(_CHAT_JOBS)
        lane = ServiceTier.BATCH if mode is Mode.BATCH else ServiceTier.STANDARD
        price = quote(
            provider=provider,
            model=model,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            cost_per_request=None,
            cached_share=share,
            lane=lane,
        )
        per_request = price.cache_saving_per_request
        assert per_request is not None  # cache_models price cache reads

        def saving(volume: Decimal, per_request: Decimal = per_request) -> NumericAnswer:
            return NumericAnswer(per_request * volume * 30, Unit.USD, SCENARIO_TOLERANCE, True)

        stated = (tokens_in, tokens_out, int(share * tokens_in))
        found = _unmistakable_volume(rng, 5_000, saving, stated)
        if found is not None:
            volume, answer = found
            return provider, model, tokens_in, tokens_out, share, volume, answer.value, job
    raise AssertionError("no cache scenario without an ambiguous answer was drawn")


def _cache_savings(rng: random.Random) -> tuple[Question, dict[str, JSONValue]]:
    """What prompt caching saves a real-time workflow, priced with the catalog's cache-read
    price (warm cache assumed, cache writes not counted)."""
    provider, model, tokens_in, tokens_out, share, volume, saving, job = _cache_figures(
        rng, Mode.SYNC
    )
    prices = catalog_price(provider, model)
    full, read = prices.input_per_mtok, prices.cache_read[ServiceTier.STANDARD]
    cached = int(share * tokens_in)
    prompt = (
        f"A chat feature {job}: {format_count(volume)} requests a day on "
        f"{_PROVIDER_NAMES[provider]} {model}, "
        f"each {format_count(tokens_in)} input tokens (of which the same {format_count(cached)}-"
        f"token system prompt and instructions start every request) and "
        f"{format_count(tokens_out)} output tokens. The catalog prices input at "
        f"{format_unit_price(full)} and a cache read at {format_unit_price(read)} per million "
        "tokens. With a warm prompt cache (ignore cache writes), what does caching save per "
        "month? (A month is 30 days.)"
    )
    explanation = (
        "A person is waiting, so batch is out, but each cached token costs the cache-read "
        f"price instead of the input price: {format_count(cached)} × ({format_unit_price(full)} − "
        f"{format_unit_price(read)}) ÷ 1,000,000 × {format_count(volume)} × 30."
    )
    params: dict[str, JSONValue] = {
        "provider": str(provider),
        "model": model,
        "requests": str(volume),
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "cached_tokens": cached,
        "input_per_mtok": str(full),
        "cache_read_per_mtok": str(read),
    }
    question = _scenario_question(
        "scenario-cache-savings",
        prompt,
        saving,
        Unit.USD,
        explanation,
        ("prompt-caching", "money"),
    )
    return question, params


def _batch_cache_stack(rng: random.Random) -> tuple[Question, dict[str, JSONValue]]:
    """Batch and caching stack differently by provider: what caching saves on the batch API,
    with the catalog's batch cache-read price (halved with input on some providers and
    models, left at the standard cache-read price on others)."""
    provider, model, tokens_in, tokens_out, share, volume, saving, _job = _cache_figures(
        rng, Mode.BATCH
    )
    prices = catalog_price(provider, model)
    batch_in, batch_read = prices.batch_input_per_mtok, prices.cache_read[ServiceTier.BATCH]
    standard_read = prices.cache_read[ServiceTier.STANDARD]
    cached = int(share * tokens_in)
    stacks = batch_read < standard_read
    prompt = (
        f"A nightly job on {_PROVIDER_NAMES[provider]} {model} sends {format_count(volume)} "
        "requests a night "
        f"through the batch API, each {format_count(tokens_in)} input tokens (the first "
        f"{format_count(cached)} the same on every request) and {format_count(tokens_out)} "
        f"output tokens. On the batch API the catalog prices input at "
        f"{format_unit_price(batch_in)} and a cache read at {format_unit_price(batch_read)} per "
        f"million tokens (standard cache read: {format_unit_price(standard_read)}). With a warm "
        "cache (ignore cache writes), what does caching add to the batch saving per month? "
        "(A month is 30 days.)"
    )
    how = (
        "the batch discount applies to cache reads too, so the two discounts stack"
        if stacks
        else "batch halves input but not cache reads, so the two discounts overlap"
    )
    explanation = (
        f"On {_PROVIDER_NAMES[provider]} {model} {how}: {format_count(cached)} × "
        f"({format_unit_price(batch_in)} − {format_unit_price(batch_read)}) ÷ 1,000,000 × "
        f"{format_count(volume)} × 30."
    )
    params: dict[str, JSONValue] = {
        "provider": str(provider),
        "model": model,
        "requests": str(volume),
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "cached_tokens": cached,
        "input_per_mtok": str(batch_in),
        "cache_read_per_mtok": str(batch_read),
    }
    question = _scenario_question(
        "scenario-batch-cache-stack",
        prompt,
        saving,
        Unit.USD,
        explanation,
        ("prompt-caching", "service-tiers", "money"),
    )
    return question, params


_TEMPLATES: Final = {
    "scenario-cadence-savings": _cadence_savings,
    "scenario-negotiated-rate": _negotiated_rate,
    "scenario-eligible-share": _eligible_share,
    "scenario-total-cut": _total_cut,
    "scenario-monthly-volume": _monthly_volume,
    "scenario-flex-savings": _flex_savings,
    "scenario-priority-waste": _priority_waste,
    "scenario-cache-savings": _cache_savings,
    "scenario-batch-cache-stack": _batch_cache_stack,
}
#: Ids of the scenario templates; an asked scenario's id is its template's.
SCENARIO_TEMPLATES: Final = tuple(_TEMPLATES)


def scenario_question(template: str, seed: int) -> QuestionInstance:
    """A numeric scenario with figures drawn from ``random.Random(seed)``.

    The same template and seed always give the same question; the answer is computed by
    :mod:`audit.savings`. Raises ``KeyError`` for an unknown template.
    """
    question, params = _TEMPLATES[template](random.Random(seed))
    return QuestionInstance(question, Source.SCENARIO, seed, {"template": template, **params})


# --- Questions about a team's own workflows --------------------------------------------------

_NONE_OF_THEM: Final = "None of them"


@dataclass(frozen=True, slots=True)
class _Variant:
    id: str
    prompt: str
    tags: tuple[str, ...]

    def fits(self, workflow: TeamWorkflow) -> bool:
        if self.id == "inventory-batch-eligible":
            return workflow.latency_class is LatencyClass.SCHEDULED and workflow.mode is Mode.SYNC
        if self.id == "inventory-real-time":
            return workflow.latency_class is LatencyClass.REAL_TIME
        return workflow.batch_disguised_as_stream

    def distracts(self, workflow: TeamWorkflow) -> bool:
        if self.id == "inventory-batch-eligible":
            return workflow.latency_class is not LatencyClass.SCHEDULED
        return not self.fits(workflow)


_VARIANTS: Final = (
    _Variant(
        "inventory-batch-eligible",
        "Which of these three workflows of yours could move to the batch API now "
        "(it is scheduled: hourly, daily or weekly)?",
        ("inventory", "latency-classes"),
    ),
    _Variant(
        "inventory-real-time",
        "Which of these three workflows of yours must stay on a streaming API "
        "(real-time: someone waits on screen for it)?",
        ("inventory", "latency-classes", "reverse-mistake"),
    ),
    _Variant(
        "inventory-disguised-stream",
        "Which of these three workflows of yours looks like batch disguised as stream "
        "(near-real-time, but nobody watches the result arrive)?",
        ("inventory", "disguised-stream"),
    ),
)


def _what_it_is(workflow: TeamWorkflow) -> str:
    """A workflow's latency class in words: ``scheduled``, ``batch disguised as stream``."""
    if workflow.batch_disguised_as_stream:
        return "batch disguised as stream"
    if workflow.latency_class is LatencyClass.NEAR_REAL_TIME:
        return "near-real-time with a person watching"
    return workflow.latency_class.value


def _why_it_fits(variant: _Variant, workflow: TeamWorkflow) -> str:
    """Why the right workflow fits the variant, in words and without its name."""
    needed = FRESHNESS_LABELS[workflow.freshness]
    if variant.id == "inventory-batch-eligible":
        return f"{TRIGGER_WORDS[workflow.trigger].capitalize()} and it is needed {needed}, so it can wait for a batch"
    if variant.id == "inventory-real-time":
        return f"{TRIGGER_WORDS[workflow.trigger].capitalize()} and {READER_WORDS[workflow.reader]} {needed}"
    return f"It is needed {needed}, but {READER_WORDS[workflow.reader]}: nobody watches it arrive"


def _usable(workflows: Sequence[TeamWorkflow]) -> list[TeamWorkflow]:
    """Workflows whose names can be options: distinct, and never mistaken for a letter."""
    seen: set[str] = {normalise_text(_NONE_OF_THEM)}
    usable: list[TeamWorkflow] = []
    for workflow in workflows:
        name = normalise_text(workflow.name)
        if name and name not in seen and name not in {"a", "b", "c", "d"}:
            seen.add(name)
            usable.append(workflow)
    return usable


def inventory_question(
    workflows: Sequence[TeamWorkflow], seed: int, *, avoid_ids: Collection[str] = ()
) -> QuestionInstance | None:
    """A choice question about three of the team's own workflows, or None without variety.

    Needs, for some variant, one workflow that fits (scheduled and still on sync; real-time;
    disguised stream) and two that do not. The fourth option is "None of them", which is the
    answer when the seed picks three that do not fit and the team has them. Variants whose id
    is in ``avoid_ids`` are used only when no other one is possible.
    """
    rng = random.Random(seed)
    usable = _usable(workflows)
    feasible = []
    for variant in _VARIANTS:
        fits = [w for w in usable if variant.fits(w)]
        others = [w for w in usable if variant.distracts(w)]
        if fits and len(others) >= 2:
            feasible.append((variant, fits, others))
    if not feasible:
        return None
    fresh = [f for f in feasible if f[0].id not in avoid_ids]
    variant, fits, others = rng.choice(fresh or feasible)
    none_of_them = len(others) >= 3 and rng.random() < 0.25
    chosen = rng.sample(others, 3) if none_of_them else [rng.choice(fits), *rng.sample(others, 2)]
    target = None if none_of_them else chosen[0]
    rng.shuffle(chosen)
    correct = "D" if target is None else LETTERS[chosen.index(target)]
    # The reveal names the right answer once; the explanation says why in words (never the
    # answers' codes), naming only the other workflows.
    rest = and_list([f"{w.name} is {_what_it_is(w)}" for w in chosen if w is not target])
    explanation = rest + "." if target is None else f"{_why_it_fits(variant, target)}; {rest}."
    question = Question(
        id=variant.id,
        kind=QuestionKind.CHOICE,
        prompt=variant.prompt,
        explanation=explanation,
        tags=variant.tags,
        options=(*(w.name for w in chosen), _NONE_OF_THEM),
        correct=correct,
    )
    params: dict[str, JSONValue] = {
        "variant": variant.id,
        "workflows": [w.to_dict() for w in chosen],
    }
    return QuestionInstance(question, Source.INVENTORY, seed, params)


# --- Choosing a question ---------------------------------------------------------------------

#: How often each source is drawn when all are available.
SOURCE_WEIGHTS: Final[dict[Source, int]] = {Source.BANK: 5, Source.SCENARIO: 3, Source.INVENTORY: 2}


def _fresh(ids: Sequence[str], recent: Collection[str]) -> list[str]:
    fresh = [i for i in ids if i not in recent]
    return fresh or list(ids)


def pick_question(
    rng: random.Random,
    *,
    recent_ids: Collection[str],
    inventory: Sequence[TeamWorkflow] | None = None,
    kinds: Collection[QuestionKind] | None = None,
) -> QuestionInstance:
    """Choose a question for a channel: bank, scenario or inventory, avoiding ``recent_ids``.

    Sources are drawn by :data:`SOURCE_WEIGHTS`; the inventory is used when given and varied
    enough. ``kinds`` limits the kinds (e.g. no free text where no grading is possible). Ids
    asked recently are avoided while any other fits. Deterministic for a given ``rng`` state.
    """
    allowed = set(kinds) if kinds is not None else set(QuestionKind)
    bank = [q for q in load_bank() if q.kind in allowed]
    sources = [s for s in Source if s is not Source.INVENTORY or inventory]
    if QuestionKind.NUMERIC not in allowed:
        sources.remove(Source.SCENARIO)
    if QuestionKind.CHOICE not in allowed and Source.INVENTORY in sources:
        sources.remove(Source.INVENTORY)
    if not bank:
        sources.remove(Source.BANK)
    if not sources:
        raise ValueError(f"no questions of the kinds {sorted(allowed)}")
    first = rng.choices(sources, weights=[SOURCE_WEIGHTS[s] for s in sources])[0]
    seed = rng.getrandbits(32)
    asked_lately: QuestionInstance | None = None
    for source in [first, *(s for s in sources if s is not first)]:
        instance: QuestionInstance | None
        if source is Source.SCENARIO:
            template = rng.choice(_fresh(SCENARIO_TEMPLATES, recent_ids))
            instance = scenario_question(template, seed)
        elif source is Source.BANK:
            by_id = {q.id: q for q in bank}
            instance = QuestionInstance(by_id[rng.choice(_fresh(list(by_id), recent_ids))], source)
        else:
            instance = inventory_question(inventory or (), seed, avoid_ids=recent_ids)
        if instance is not None and instance.id not in recent_ids:
            return instance
        asked_lately = asked_lately or instance
    # Everything that fits was asked lately: repeat rather than ask nothing.
    if asked_lately is None:
        raise ValueError("the inventory is not varied enough for a question")
    return asked_lately
