"""Inventory files are untrusted: each hostile or mislabelled file is refused with a clear
message (nothing stored) or neutralised, and names that look the same to a person are one
name. Shared in the bot's DM through the real Bolt app, on SQLite and on PostgreSQL (some
inputs crash only there: a NUL byte, a name that grows when case-folded)."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from batchscout.audit.inventory import WorkflowSpec, parse_csv, to_csv
from batchscout.storage.db import session_scope
from batchscout.storage.queries import import_specs
from tests.bot.conftest import engine_on
from tests.bot.seed import seed, spec
from tests.bot.slack_user import SlackUsers
from tests.bot.test_import import HEADER, reply, share
from tests.bot.test_registration import stored_workflows
from tests.fakes.slack_api import FakeSlack

ROW = "50000,day,0.01,schedule,report,day,sync"


@pytest.fixture
def bot_engine(database_url: str) -> Iterator[Engine]:
    """The app's database: SQLite, and PostgreSQL when TEST_POSTGRES_URL is set."""
    yield from engine_on(database_url)


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


def test_two_imports_at_once_into_one_workspace_both_land_without_a_traceback(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    names = [f"Report {n:03d}" for n in range(400)]
    barrier = threading.Barrier(2)

    def upload(user: str) -> None:
        barrier.wait()
        share(users, slack, f"{user}.csv", csv_of(*names), user=user)

    threads = [threading.Thread(target=upload, args=(u,)) for u in ("U0ALICE", "U0BOB")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    texts = sorted(reply(users, f"D{u}").mrkdwn for u in ("U0ALICE", "U0BOB"))
    assert all("Imported" in t or "Share it again in a minute" in t for t in texts), texts
    assert any("400 new" in t for t in texts)
    assert len(stored_workflows(bot_engine)) == 400


def test_an_import_colliding_with_another_process_says_try_again_in_one_line(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process (the CLI, a second server) stores the same new names between this
    import's read of the workspace and its write: a unique-key violation, told in one line."""
    import batchscout.services.importing as importing

    real = importing.read_inventory

    def raced(stream: io.StringIO, filename: str) -> Iterator[WorkflowSpec]:
        specs = list(real(stream, filename))
        yield specs[0]  # this import has read what the workspace holds...
        with session_scope(bot_engine) as session:  # ...when the other one commits
            import_specs(session=session, team_id="T0TEST", specs=specs)
        yield from specs[1:]

    monkeypatch.setattr(importing, "read_inventory", raced)
    seed(bot_engine, spec("Nightly ticket summaries"))  # the workspace exists already

    share(users, slack, "mine.csv", csv_of(*[f"Report {n:03d}" for n in range(300)]))

    answer = reply(users)
    assert "Share it again in a minute" in answer.mrkdwn and "nothing" in answer.mrkdwn
    assert len(stored_workflows(bot_engine)) == 301  # the other import's, whole
