"""The scheduled digest stays inside the company: re-checked before every post (Slack
Connect), paused for good on a refusal retrying cannot change, resumed when the channel comes
back, never @-mentioning someone who left; and found for Enterprise Grid installs.

The clock is controlled: each job is called with an explicit ``now``; nothing waits.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine
from sqlmodel import select

from batchscout.audit.inventory import parse_csv
from batchscout.jobs.wiring import NotInstalledError, slack_clients
from batchscout.services import digests
from batchscout.services import quizzes as quiz_jobs
from batchscout.services.lifecycle import channel_back
from batchscout.services.quiz import ask_question
from batchscout.services.runtime import Runtime
from batchscout.settings import Settings
from batchscout.storage import boundaries
from batchscout.storage.db import session_scope
from batchscout.storage.digest_tables import (
    DigestRun,
    DigestSubscription,
    RunStatus,
    SubscriptionStatus,
)
from batchscout.storage.queries import import_specs
from tests.conftest import LogLines
from tests.fakes.slack_api import FakeSlack
from tests.jobs.conftest import (
    CHANNEL,
    DUE,
    SUBSCRIBER,
    TEAM,
    GateClock,
    subscribe,
    top_posts,
)


def dms(slack: FakeSlack) -> list[str]:
    return [
        c.params["text"]
        for c in slack.calls("chat.postMessage")
        if c.params["channel"] == SUBSCRIBER
    ]


def status_of(engine: Engine, subscription_id: int) -> SubscriptionStatus:
    with session_scope(engine) as session:
        subscription = session.get(DigestSubscription, subscription_id)
        assert subscription is not None
        return subscription.status


# -- Slack Connect --------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["is_ext_shared", "is_pending_ext_shared"])
def test_a_channel_that_became_shared_is_skipped_logged_and_its_subscriber_told_once(
    flag: str, runtime: Runtime, slack: FakeSlack, log_lines: LogLines
) -> None:
    subscription_id = subscribe(runtime.engine)
    slack.channels[CHANNEL] = {flag: True}

    assert digests.post_digest(runtime, subscription_id, now=DUE) is None
    assert digests.post_digest(runtime, subscription_id, now=DUE + timedelta(days=7)) is None

    assert top_posts(slack) == []
    [line, *_] = log_lines.named("channel_shared_externally")
    assert line["channel_id"] == CHANNEL and line["team_id"] == TEAM
    assert len(log_lines.named("channel_shared_externally")) == 2  # checked before every post
    [told] = dms(slack)
    assert "shared with another organisation" in told
    with session_scope(runtime.engine) as session:
        runs = session.exec(select(DigestRun)).all()
        assert {r.status for r in runs} == {RunStatus.SKIPPED}


def test_an_allowed_shared_channel_gets_its_digest(runtime: Runtime, slack: FakeSlack) -> None:
    subscription_id = subscribe(runtime.engine)
    slack.channels[CHANNEL] = {"is_ext_shared": True}
    with session_scope(runtime.engine) as session:
        boundaries.allow_shared(session=session, team_id=TEAM, channel_id=CHANNEL)

    run = digests.post_digest(runtime, subscription_id, now=DUE)

    assert run is not None and run.status == RunStatus.POSTED and len(top_posts(slack)) == 1


# -- channels that go away -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "error"),
    [
        ({"is_member": False}, "not_in_channel"),
        ({"deleted": True}, "channel_not_found"),
        ({"is_archived": True}, "is_archived"),
        ({"is_read_only": True}, "restricted_action_read_only_channel"),
        (None, "msg_too_long"),
        (None, "invalid_blocks"),
    ],
)
def test_a_refusal_retrying_cannot_change_pauses_once_and_tells_the_subscriber_once(
    channel: dict[str, bool] | None, error: str, runtime: Runtime, slack: FakeSlack
) -> None:
    subscription_id = subscribe(runtime.engine)
    if channel is None:
        slack.fail("chat.postMessage", error=error)
    else:
        slack.channels[CHANNEL] = channel

    assert digests.post_digest(runtime, subscription_id, now=DUE) is None
    digests.catch_up(runtime, now=DUE + timedelta(minutes=5))  # no retry of a paused digest
    digests.catch_up(runtime, now=DUE + timedelta(minutes=10))

    assert status_of(runtime.engine, subscription_id) == SubscriptionStatus.PAUSED
    attempts = [
        c for c in slack.calls("chat.postMessage")
        if c.params["channel"] == CHANNEL and "thread_ts" not in c.params
    ]  # fmt: skip
    assert len(attempts) == 1
    [told] = dms(slack)
    assert "paused" in told and error in told


def test_a_transient_refusal_is_retried(runtime: Runtime, slack: FakeSlack) -> None:
    subscription_id = subscribe(runtime.engine)
    slack.fail("chat.postMessage", error="internal_error")

    assert digests.post_digest(runtime, subscription_id, now=DUE) is None
    digests.catch_up(runtime, now=DUE + timedelta(minutes=5))

    assert status_of(runtime.engine, subscription_id) == SubscriptionStatus.ACTIVE
    assert len(top_posts(slack)) == 1 and dms(slack) == []


def test_the_digest_resumes_when_the_bot_is_back_and_a_new_refusal_is_told_again(
    runtime: Runtime, slack: FakeSlack
) -> None:
    subscription_id = subscribe(runtime.engine)
    slack.channels[CHANNEL] = {"is_member": False}
    digests.post_digest(runtime, subscription_id, now=DUE)
    assert status_of(runtime.engine, subscription_id) == SubscriptionStatus.PAUSED

    slack.channels[CHANNEL] = {"is_member": True}
    assert channel_back(
        runtime.engine, team_id=TEAM, channel_id=CHANNEL, why="member_joined_channel"
    )

    assert status_of(runtime.engine, subscription_id) == SubscriptionStatus.ACTIVE
    run = digests.post_digest(runtime, subscription_id, now=DUE + timedelta(days=7))
    assert run is not None and run.status == RunStatus.POSTED
    slack.channels[CHANNEL] = {"is_archived": True}
    digests.post_digest(runtime, subscription_id, now=DUE + timedelta(days=14))
    assert len(dms(slack)) == 2


def test_an_unarchived_channel_resumes_but_a_person_joining_does_not_matter(
    runtime: Runtime, slack: FakeSlack
) -> None:
    subscription_id = subscribe(runtime.engine)
    slack.channels[CHANNEL] = {"is_archived": True}
    digests.post_digest(runtime, subscription_id, now=DUE)

    assert channel_back(runtime.engine, team_id=TEAM, channel_id=CHANNEL, why="channel_unarchive")
    assert status_of(runtime.engine, subscription_id) == SubscriptionStatus.ACTIVE


# -- people who go away ---------------------------------------------------------------------


def test_a_deactivated_owner_is_not_mentioned(runtime: Runtime, slack: FakeSlack) -> None:
    subscription_id = subscribe(runtime.engine)
    slack.users["U0DEMO0002"] = {"deleted": True}

    run = digests.post_digest(runtime, subscription_id, now=DUE)

    assert run is not None and run.status == RunStatus.POSTED
    [top] = top_posts(slack)
    assert "U0DEMO0002" not in str(top.params["blocks"])
    assert "Platform enrichment" in str(top.params["blocks"])


# -- Enterprise Grid -----------------------------------------------------------------------


def oauth_settings(slack: FakeSlack, database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        slack_api_url=slack.api_url,
        slack_client_id="111.222",
        slack_client_secret="secret",
        slack_state_secret="state-secret",
        slack_signing_secret="signing",
    )


def test_the_worker_finds_a_normal_install_in_a_grid_workspace_and_an_org_wide_one(
    digest_engine: Engine, slack: FakeSlack, database_url: str
) -> None:
    settings = oauth_settings(slack, database_url)
    store = SQLAlchemyInstallationStore(client_id="111.222", engine=digest_engine)
    store.save(
        Installation(
            app_id="A0TEST", enterprise_id="E0ORG", team_id=TEAM, user_id="U0INSTALLER",
            bot_token="xoxb-grid-workspace", bot_id="B1", bot_user_id="UBOT",
        )
    )  # fmt: skip
    store.save(
        Installation(
            app_id="A0TEST", enterprise_id="E0ORG", team_id=None, user_id="U0ADMIN",
            bot_token="xoxb-org-wide", bot_id="B2", bot_user_id="UBOT",
            is_enterprise_install=True,
        )
    )  # fmt: skip
    clients = slack_clients(settings, digest_engine)

    assert clients(TEAM).token == "xoxb-grid-workspace"
    with pytest.raises(NotInstalledError):
        clients("T0OTHERWS")  # a workspace never seen: no guess
    with session_scope(digest_engine) as session:
        boundaries.remember_enterprise(session=session, team_id="T0OTHERWS", enterprise_id="E0ORG")
    assert clients("T0OTHERWS").token == "xoxb-org-wide"


def test_a_digest_without_a_token_is_not_left_posting(
    digest_engine: Engine, slack: FakeSlack
) -> None:
    def no_token(team_id: str) -> object:
        raise NotInstalledError(team_id)

    runtime = Runtime(engine=digest_engine, slack=no_token, worker_id="w")  # type: ignore[arg-type]
    subscription_id = subscribe(digest_engine)

    with pytest.raises(NotInstalledError):
        digests.post_digest(runtime, subscription_id, now=DUE)

    with session_scope(digest_engine) as session:
        [run] = session.exec(select(DigestRun)).all()
        assert run.status == RunStatus.PENDING


# -- reading history sparingly -----------------------------------------------------------------


def test_history_is_read_at_most_once_a_minute_per_workspace_and_method(
    runtime: Runtime, slack: FakeSlack, gate_clock: GateClock
) -> None:
    """Two lost answers in one workspace: the second lookup waits for the next minute."""
    subscription_id = subscribe(runtime.engine)
    slack.drop_answers("chat.postMessage", times=1)  # the first digest's top message
    digests.post_digest(runtime, subscription_id, now=DUE)
    slack.drop_answers("chat.postMessage", times=1)  # the next week's

    run = digests.post_digest(runtime, subscription_id, now=DUE + timedelta(days=7))

    assert run is not None and run.status == RunStatus.POSTED
    assert len(slack.calls("conversations.history")) == 2
    assert all(int(c.params["limit"]) <= 15 for c in slack.calls("conversations.history"))
    assert gate_clock.waits == [60.0]
    assert len(top_posts(slack)) == 2  # each once


# -- loose ends ------------------------------------------------------------------------------


def test_digest_now_racing_one_that_is_posting_posts_nothing(
    runtime: Runtime, slack: FakeSlack
) -> None:
    now = DUE
    with session_scope(runtime.engine) as session:
        session.add(
            DigestRun(
                team_id=TEAM, channel_id=CHANNEL, period=f"now-{now:%Y%m%dT%H%M%S.%f}", due_at=now,
                status=RunStatus.POSTING, claimed_by="the other call", claimed_at=now,
            )
        )  # fmt: skip

    run = digests.digest_now(
        runtime, team_id=TEAM, channel_id=CHANNEL, clock=lambda: now + timedelta(seconds=2)
    )

    assert run is None and top_posts(slack) == []


def test_the_new_workflows_count_is_what_happened_not_the_capped_list(
    runtime: Runtime, slack: FakeSlack
) -> None:
    subscription_id = subscribe(runtime.engine)
    digests.post_digest(runtime, subscription_id, now=DUE)  # the first digest: nothing is new
    specs = parse_csv(
        "name,requests,per,cost_per_request,trigger,reader,freshness\n"
        + "".join(f"Report {n:02d},1000,day,0.01,schedule,report,day\n" for n in range(20))
    )
    with session_scope(runtime.engine) as session:
        import_specs(session=session, team_id=TEAM, specs=specs)
    slack.reset()

    digests.post_digest(runtime, subscription_id, now=DUE + timedelta(days=7))

    posted = " ".join(str(c.params.get("blocks")) for c in slack.calls("chat.postMessage"))
    assert "32 new workflows" in posted  # the sample's 12, imported after the last digest, and 20
    assert "and 17 more" in posted  # the list shows 15


def test_a_knowledge_check_is_not_revealed_in_a_channel_that_became_shared(
    runtime: Runtime, slack: FakeSlack, log_lines: LogLines
) -> None:
    client = runtime.slack(TEAM)
    ask_question(
        client, runtime.engine, team_id=TEAM, channel_id=CHANNEL, now=DUE,
        open_for=timedelta(hours=24),
    )  # fmt: skip
    slack.channels[CHANNEL] = {"is_ext_shared": True}
    slack.reset()

    assert quiz_jobs.reveal_due(runtime, now=DUE + timedelta(days=2)) == 0

    assert slack.calls("chat.postMessage") == []
    assert log_lines.named("channel_shared_externally")
