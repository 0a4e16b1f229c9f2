"""Every knowledge check's explanation does its sums right, and no question gives its answer
away: the bank, and generated scenarios over many seeds, are checked as people would read them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest

from batchscout.audit.latency import Freshness, Mode, Reader, Trigger
from batchscout.audit.money import format_unit_price, format_usd
from batchscout.audit.quiz import (
    SCENARIO_TEMPLATES,
    ParsedAnswer,
    Question,
    QuestionKind,
    TeamWorkflow,
    Unit,
    ask_text,
    bank_question,
    format_value,
    inventory_question,
    load_bank,
    parse_answer,
    reveal_text,
    scenario_question,
)
from batchscout.audit.text import normalise_text

SEEDS = range(150)

_NUMBER = r"\$?\d[\d,]*(?:\.\d+)?(?:/\d+)?%?"
_TOKEN = re.compile(
    rf"(?P<range>{_NUMBER}–{_NUMBER})|(?P<num>{_NUMBER})|(?P<op>[×−+÷()=])|"
    r"(?P<stop>[:;,]\s|\.\s|\.$)|(?P<word>[A-Za-z][\w'-]*)"
)


def _value(text: str) -> Decimal:
    """``$1,234.5`` → 1234.5, ``30%`` → 0.30, ``30/7`` → 30/7."""
    percent = text.endswith("%")
    text = text.strip("$%").replace(",", "")
    if "/" in text:
        top, bottom = text.split("/")
        value = Decimal(top) / Decimal(bottom)
    else:
        value = Decimal(text)
    return value / 100 if percent else value


def _half_unit(text: str) -> Decimal:
    """Half of the last digit shown: the most a shown figure can be off by rounding."""
    digits = text.strip("$%").replace(",", "")
    places = len(digits.partition(".")[2])
    half = Decimal(5) / Decimal(10) ** (places + 1)
    return half / 100 if text.endswith("%") else half


def _evaluate(tokens: list[tuple[str, str]], end: int) -> Decimal:
    expression = "".join(
        {"×": "*", "−": "-", "+": "+", "÷": "/", "(": "(", ")": ")"}.get(text, "")
        if kind == "op"
        else f"Decimal('{_value(text)}')"
        for kind, text in tokens
    )
    assert expression, f"no expression at token {end}"
    return eval(expression, {"Decimal": Decimal})  # the test's own arithmetic, on its own text


def equations(text: str) -> Iterator[tuple[str, Decimal, Decimal, Decimal]]:
    """Each ``expression = value`` in ``text``: (what was read, computed, stated, allowed gap).

    The expression is the run of figures and operators just before ``=`` (words between
    them, like "a night" or "weeks", are skipped); ranges (``30–60%``) are computed at both
    ends."""
    tokens = [(m.lastgroup or "", m.group()) for m in _TOKEN.finditer(text)]
    for index, (kind, _text) in enumerate(tokens):
        if kind != "op" or _text != "=":
            continue
        left: list[tuple[str, str]] = []
        depth = 0
        for before_kind, before in reversed(tokens[:index]):
            if before_kind == "word":
                continue
            if before_kind in ("stop",) or before == "=":
                break
            if before_kind in ("num", "range") and left and left[0][0] in ("num", "range"):
                break  # "12% and 60% × 50%": the 12% belongs to the sentence before
            if before == ")":
                depth += 1
            if before == "(":
                if depth == 0:
                    break
                depth -= 1
            left.insert(0, (before_kind, before))
        right: list[tuple[str, str]] = []
        for after_kind, after in tokens[index + 1 :]:
            if after_kind == "word":
                continue
            if after_kind == "stop" or after == "=":
                break
            if after_kind in ("num", "range") and right and right[-1][0] in ("num", "range"):
                break
            right.append((after_kind, after))
        while right and right[-1][1] == "(":
            right.pop()
        if not any(k in ("num", "range") for k, _t in left):
            continue  # a formula in words: "Savings = (stream − batch) × eligible requests"
        assert right, f"nothing after = in {text!r}"
        about = "about" in text[m_end(text, index, tokens) :][:12]
        shown = " ".join(t for _k, t in [*left, ("op", "="), *right])
        ranged = any(k == "range" for k, _t in left + right)
        for end in (0, 1) if ranged else (0,):

            def pick(kind: str, value: str, end: int = end) -> tuple[str, str]:
                if kind != "range":
                    return (kind, value)
                low, high = value.split("–")
                if not low.endswith("%") and high.endswith("%"):
                    low += "%"
                return ("num", (low, high)[end])

            computed = _evaluate([pick(k, t) for k, t in left], index)
            stated = _evaluate([pick(k, t) for k, t in right], index)
            last = [pick(k, t)[1] for k, t in right if k in ("num", "range")][-1]
            gap = _half_unit(last) + abs(stated) * Decimal("0.002")
            if about:
                gap += abs(stated) * Decimal("0.02")
            yield shown, computed, stated, gap


def m_end(text: str, index: int, tokens: list[tuple[str, str]]) -> int:
    """Where the ``index``-th token's ``=`` is in ``text``."""
    position = 0
    for _kind, token in tokens[: index + 1]:
        position = text.index(token, position) + len(token)
    return position


_PERCENT_OF = re.compile(rf"(?P<share>{_NUMBER}) of (?P<whole>{_NUMBER}) is (?P<part>{_NUMBER})")
_HALF_OF = re.compile(rf"is (?P<whole>{_NUMBER})[^;.]*; half of it, (?P<half>{_NUMBER})")


def checked_sums(text: str) -> int:
    """Check every sum ``text`` states; return how many there were."""
    count = 0
    for shown, computed, stated, gap in equations(text):
        assert abs(computed - stated) <= gap, f"{shown}: the left side is {computed}"
        count += 1
    for match in _PERCENT_OF.finditer(text):
        share, whole, part = (_value(match[g]) for g in ("share", "whole", "part"))
        assert abs(share * whole - part) <= _half_unit(match["part"]), match.group()
        count += 1
    for match in _HALF_OF.finditer(text):
        whole, half = _value(match["whole"]), _value(match["half"])
        assert abs(whole / 2 - half) <= _half_unit(match["half"]) * 2, match.group()
        count += 1
    return count


def workings(text: str) -> list[Decimal]:
    """The value of each run of figures and operators in ``text`` that has an operator and no
    ``=`` (words between figures, like "a night", are skipped): the working of a sum whose
    result is left to the reveal."""
    values: list[Decimal] = []
    run: list[tuple[str, str]] = []
    for match in [*_TOKEN.finditer(text), None]:
        kind = "stop" if match is None else match.lastgroup or ""
        if kind == "word":
            continue
        adjacent = kind == "num" and run and run[-1][0] == "num"  # "30 ÷ 7 and … 720"
        if adjacent or kind in ("stop", "range") or (match is not None and match.group() == "="):
            figures = [k for k, _t in run if k == "num"]
            ops = [t for k, t in run if k == "op"]
            if len(figures) >= 2 and ops and ops.count("(") == ops.count(")"):
                values.append(_evaluate(run, 0))
            run = []
            if not adjacent:
                continue
        assert match is not None
        run.append((kind, match.group()))
    return values


def leads_to_its_answer(question: Question) -> bool:
    """Whether some working in the explanation gives the question's answer (in its unit)."""
    assert question.numeric is not None
    scale = 100 if question.numeric.unit is Unit.PERCENT else 1
    return any(question.numeric.accepts(v * scale) for v in workings(question.explanation))


def test_the_checker_catches_the_sums_people_noticed() -> None:
    with pytest.raises(AssertionError):
        checked_sums("so the total falls by 30% × 50% = 20%.")
    with pytest.raises(AssertionError):
        checked_sums("a typical 30–60% eligible share × 50% = 20–30% of total spend.")
    with pytest.raises(AssertionError):
        checked_sums("Per month: 2,500 a night × 30 nights = 70,000 requests.")
    assert checked_sums("30–60% × 50% = 15–30%; $0.01 − $0.005 = $0.005 a request.") == 3


@pytest.mark.parametrize("question", load_bank(), ids=lambda q: q.id)
def test_every_bank_explanation_adds_up(question: Question) -> None:
    checked_sums(question.explanation)


@pytest.mark.parametrize("template", SCENARIO_TEMPLATES)
def test_every_scenario_explanation_adds_up_whatever_the_figures(template: str) -> None:
    for seed in SEEDS:
        question = scenario_question(template, seed).question
        checked_sums(question.explanation)
        # The explanation's working leads to the answer (which the reveal states, once).
        assert question.numeric is not None
        assert leads_to_its_answer(question), question.explanation


def test_the_total_cut_explanation_states_no_range_it_contradicts() -> None:
    """ "30% × 50% = 15% … a typical share is a cut of 20–30%" contradicted itself; now the
    explanation is the instance's own working, which gives the answer."""
    for seed in SEEDS:
        question = scenario_question("scenario-total-cut", seed).question
        assert "–" not in question.explanation
        assert leads_to_its_answer(question)


def _numeric_questions() -> Iterator[Question]:
    yield from (q for q in load_bank() if q.kind is QuestionKind.NUMERIC)
    for template in SCENARIO_TEMPLATES:
        for seed in SEEDS:
            yield scenario_question(template, seed).question


def test_no_question_gives_its_own_answer_away() -> None:
    """No figure in the question as posted (prompt and how-to-reply hint) is a right answer."""
    given_away = []
    for question in _numeric_questions():
        assert question.numeric is not None
        asked = ask_text(question)
        for figure in re.findall(rf"{_NUMBER}(?: (?:hours?|minutes?))?", asked):
            reply = parse_answer(question, figure)
            if isinstance(reply, ParsedAnswer) and question.numeric.accepts(
                reply.value or Decimal(-1)
            ):
                given_away.append((question.id, figure, asked))
    assert not given_away, given_away[:3]


def test_the_format_hint_example_is_never_a_right_answer() -> None:
    """The example in "Reply … like X" is read as an answer and graded wrong, on every
    numeric question, whatever its unit."""
    units = set()
    for question in _numeric_questions():
        assert question.numeric is not None
        hint = ask_text(question).rsplit("\n", 1)[1]
        example = hint.rsplit("like ", 1)[1].rstrip(".")
        reply = parse_answer(question, example)
        assert isinstance(reply, ParsedAnswer) and reply.value is not None, hint
        assert not question.numeric.accepts(reply.value), (question.id, hint)
        units.add(question.numeric.unit)
    assert units >= {Unit.USD, Unit.COUNT, Unit.PERCENT, Unit.HOURS, Unit.MINUTES}


def test_inventory_questions_explain_without_false_sums() -> None:
    workflows = [
        TeamWorkflow.from_answers(name, trigger, reader, freshness, Mode.SYNC)
        for name, trigger, reader, freshness in (
            ("Nightly report", Trigger.SCHEDULE, Reader.REPORT, Freshness.DAY),
            ("Chat", Trigger.USER, Reader.ON_SCREEN, Freshness.SECONDS),
            ("Alerts", Trigger.EVENT, Reader.LATER, Freshness.MINUTES),
            ("Search", Trigger.USER, Reader.ON_SCREEN, Freshness.SECONDS),
        )
    ]
    for seed in SEEDS:
        instance = inventory_question(workflows, seed)
        assert instance is not None
        checked_sums(instance.question.explanation)


# --- The rule for every explanation (issue 24) -----------------------------------------------

#: At most this many words (a word has a letter or a digit: "×" and "−" are not words).
MAX_WORDS = 35
#: An answer given as a code: ``freshness `day```, ``trigger schedule``, ``reader on-screen``.
_ANSWER_CODE = re.compile(
    r"\b(?:trigger|reader|freshness)\s+(?:is\s+)?`?(?:user|event|schedule|on-screen|later|report|"
    r"system|seconds|minutes|hour|day|week)(?![\w-])",
    re.IGNORECASE,
)
_MONEY = re.compile(
    r"\$\d+(?:,\d{3})*(?:\.\d+)?(?P<suffix>[KkMmBb]\b)?(?P<after>/mo\b| a month| per month| monthly)?"
)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def _every_explained_question() -> Iterator[Question]:
    yield from load_bank()
    for template in SCENARIO_TEMPLATES:
        for seed in SEEDS:
            yield scenario_question(template, seed).question
    workflows = [
        TeamWorkflow.from_answers(name, trigger, reader, freshness, Mode.SYNC)
        for name, trigger, reader, freshness in (
            ("Nightly report", Trigger.SCHEDULE, Reader.REPORT, Freshness.DAY),
            ("Chat", Trigger.USER, Reader.ON_SCREEN, Freshness.SECONDS),
            ("Alerts", Trigger.EVENT, Reader.LATER, Freshness.MINUTES),
            ("Search", Trigger.USER, Reader.ON_SCREEN, Freshness.SECONDS),
            ("Weekly digest", Trigger.SCHEDULE, Reader.LATER, Freshness.WEEK),
            ("Live captions", Trigger.EVENT, Reader.ON_SCREEN, Freshness.MINUTES),
        )
    ]
    for seed in SEEDS:
        instance = inventory_question(workflows, seed)
        assert instance is not None
        yield instance.question


def _times_named(question: Question, text: str) -> int:
    """How often ``text`` names the right answer: a choice's option text (as words), a
    number as the reveal writes it."""
    if question.kind is QuestionKind.CHOICE:
        assert question.correct is not None
        option = normalise_text(question.option(question.correct))
        return len(re.findall(rf"(?<!\w){re.escape(option)}(?!\w)", normalise_text(text)))
    if question.kind is QuestionKind.NUMERIC:
        assert question.numeric is not None
        shown = format_value(question.numeric.value, question.numeric.unit)
        return len(re.findall(rf"(?<![\d.,$–]){re.escape(shown)}(?![\d]|[.,]\d)", text))
    return 0  # a free-text answer is the rubric's concepts, named by the reveal


def test_every_explanation_is_the_answer_once_and_a_sentence_or_two_in_plain_words() -> None:
    """Issue 24: "an explanation is the right answer and one or two sentences, not 120 words
    with codes, shown once". The reveal (and a person's grade) states the right answer; the
    explanation says why in at most two sentences and ~35 words, never restates it, never
    uses the answers' codes, and writes money in the one format (``$20.70/month``)."""
    seen = 0
    for question in _every_explained_question():
        text = question.explanation
        where = f"{question.id}: {text}"
        words = [w for w in text.split() if re.search(r"\w", w)]
        assert len(words) <= MAX_WORDS, where
        assert 1 <= len(_SENTENCE_END.findall(text)) <= 2 and text.endswith("."), where
        assert "`" not in text and not _ANSWER_CODE.search(text), where
        assert _times_named(question, text) == 0, where
        if question.kind is not QuestionKind.FREE_TEXT:
            assert _times_named(question, reveal_text(question)) == 1, where
        for money in _MONEY.finditer(text):
            figure = money.group().split("/")[0].split(" ")[0]
            value = _value(figure)
            assert not money["suffix"] and not money["after"], where
            assert figure in (format_usd(value), format_unit_price(value)), where
        seen += 1
    assert seen >= len(load_bank()) + len(SCENARIO_TEMPLATES) * len(SEEDS)


def test_the_rule_catches_what_people_saw() -> None:
    """The issue's instance: codes in backticks, the answer said twice, a long paragraph."""
    question = bank_question("classify-nightly-ticket-summaries")
    assert _times_named(question, "Scheduled: freshness day makes it scheduled.") == 2
    assert _times_named(question, "It runs on a schedule.") == 0
    assert _ANSWER_CODE.search("Trigger schedule, reader report, freshness day")
    assert _ANSWER_CODE.search("freshness is `day`")
    bad = _MONEY.search("about $72K a month")
    assert bad is not None and bad["suffix"] and bad["after"]
