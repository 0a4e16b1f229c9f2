"""Inventory files are untrusted: each hostile or mislabelled file is refused with a clear
message (nothing stored) or neutralised, and names that look the same to a person are one
name. Shared in the bot's DM through the real Bolt app, on SQLite and on PostgreSQL (some
inputs crash only there: a NUL byte, a name that grows when case-folded)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from batchscout.audit.inventory import parse_csv, to_csv
from batchscout.storage.db import make_engine, upgrade
from tests.bot.slack_user import SlackUsers
from tests.bot.test_import import HEADER, reply, share
from tests.bot.test_registration import stored_workflows
from tests.fakes.slack_api import FakeSlack

ROW = "50000,day,0.01,schedule,report,day,sync"


@pytest.fixture
def bot_engine(database_url: str) -> Iterator[Engine]:
    """The app's database: SQLite, and PostgreSQL when TEST_POSTGRES_URL is set."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def csv_of(*names: str) -> str:
    return HEADER + "\n" + "".join(f'"{name}",{ROW}\n' for name in names)


BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
workflows:
  - name: *i
    requests: 5
"""
MERGE_KEY = """\
workflows:
  - name: Nightly ticket summaries
    requests: 50000
    per: day
    cost_per_request: 0.01
    trigger: schedule
    reader: report
    freshness: day
  - <<: {requests: 5, per: day}
    name: Merged
"""
REPEATED_KEY = """\
workflows:
  - name: Nightly ticket summaries
    requests: 50000
    requests: 7
    per: day
    cost_per_request: 0.01
    trigger: schedule
    reader: report
    freshness: day
"""


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("laughs.yaml", BILLION_LAUGHS, "line 2"),
        ("merge.yaml", MERGE_KEY, "line 9"),
        ("repeated.yaml", REPEATED_KEY, "line 4"),
        ("book.csv", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64, "Excel workbook"),
        ("utf16.csv", csv_of("Nightly").encode("utf-16"), "UTF-16"),
        ("utf16-no-bom.csv", csv_of("Nightly").encode("utf-16-le"), "UTF-16"),
        ("empty.csv", b"", "is empty"),
        ("nul.csv", csv_of("Night\x00ly"), "NUL byte"),
        ("folded.csv", csv_of("ß" * 50), "longer than 80"),
    ],
)
def test_a_hostile_or_mislabelled_file_is_refused_clearly_and_nothing_is_stored(
    name: str, data: str | bytes, says: str, users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    share(users, slack, name, data)

    answer = reply(users)
    assert says in answer.mrkdwn and "nothing was stored" in answer.mrkdwn, answer.mrkdwn
    assert "Traceback" not in answer.mrkdwn
    assert stored_workflows(bot_engine) == {}


@pytest.mark.parametrize(
    "lookalike",
    [
        "Nightly\u200b ticket summaries",  # a zero-width space
        "Nightly ticket  summaries",  # a doubled space
        "Nightly\u00a0ticket summaries",  # a no-break space
        "Ｎｉｇｈｔｌｙ ticket summaries",  # full-width letters
        "NIGHTLY TICKET SUMMARIES",
    ],
)
def test_names_that_look_the_same_to_a_person_are_one_workflow(
    lookalike: str, users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    share(users, slack, "first.csv", csv_of("Nightly ticket summaries"))
    assert "1 new" in reply(users).text

    share(users, slack, "second.csv", csv_of(lookalike))

    assert "0 new, 1 updated" in reply(users).text
    assert len(stored_workflows(bot_engine)) == 1


def test_decomposed_accents_and_a_bidi_override_are_stored_without_them(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    share(users, slack, "first.csv", csv_of("Cafe\u0301 \u202ereport"))

    assert "1 new" in reply(users).text
    assert list(stored_workflows(bot_engine)) == ["Café report"]


def test_a_name_with_a_doubled_space_can_be_shown_from_slack(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    share(users, slack, "first.csv", csv_of("Nightly  ticket summaries"))
    assert "1 new" in reply(users).text

    answer = users.command("show Nightly  ticket summaries")

    assert "Nightly ticket summaries" in answer.mrkdwn and "No workflow" not in answer.mrkdwn


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t=", "\r="])
def test_an_export_never_hands_a_spreadsheet_a_formula_and_reads_back_unchanged(
    start: str,
) -> None:
    formula = f'{start}HYPERLINK(""http://x"")'
    [spec] = parse_csv(f'{HEADER},description\nNightly,{ROW},"{formula}"\n')
    assert spec.description.startswith(start.strip())  # a pasted tab is not part of the value

    exported = to_csv([spec])

    [row] = list(csv.DictReader(io.StringIO(exported)))
    assert row["description"].startswith("'")  # a spreadsheet shows text, never runs it
    [again] = parse_csv(exported)
    assert again.description == spec.description
