"""Importing an inventory from Slack: ``/batchscout import`` says how, and a CSV or YAML file
shared in the bot's DM is stored whole or not at all, in the sharer's workspace only."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from batchscout.delivery.blocks.importing import MAX_PROBLEMS_SHOWN
from batchscout.services.importing import (
    MAX_FILE_BYTES,
    DownloadError,
    FileTooLarge,
    download,
    is_slack_file_url,
)
from tests.bot.conftest import engine_on
from tests.bot.limits import assert_within_limits
from tests.bot.seed import seed, spec
from tests.bot.slack_user import TEAM, Posted, SlackUsers
from tests.bot.test_manifest import METHOD_SCOPES
from tests.bot.test_registration import stored_workflows
from tests.conftest import LogLines
from tests.fakes.slack_api import FakeSlack

DM = "DU0TEST"
OTHER_TEAM = "T0OTHER"
HEADER = "name,requests,per,cost_per_request,trigger,reader,freshness,mode"
GOOD_CSV = f"""{HEADER}
Nightly ticket summaries,50000,day,0.01,schedule,report,day,sync
Support reply drafts,2000,day,0.02,user,on-screen,seconds,sync
Embeddings index,1000,day,0.001,schedule,system,week,batch
"""
GOOD_YAML = """workflows:
  - name: Weekly churn report
    provider: other
    requests: 400
    per: week
    cost_per_request: 0.5
    trigger: schedule
    reader: report
    freshness: week
  - name: Ticket triage
    requests: 10000
    per: day
    cost_per_request: 0.002
    trigger: event
    reader: later
    freshness: minutes
"""

_file_ids = itertools.count(1)


def share(
    users: SlackUsers,
    slack: FakeSlack,
    name: str,
    data: bytes | str,
    *,
    comment: str = "",
    user: str = "U0TEST",
    team: str = TEAM,
    described: bool = True,
    event_id: str | None = None,
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> str:
    """``user`` uploads a file in their DM with the bot; returns the file's id.

    ``described``: the event carries the whole file object (as usual); otherwise only its id
    and ``file_access: check_file_info``, and the bot must ask ``files.info``.
    """
    raw = data.encode() if isinstance(data, str) else data
    file_id = f"F0SHARED{next(_file_ids):04d}"
    slack.files[file_id] = (name, raw)
    file = (
        slack.file_object(file_id, name, raw) | overrides
        if described
        else {"id": file_id, "file_access": "check_file_info"}
    )
    status = users.say(
        comment,
        user=user,
        team=team,
        event_id=event_id,
        headers=headers,
        extra={"subtype": "file_share", "files": [file], "upload": False},
    )
    assert status == 200, status
    return file_id


def reply(users: SlackUsers, channel: str = DM) -> Posted:
    """The bot's latest message in the DM, checked against Block Kit's limits."""
    posted = users.last_post(channel)
    assert_within_limits(posted.blocks)
    return posted


def downloads(slack: FakeSlack) -> list[str]:
    return [c.params["file"] for c in slack.calls("file_download")]


def test_the_import_command_says_where_to_upload_and_which_columns(users: SlackUsers) -> None:
    answer = users.command("import")

    assert_within_limits(answer.blocks)
    assert "Messages" in answer.mrkdwn and "`import`" in answer.mrkdwn
    assert "`name`" in answer.mrkdwn and "`cost_per_request`" in answer.mrkdwn
    assert "`on-screen`" in answer.mrkdwn and "2 MB" in answer.mrkdwn
    assert "batchscout export --team T0TEST" in answer.mrkdwn
    # Typed with a file name after it, the same guidance.
    assert users.command("import inventory.csv").mrkdwn == answer.mrkdwn
    assert "`/batchscout import`" in users.command("help").mrkdwn


def test_a_csv_shared_in_the_dm_is_imported_and_the_home_tab_refreshed(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    file_id = share(users, slack, "inventory.csv", GOOD_CSV)

    answer = reply(users)
    assert "Imported 3 workflows: 3 new, 0 updated" in answer.text
    assert "“inventory.csv”" in answer.text
    # 15,000 + 1,200 + 15 a month; the nightly summaries save half of theirs.
    assert "*$16,215/month*" in answer.mrkdwn and "*$7,500/month*" in answer.mrkdwn
    assert set(stored_workflows(bot_engine)) == {
        "Nightly ticket summaries",
        "Support reply drafts",
        "Embeddings index",
    }
    assert downloads(slack) == [file_id]
    assert slack.last("file_download").token == "xoxb-test"
    assert not slack.calls("files.info")  # the event said all that was needed
    home = slack.last("views.publish")
    assert home.params["user_id"] == "U0TEST"
    assert "Nightly ticket summaries" in str(home.params["view"])
    used = {c.method for c in slack.calls()} - {"response_url"}
    assert used <= set(METHOD_SCOPES), used - set(METHOD_SCOPES)

    # The same names again update; a new one is added.
    share(
        users,
        slack,
        "inventory.csv",
        GOOD_CSV.replace("50000", "60000") + "Extra,5,day,1,user,later,day,sync\n",
    )
    assert "Imported 4 workflows: 1 new, 3 updated" in reply(users).text
    assert stored_workflows(bot_engine)["Nightly ticket summaries"].requests == Decimal(60000)


def test_a_yaml_file_works_when_slack_sends_only_its_id(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    share(users, slack, "team-inventory.yml", GOOD_YAML, comment="import", described=False)

    assert slack.last("files.info").params["file"].startswith("F0SHARED")
    assert "Imported 2 workflows: 2 new, 0 updated" in reply(users).text
    stored = stored_workflows(bot_engine)
    assert set(stored) == {"Weekly churn report", "Ticket triage"}
    assert stored["Ticket triage"].batch_disguised_as_stream is True


def test_a_file_with_bad_rows_is_rejected_whole(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    seed(bot_engine, spec("Nightly ticket summaries", requests="50000"))
    slack.reset()
    bad = (
        f"{HEADER}\n"
        "Nightly ticket summaries,90000,day,0.01,schedule,report,day,sync\n"  # fine on its own
        "<!channel> & co,-5,day,0.01,schedule,report,day,sync\n"
        "Chat assist,10,fortnight,0.01,sometimes,on-screen,seconds,sync\n"
    )
    share(users, slack, "inventory.csv", bad)

    answer = reply(users)
    assert "rejected" in answer.text and "nothing was stored" in answer.text
    for where in (
        "line 3, column requests",
        "line 4, column per",
        "line 4, column trigger",
    ):
        assert where in answer.mrkdwn, answer.mrkdwn
    assert "3 problems" in answer.text
    assert "<!channel>" not in answer.formatted  # pings no one
    stored = stored_workflows(bot_engine)
    assert list(stored) == ["Nightly ticket summaries"]
    assert stored["Nightly ticket summaries"].requests == Decimal(50000)  # not half-updated
    assert not slack.calls("views.publish")


def test_a_model_the_catalog_cannot_price_rejects_the_file_too(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    csv = (
        "name,provider,model,requests,per,input_tokens,output_tokens,trigger,reader,freshness\n"
        "Typo,openai,gpt-4o-mimi,5,day,100,100,user,later,day\n"
        "Fine,openai,gpt-4o-mini,5,day,100,100,user,later,day\n"
    )
    share(users, slack, "priced.csv", csv)

    answer = reply(users)
    assert "nothing was stored" in answer.text
    assert "line 2, column model" in answer.mrkdwn
    assert stored_workflows(bot_engine) == {}


def test_many_problems_show_the_first_ones_and_a_count(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    rows = "".join(f"W{n} {'x' * 200},-1,day,0.01,user,later,day,sync\n" for n in range(150))
    share(users, slack, "inventory.csv", f"{HEADER}\n{rows}")

    answer = reply(users)
    shown = [line for line in answer.mrkdwn.splitlines() if line.startswith("• line ")]
    assert len(shown) == MAX_PROBLEMS_SHOWN
    # Each row: a name over 80 characters and a negative request count.
    assert "300 problems" in answer.text and "260 more" in answer.mrkdwn
    assert stored_workflows(bot_engine) == {}


def test_a_file_that_is_not_utf8_is_refused_clearly(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    share(
        users,
        slack,
        "inventory.csv",
        f"{HEADER}\nCafé,5,day,1,user,later,day,sync\n".encode("latin-1"),
    )

    answer = reply(users)
    assert "not UTF-8" in answer.text and "nothing was stored" in answer.text
    assert stored_workflows(bot_engine) == {}


def test_an_oversized_file_is_refused_before_or_while_downloading(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    big = (HEADER + "\n").encode() + b"x" * MAX_FILE_BYTES
    share(users, slack, "huge.csv", big)

    answer = reply(users)
    assert "“huge.csv” is 2.1 MB" in answer.text and "up to 2 MB" in answer.text
    assert "nothing was stored" in answer.text
    assert downloads(slack) == []  # Slack said how big it was

    # When the event understates the size, the download stops at the cap.
    share(users, slack, "huge.csv", big, size=100)
    assert "is more than 2 MB" in reply(users).text
    assert len(downloads(slack)) == 1
    assert stored_workflows(bot_engine) == {}


def test_a_failed_download_is_a_friendly_message_and_a_log_line_without_the_token(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine, log_lines: LogLines
) -> None:
    slack.fail_http("file_download", status=500)
    share(users, slack, "inventory.csv", GOOD_CSV)

    answer = reply(users)
    assert "could not download “inventory.csv”" in answer.text
    assert "nothing was stored" in answer.text
    assert stored_workflows(bot_engine) == {}
    (failure,) = log_lines.named("import_download_failed")
    assert failure["status"] == 500 and failure["team_id"] == "T0TEST"
    assert "xoxb-test" not in log_lines.text


def test_a_download_url_off_slack_never_gets_the_token(
    users: SlackUsers, slack: FakeSlack, log_lines: LogLines
) -> None:
    share(
        users, slack, "inventory.csv", GOOD_CSV,
        url_private_download="https://files.example.net/inventory.csv",
    )  # fmt: skip

    assert "could not download" in reply(users).text
    assert downloads(slack) == []
    assert [e["reason"] for e in log_lines.named("import_download_failed")] == ["not_a_slack_url"]


def test_an_import_in_one_workspace_never_touches_another(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    seed(bot_engine, spec("Nightly ticket summaries", cost="0.05"), team=OTHER_TEAM)

    share(users, slack, "inventory.csv", GOOD_CSV)
    assert "3 new, 0 updated" in reply(users).text  # the same name elsewhere is not an update

    other = stored_workflows(bot_engine, OTHER_TEAM)
    assert list(other) == ["Nightly ticket summaries"]
    assert other["Nightly ticket summaries"].cost_per_request == Decimal("0.05")

    share(users, slack, "theirs.yaml", GOOD_YAML, user="U0OTHER", team=OTHER_TEAM)
    assert "2 new, 0 updated" in reply(users, "DU0OTHER").text
    assert len(stored_workflows(bot_engine)) == 3
    assert len(stored_workflows(bot_engine, OTHER_TEAM)) == 3
    assert stored_workflows(bot_engine)["Nightly ticket summaries"].cost_per_request == Decimal(
        "0.01"
    )


def test_a_retried_event_imports_once(users: SlackUsers, slack: FakeSlack) -> None:
    share(users, slack, "inventory.csv", GOOD_CSV, event_id="EvSAMEFILE")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    share(users, slack, "inventory.csv", GOOD_CSV, event_id="EvSAMEFILE", headers=retry)

    assert len(downloads(slack)) == 1
    assert [p.text.split(":")[0] for p in users.posts(DM)] == ["Imported 3 workflows"]


def test_other_files_are_left_alone_unless_the_comment_says_import(
    users: SlackUsers, slack: FakeSlack
) -> None:
    share(users, slack, "team-photo.png", b"\x89PNG")
    assert downloads(slack) == []
    assert all("Imported" not in p.text for p in users.posts(DM))

    share(users, slack, "budget.xlsx", b"PK", comment="import")
    answer = reply(users)
    assert "“budget.xlsx”" in answer.text and "`.csv`, `.yaml` or `.yml`" in answer.text
    assert downloads(slack) == []


def test_a_file_shared_during_a_registration_is_imported_not_taken_as_an_answer(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    users.say("register")
    question = users.last_post(DM)
    assert "What is the workflow called?" in question.mrkdwn

    share(users, slack, "inventory.csv", GOOD_CSV, comment="here you go")

    assert "Imported 3 workflows" in reply(users).text
    users.say("Registered by hand")
    assert "What does it do?" in users.last_post(DM).mrkdwn


# -- the download itself ---------------------------------------------------------------------


def test_download_bounds_time_and_size_and_refuses_the_sign_in_page(slack: FakeSlack) -> None:
    slack.files["F1"] = ("a.csv", b"0123456789" * 10)
    url = f"{slack.base_url}/files/F1/download/a.csv"

    assert download(url, token="xoxb-test") == b"0123456789" * 10
    with pytest.raises(FileTooLarge):
        download(url, token="xoxb-test", max_bytes=50)
    with pytest.raises(DownloadError) as page:
        download(url, token="")  # Slack answers a bad token with its sign-in page
    assert page.value.reason == "sign_in_page"
    slack.fail_http("file_download", status=404)
    with pytest.raises(DownloadError) as missing:
        download(url, token="xoxb-test")
    assert (missing.value.reason, missing.value.status) == ("http_error", 404)
    slack.stall_downloads()
    with pytest.raises(DownloadError) as stalled:
        download(url, token="xoxb-test", timeout=0.2)
    assert stalled.value.reason == "timeout"


@pytest.mark.parametrize(
    ("url", "api_url", "trusted"),
    [
        ("https://files.slack.com/files-pri/T1-F1/download/a.csv", "https://slack.com/api/", True),
        ("https://files.slack-gov.com/files-pri/x/a.csv", "https://slack-gov.com/api/", True),
        ("http://127.0.0.1:8080/files/F1/a.csv", "http://127.0.0.1:8080/api/", True),
        ("http://files.slack.com/files-pri/a.csv", "https://slack.com/api/", False),
        ("https://files.slack.com.evil.net/a.csv", "https://slack.com/api/", False),
        ("https://evilslack.com/a.csv", "https://slack.com/api/", False),
        ("file:///etc/passwd", "https://slack.com/api/", False),
        ("", "https://slack.com/api/", False),
    ],
)
def test_only_slack_file_urls_get_the_token(url: str, api_url: str, trusted: bool) -> None:
    assert is_slack_file_url(url, api_url=api_url) is trusted


@pytest.fixture
def bot_engine(database_url: str) -> Iterator[Engine]:
    """Bad input on SQLite and on PostgreSQL (some inputs crash only there)."""
    yield from engine_on(database_url)
