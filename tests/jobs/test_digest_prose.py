"""Digest prose written through provider batch APIs (real SDKs, fake batch servers), and the
template whenever the prose is late, wrong or missing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from batchscout.jobs.llm_batch import AnthropicBatchProvider, OpenAIBatchProvider
from batchscout.services import digests
from batchscout.services.batch_api import BatchLimits
from batchscout.services.runtime import Runtime
from batchscout.storage import digests as store
from batchscout.storage.db import session_scope
from batchscout.storage.digest_tables import BatchJobStatus, DigestRun, LLMBatchJob
from tests.fakes.anthropic_batch import FakeAnthropic
from tests.fakes.openai_batch import FakeOpenAI
from tests.fakes.slack_api import FakeSlack
from tests.jobs.conftest import CHANNEL, DUE, TEAM, subscribe, top_posts

GOOD_PROSE = (
    "Moving scheduled work to batch APIs would save $56,563 a month, 69% of spend is eligible. "
    "Platform enrichment (no one waiting) alone saves $48,000 a month."
)


def reply(text: str):  # type: ignore[no-untyped-def]
    return lambda body: text


@pytest.fixture
def openai_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(polls_to_complete=1, reply=reply(GOOD_PROSE)) as fake:
        yield fake


@pytest.fixture
def openai_runtime(runtime: Runtime, openai_fake: FakeOpenAI) -> Runtime:
    runtime.provider = OpenAIBatchProvider(openai_fake.client(max_retries=0), "gpt-4.1-mini")
    return runtime


def digest_text(slack: FakeSlack) -> str:
    [top] = top_posts(slack)
    return str(top.params["blocks"])


def test_prose_is_prepared_ahead_and_posted_with_its_cost(
    openai_runtime: Runtime, openai_fake: FakeOpenAI, slack: FakeSlack
) -> None:
    subscription_id = subscribe(openai_runtime.engine)

    assert digests.prepare_due_digests(openai_runtime, now=DUE - timedelta(hours=20)) == 1
    assert digests.prepare_due_digests(openai_runtime, now=DUE - timedelta(hours=19)) == 0  # once
    digests.poll_batches(openai_runtime, now=DUE - timedelta(hours=19))
    run = digests.post_digest(openai_runtime, subscription_id, now=DUE)

    assert run is not None and run.prose_source == "llm"
    text = digest_text(slack)
    assert "alone saves $48,000 a month" in text
    assert (
        "Summary written through the openai batch API for $0.000" in text
        and "synchronously: $0.00" in text
    )
    [create] = openai_fake.calls("batches.create")
    assert create.json["completion_window"] == "24h"
    [line] = openai_fake.input_lines(openai_fake.batch_ids[0])
    assert "$56,563" in line["body"]["messages"][-1]["content"]


def test_one_batch_for_every_due_digest_of_every_workspace(
    openai_runtime: Runtime, openai_fake: FakeOpenAI
) -> None:
    subscribe(openai_runtime.engine)
    with session_scope(openai_runtime.engine) as session:
        store.subscribe(
            session=session, team_id="T0OTHER", channel_id="C0OTHER", subscriber_id="U0X",
            weekday=0, hour=10, minute=0, timezone="America/New_York",
        )  # fmt: skip

    assert digests.prepare_due_digests(openai_runtime, now=DUE - timedelta(hours=1)) == 2
    assert len(openai_fake.calls("batches.create")) == 1
    assert len(openai_fake.input_lines(openai_fake.batch_ids[0])) == 2


def test_batches_are_split_at_the_providers_limits(
    openai_runtime: Runtime, openai_fake: FakeOpenAI
) -> None:
    assert isinstance(openai_runtime.provider, OpenAIBatchProvider)
    openai_runtime.provider.limits = BatchLimits(max_requests=1, max_bytes=10_000_000)
    subscribe(openai_runtime.engine)
    with session_scope(openai_runtime.engine) as session:
        store.subscribe(
            session=session, team_id=TEAM, channel_id="C0SECOND", subscriber_id="U0X",
            weekday=0, hour=9, minute=30, timezone="Europe/Paris",
        )  # fmt: skip

    digests.prepare_due_digests(openai_runtime, now=DUE - timedelta(hours=1))

    assert len(openai_fake.calls("batches.create")) == 2


def test_prose_stating_a_figure_that_is_not_a_fact_is_discarded(
    openai_runtime: Runtime, openai_fake: FakeOpenAI, slack: FakeSlack
) -> None:
    openai_fake.reply = reply("Batch would save $99,999 a month and finish in 5 minutes.")
    subscription_id = subscribe(openai_runtime.engine)

    digests.prepare_due_digests(openai_runtime, now=DUE - timedelta(hours=2))
    digests.poll_batches(openai_runtime, now=DUE - timedelta(hours=1))
    run = digests.post_digest(openai_runtime, subscription_id, now=DUE)

    assert run is not None and run.prose_source == "template"
    assert "$99,999" not in digest_text(slack)
    assert "Summary from Batchscout's template" in digest_text(slack)


def test_prose_is_checked_against_the_facts_at_posting_time(
    openai_runtime: Runtime, openai_fake: FakeOpenAI, slack: FakeSlack
) -> None:
    """A workflow migrated after the batch was written changes the figures: the old prose goes."""
    from batchscout.storage.queries import mark_migrated

    subscription_id = subscribe(openai_runtime.engine)
    digests.prepare_due_digests(openai_runtime, now=DUE - timedelta(hours=2))
    digests.poll_batches(openai_runtime, now=DUE - timedelta(hours=1))
    with session_scope(openai_runtime.engine) as session:
        mark_migrated(session=session, team_id=TEAM, name="Nightly ticket summaries")

    run = digests.post_digest(openai_runtime, subscription_id, now=DUE)

    assert run is not None and run.prose_source == "template"
    assert "$49,063/month can be saved" in digest_text(slack)


@pytest.mark.parametrize("outcome", ["failed", "late"])
def test_a_batch_that_is_not_done_in_time_leaves_the_template_on_time(
    openai_runtime: Runtime, openai_fake: FakeOpenAI, slack: FakeSlack, outcome: str
) -> None:
    openai_fake.polls_to_complete = None if outcome == "late" else 1
    if outcome != "late":
        openai_fake.outcome = outcome  # type: ignore[assignment]
    subscription_id = subscribe(openai_runtime.engine)

    digests.prepare_due_digests(openai_runtime, now=DUE - timedelta(hours=2))
    digests.poll_batches(openai_runtime, now=DUE - timedelta(hours=1))
    run = digests.post_digest(openai_runtime, subscription_id, now=DUE)

    assert run is not None and run.prose_source == "template"
    assert len(top_posts(slack)) == 1
    with session_scope(openai_runtime.engine) as session:
        job = session.exec(select(LLMBatchJob)).one()
    assert (
        job.status
        == {
            "failed": BatchJobStatus.FAILED,
            "late": BatchJobStatus.SUBMITTED,
        }[outcome]
    )


@pytest.mark.parametrize("outcome", ["partial", "expired"])
def test_partial_results_fall_back_per_digest(
    openai_runtime: Runtime, openai_fake: FakeOpenAI, slack: FakeSlack, outcome: str
) -> None:
    # partial: every second request errors; expired: the second half never ran.
    openai_fake.outcome = outcome  # type: ignore[assignment]
    first = subscribe(openai_runtime.engine)
    with session_scope(openai_runtime.engine) as session:
        second = store.subscribe(
            session=session, team_id=TEAM, channel_id="C0SECOND", subscriber_id="U0X",
            weekday=0, hour=9, minute=0, timezone="Europe/Paris",
        ).id  # fmt: skip
    assert second is not None

    digests.prepare_due_digests(openai_runtime, now=DUE - timedelta(hours=2))
    digests.poll_batches(openai_runtime, now=DUE - timedelta(hours=1))
    runs = [digests.post_digest(openai_runtime, s, now=DUE) for s in (first, second)]

    assert sorted(r.prose_source for r in runs if r is not None) == ["llm", "template"]


def test_a_crash_after_the_batch_is_created_is_reconciled_not_duplicated(
    openai_runtime: Runtime, openai_fake: FakeOpenAI, slack: FakeSlack
) -> None:
    openai_fake.drop_create()  # the batch is created, the answer never arrives
    subscription_id = subscribe(openai_runtime.engine)

    digests.prepare_due_digests(openai_runtime, now=DUE - timedelta(hours=3))
    with session_scope(openai_runtime.engine) as session:
        job = session.exec(select(LLMBatchJob)).one()
        assert job.status == BatchJobStatus.CREATING and job.batch_id is None
    digests.prepare_due_digests(openai_runtime, now=DUE - timedelta(hours=2))  # no resubmission
    digests.poll_batches(openai_runtime, now=DUE - timedelta(hours=2))  # found by its key
    digests.poll_batches(openai_runtime, now=DUE - timedelta(hours=1))
    run = digests.post_digest(openai_runtime, subscription_id, now=DUE)

    assert len(openai_fake.calls("batches.create")) == 1
    with session_scope(openai_runtime.engine) as session:
        job = session.exec(select(LLMBatchJob)).one()
    assert job.batch_id == openai_fake.batch_ids[0]
    assert run is not None and run.prose_source == "llm"


def test_a_refused_batch_leaves_the_template(
    openai_runtime: Runtime, openai_fake: FakeOpenAI, slack: FakeSlack
) -> None:
    openai_fake.fail_create(status=400)
    subscription_id = subscribe(openai_runtime.engine)

    digests.prepare_due_digests(openai_runtime, now=DUE - timedelta(hours=2))
    run = digests.post_digest(openai_runtime, subscription_id, now=DUE)

    assert run is not None and run.prose_source == "template"
    assert len(openai_fake.calls("batches.create")) == 1  # never retried blindly


def test_anthropic_message_batches_write_the_prose_too(runtime: Runtime, slack: FakeSlack) -> None:
    with FakeAnthropic(polls_to_complete=1, reply=reply(GOOD_PROSE)) as fake:
        runtime.provider = AnthropicBatchProvider(fake.client(max_retries=0), "claude-haiku-4-5")
        subscription_id = subscribe(runtime.engine)

        digests.prepare_due_digests(runtime, now=DUE - timedelta(hours=2))
        digests.poll_batches(runtime, now=DUE - timedelta(hours=1))
        run = digests.post_digest(runtime, subscription_id, now=DUE)

    assert run is not None and run.prose_source == "llm"
    assert "Summary written through the anthropic batch API" in digest_text(slack)


def test_digest_now_waits_for_the_batch(
    openai_runtime: Runtime, openai_fake: FakeOpenAI, slack: FakeSlack
) -> None:
    openai_fake.polls_to_complete = 2
    sleeps: list[float] = []

    run = digests.digest_now(
        openai_runtime,
        team_id=TEAM,
        channel_id=CHANNEL,
        wait=30,
        poll_interval=5,
        sleep=sleeps.append,
    )

    assert run is not None and run.prose_source == "llm"
    assert sleeps == [5]  # polled, waited once, polled again and found it done
    assert len(top_posts(slack)) == 1


def test_digest_now_posts_the_template_when_the_wait_runs_out(
    openai_runtime: Runtime, openai_fake: FakeOpenAI, slack: FakeSlack
) -> None:
    openai_fake.polls_to_complete = None
    sleeps: list[float] = []

    run = digests.digest_now(
        openai_runtime,
        team_id=TEAM,
        channel_id=CHANNEL,
        wait=12,
        poll_interval=5,
        sleep=sleeps.append,
    )

    assert run is not None and run.prose_source == "template"
    assert sleeps == [5, 5]


def test_no_provider_means_template_without_a_batch(runtime: Runtime, slack: FakeSlack) -> None:
    run = digests.digest_now(runtime, team_id=TEAM, channel_id=CHANNEL, wait=30)

    assert run is not None and run.prose_source == "template"
    with session_scope(runtime.engine) as session:
        assert session.exec(select(LLMBatchJob)).all() == []
        assert len(session.exec(select(DigestRun)).all()) == 1
