"""The digest thread's "Seen in your usage" (SPEC: unregistered scheduled traffic with what
batch would save, migrations still synchronous, the share of spend already on batch)."""

from __future__ import annotations

from batchscout.services import digests
from batchscout.services.runtime import Runtime
from tests.fakes.slack_api import FakeSlack
from tests.jobs.conftest import DUE, TEAM, subscribe, top_posts
from tests.services import recent_usage


def thread_texts(slack: FakeSlack) -> list[str]:
    [top] = top_posts(slack)
    return [
        str(c.params["blocks"])
        for c in slack.calls("chat.postMessage")
        if c.params.get("thread_ts") == top.response["ts"]
    ]


def test_the_thread_says_what_was_seen_in_usage(runtime: Runtime, slack: FakeSlack) -> None:
    recent_usage.load(runtime.engine, TEAM, DUE.date())
    subscription_id = subscribe(runtime.engine)

    digests.post_digest(runtime, subscription_id, now=DUE)

    [seen] = [t for t in thread_texts(slack) if "Seen in your usage" in t]
    # $240 billed a month; batch: 1,400 of 35,000 requests on the $2-a-day key → weighted 4%.
    assert "4% of $240/month already runs on batch" in seen
    assert "key_nightly001" in seen and "batch would save about" in seen
    assert "Runs every day at 03:00 UTC" in seen
    assert "Invoice &lt;extraction&gt;* is marked as migrated but only 20%" in seen
    assert "usage_register_scope" in seen  # one click registers it


def test_no_usage_section_without_imported_usage(runtime: Runtime, slack: FakeSlack) -> None:
    subscription_id = subscribe(runtime.engine)
    digests.post_digest(runtime, subscription_id, now=DUE)
    assert not any("Seen in your usage" in t for t in thread_texts(slack))
