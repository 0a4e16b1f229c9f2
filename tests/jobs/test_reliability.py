"""Nothing lost, nothing doubled, nothing poisoned (issue 9 items 3, 4, 5, 8, 9, 10, 12).

Each test is one failure seen on the old main, kept as a scenario: given a workspace and a
Slack that misbehaves in one way, when the jobs run (with an explicit clock), then each
channel gets its digest exactly once, and every other workspace is served.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, update
from sqlmodel import col, select

from batchscout.audit.inventory import parse_csv
from batchscout.delivery.clients import make_web_client
from batchscout.jobs.llm_batch import OpenAIBatchProvider
from batchscout.services import digests
from batchscout.services.boundary import isolated
from batchscout.services.runtime import Runtime
from batchscout.settings import Settings
from batchscout.storage import digests as store
from batchscout.storage.db import session_scope
from batchscout.storage.digest_tables import (
    BatchJobStatus,
    DigestRun,
    DigestSubscription,
    LLMBatchJob,
    RunStatus,
    SubscriptionStatus,
)
from batchscout.storage.models import Workflow
from batchscout.storage.queries import import_specs
from tests.conftest import LogLines
from tests.fakes.openai_batch import FakeOpenAI
from tests.fakes.slack_api import FakeSlack
from tests.jobs.conftest import (
    CHANNEL,
    DUE,
    SAMPLE,
    SUBSCRIBER,
    TEAM,
    GateClock,
    slack_client,
    subscribe,
    top_posts,
)

POISONED = "T0POISON"
POISONED_CHANNEL = "C0POISON"
PROSE = "Moving scheduled work to batch APIs would save $56,563 a month."


def top_level(slack: FakeSlack, channel: str = CHANNEL) -> list[dict]:  # type: ignore[type-arg]
    """Every top-level message Slack holds in the channel, answered or not."""
    return [m for m in slack.messages(channel) if m.get("thread_ts", m["ts"]) == m["ts"]]


@pytest.fixture
def clocked(slack: FakeSlack) -> FakeSlack:
    """Slack's timestamps start at the test clock's due time, as real ones follow real time."""
    slack.first_ts_seconds = int(DUE.timestamp())
    return slack


@pytest.fixture
def openai_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(polls_to_complete=1, reply=lambda body: PROSE) as fake:
        yield fake


def poison(engine: Engine) -> int:
    """A workspace whose workflow was stored bypassing validation (requests NaN: every figure of it raises),
    subscribed first, at the same slot as the healthy one."""
    with session_scope(engine) as session:
        import_specs(session=session, team_id=POISONED, specs=parse_csv(SAMPLE.read_text()))
        session.execute(
            update(Workflow)
            .where(col(Workflow.team_id) == POISONED)
            .values(requests=Decimal("NaN"))
        )
        subscription = store.subscribe(
            session=session, team_id=POISONED, channel_id=POISONED_CHANNEL,
            subscriber_id=SUBSCRIBER, weekday=0, hour=9, minute=0, timezone="Europe/Paris",
        )  # fmt: skip
        subscription.created_at = DUE - timedelta(days=20)
        assert subscription.id is not None
        return subscription.id


# --- 3. One workspace never stops everyone's digests -------------------------------------------


def test_a_poisoned_workspace_does_not_stop_the_others_prose(
    runtime: Runtime, openai_fake: FakeOpenAI, log_lines: LogLines
) -> None:
    runtime.provider = OpenAIBatchProvider(openai_fake.client(max_retries=0), "gpt-4.1-mini")
    poison(runtime.engine)
    subscribe(runtime.engine)

    assert digests.prepare_due_digests(runtime, now=DUE - timedelta(hours=20)) == 1

    [create] = openai_fake.calls("batches.create")
    assert create is not None
    [failed] = log_lines.named("digest prose not prepared")
    assert failed["team_id"] == POISONED and "InvalidOperation" in str(failed["error"])


def test_a_poisoned_workspace_does_not_stop_the_others_catch_up(
    runtime: Runtime, slack: FakeSlack, log_lines: LogLines
) -> None:
    poison(runtime.engine)
    subscribe(runtime.engine)

    digests.catch_up(runtime, now=DUE + timedelta(minutes=10))

    assert len(top_posts(slack)) == 1  # the healthy workspace's missed digest
    assert top_posts(slack, POISONED_CHANNEL) == []
    assert [e["team_id"] for e in log_lines.named("missed digest not posted")] == [POISONED]


# --- 4. A lost reply never posts the digest twice ----------------------------------------------


def test_a_lost_reply_is_found_by_its_metadata_and_not_posted_again(
    runtime: Runtime, clocked: FakeSlack
) -> None:
    subscription_id = subscribe(runtime.engine)
    clocked.drop_answers("chat.postMessage", times=2)  # the top message and the first reply

    run = digests.post_digest(runtime, subscription_id, now=DUE)

    assert run is not None and run.status == RunStatus.POSTED
    [top] = top_level(clocked)
    assert run.message_ts == top["ts"]
    replies = [m for m in clocked.messages(CHANNEL) if m.get("thread_ts") == top["ts"]]
    parts = [m["metadata"]["event_payload"]["part"] for m in replies if "metadata" in m]
    assert parts == sorted(set(parts)) and parts[0] == 0  # each part once, in order
    assert len(clocked.calls("conversations.history")) == 1
    assert len(clocked.calls("conversations.replies")) == 1


# --- 5. A killed `digest now` is resumed, never paid for twice ---------------------------------


class Killed(BaseException):
    """What SIGKILL does to the loop: nothing after it runs."""


def test_digest_now_killed_after_its_batch_was_created_resumes_that_batch(
    runtime: Runtime, slack: FakeSlack
) -> None:
    with FakeOpenAI(polls_to_complete=3, reply=lambda body: PROSE) as fake:
        runtime.provider = OpenAIBatchProvider(fake.client(max_retries=0), "gpt-4.1-mini")

        def killed(_seconds: float) -> None:
            raise Killed

        with pytest.raises(Killed):
            digests.digest_now(runtime, team_id=TEAM, channel_id=CHANNEL, wait=60, sleep=killed)
        run = digests.digest_now(
            runtime, team_id=TEAM, channel_id=CHANNEL, wait=60, sleep=lambda _s: None
        )

        assert len(fake.calls("batches.create")) == 1
    assert run is not None and run.status == RunStatus.POSTED and run.prose_source == "llm"
    assert len(top_posts(slack)) == 1
    with session_scope(runtime.engine) as session:
        assert len(session.exec(select(DigestRun)).all()) == 1


# --- 8. The crash-recovery lookup pages through the window since the claim ---------------------


def test_a_posted_digest_under_many_newer_messages_is_found(
    runtime: Runtime, clocked: FakeSlack, gate_clock: GateClock
) -> None:
    subscription_id = subscribe(runtime.engine)
    client = runtime.slack(TEAM)
    with session_scope(runtime.engine) as session:
        run = DigestRun(
            subscription_id=subscription_id, team_id=TEAM, channel_id=CHANNEL, period="2026-11-30",
            due_at=DUE, status=RunStatus.POSTING, claimed_by="crashed", claimed_at=DUE,
        )  # fmt: skip
        session.add(run)
        session.flush()
        run_id = run.id
    posted = client.chat_postMessage(
        channel=CHANNEL, text="digest",
        metadata={"event_type": digests.METADATA_EVENT, "event_payload": {"run_id": run_id}},
    )  # fmt: skip
    for n in range(20):  # people keep talking in the channel
        client.chat_postMessage(channel=CHANNEL, text=f"message {n}")

    digests.catch_up(runtime, now=DUE + timedelta(minutes=30))

    with session_scope(runtime.engine) as session:
        settled = session.get(DigestRun, run_id)
        assert settled is not None and settled.status == RunStatus.POSTED
        assert settled.message_ts == posted["ts"]
    assert len(top_level(clocked)) == 21  # nothing posted again
    reads = clocked.calls("conversations.history")
    assert len(reads) == 2  # two pages of 15: the window since the claim, cursor followed
    assert gate_clock.waits == [60.0]  # one history call a minute per workspace
    assert all(int(r.params["limit"]) <= 15 for r in reads)
    assert all(float(r.params["oldest"]) >= DUE.timestamp() - 60 for r in reads)


# --- 9. A paid-for prose batch is used even when pricing fails ---------------------------------


def test_prose_from_a_model_the_catalog_cannot_price_is_still_posted(
    runtime: Runtime, openai_fake: FakeOpenAI, slack: FakeSlack, log_lines: LogLines
) -> None:
    runtime.provider = OpenAIBatchProvider(openai_fake.client(max_retries=0), "gpt-unpriced-9")
    subscription_id = subscribe(runtime.engine)

    digests.prepare_due_digests(runtime, now=DUE - timedelta(hours=20))
    digests.poll_batches(runtime, now=DUE - timedelta(hours=19))

    with session_scope(runtime.engine) as session:
        [job] = session.exec(select(LLMBatchJob)).all()
        assert job.status == BatchJobStatus.ENDED
    run = digests.post_digest(runtime, subscription_id, now=DUE)
    assert run is not None and run.prose_source == "llm"
    assert "would save $56,563 a month" in str(top_posts(slack)[0].params["blocks"])
    assert log_lines.named("digest prose cost unknown")


# --- 10. Dead installs are not retried forever -------------------------------------------------


@pytest.mark.parametrize("error", ["invalid_auth", "account_inactive"])
def test_a_dead_token_stops_the_workspace_and_keeps_its_data(
    runtime: Runtime, slack: FakeSlack, error: str
) -> None:
    subscription_id = subscribe(runtime.engine)
    slack.fail("chat.postMessage", error=error)

    assert digests.post_digest(runtime, subscription_id, now=DUE) is None
    for minutes in range(1, 6):
        digests.catch_up(runtime, now=DUE + timedelta(minutes=minutes))

    assert len(slack.calls("chat.postMessage")) == 1  # tried once, never again
    with session_scope(runtime.engine) as session:
        subscription = session.get(DigestSubscription, subscription_id)
        assert subscription is not None and subscription.status == SubscriptionStatus.PAUSED
        assert error in (subscription.status_reason or "")
        assert session.exec(select(Workflow).where(Workflow.team_id == TEAM)).first() is not None


# --- 12. Rate limits delay messages, never lose them -------------------------------------------


def test_every_digest_message_is_delivered_in_order_under_repeated_429s(
    runtime: Runtime, slack: FakeSlack
) -> None:
    subscription_id = subscribe(runtime.engine)
    thread = digests.preview_content(runtime, team_id=TEAM, channel_id=CHANNEL, now=DUE).thread
    slack.fail_http("chat.postMessage", status=429, retry_after=0, times=6)

    run = digests.post_digest(runtime, subscription_id, now=DUE)

    assert run is not None and run.status == RunStatus.POSTED
    posted = [c for c in slack.calls("chat.postMessage") if c.ok]
    replies = [c for c in posted if c.params.get("thread_ts") == run.message_ts]
    parts = [
        c.params["metadata"]["event_payload"]["part"] for c in replies if "metadata" in c.params
    ]
    assert parts == list(range(len(thread))) and len(thread) >= 2  # all of them, in order
    assert len(slack.calls("chat.postMessage")) - len(posted) == 6  # every 429 waited out


# --- Slack unreachable for a long window: everything posted on recovery, once ------------------


def test_slack_unreachable_for_ten_minutes_then_back_posts_once(
    runtime: Runtime, clocked: FakeSlack
) -> None:
    subscription_id = subscribe(runtime.engine)
    reachable = slack_client(clocked)
    unreachable = make_web_client(Settings(slack_api_url="http://127.0.0.1:9/api/"), token="x")
    outage_until = DUE + timedelta(minutes=10)
    clock = {"now": DUE}
    runtime.slack = lambda team_id: unreachable if clock["now"] < outage_until else reachable

    with isolated("test: the scheduled job"):  # the scheduler's own boundary
        digests.post_digest(runtime, subscription_id, now=DUE)
    for minute in range(1, 31):  # the worker's catch-up, every minute of a controlled clock
        clock["now"] = DUE + timedelta(minutes=minute)
        digests.catch_up(runtime, now=clock["now"])

    [top] = top_level(clocked)
    with session_scope(runtime.engine) as session:
        [run] = session.exec(select(DigestRun)).all()
        assert run.status == RunStatus.POSTED and run.message_ts == top["ts"]
        assert run.posted_at is not None and run.posted_at - DUE < runtime.misfire_grace
