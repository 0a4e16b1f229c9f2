"""``/batchscout digest …`` through the real Bolt app, with signed requests."""

from __future__ import annotations

import logging
import threading
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from batchscout.audit.latency import Freshness, Reader, Trigger
from batchscout.bot.app import BOT_SCOPES
from batchscout.logs import event_of
from batchscout.services.background import Background
from batchscout.storage.db import session_scope
from batchscout.storage.digest_tables import DigestSubscription, SubscriptionStatus
from tests.bot.conftest import BuildServer
from tests.bot.seed import seed, spec
from tests.bot.slack_user import SlackUsers
from tests.fakes.slack_api import FakeSlack

#: Seconds to wait for what the app's background executor posts (a whole digest, on a machine
#: that may be busy): a deadline, not a sleep; the waits return as soon as the post is there.
BACKGROUND = 30.0


def subscriptions(engine: Engine) -> list[DigestSubscription]:
    with session_scope(engine) as session:
        return list(session.exec(select(DigestSubscription)).all())


def test_subscribe_stores_the_slot_in_the_subscribers_time_zone(
    users: SlackUsers, bot_engine: Engine
) -> None:
    answer = users.command("digest subscribe friday 16:30", channel="C0DIGEST", user="U0SUB")

    assert "Fridays at 16:30 (Europe/Paris)" in answer.mrkdwn
    [subscription] = subscriptions(bot_engine)
    assert (subscription.weekday, subscription.hour, subscription.minute) == (4, 16, 30)
    assert subscription.timezone == "Europe/Paris" and subscription.subscriber_id == "U0SUB"
    assert subscription.team_id == "T0TEST" and subscription.channel_id == "C0DIGEST"


def test_subscribe_defaults_to_monday_nine_and_falls_back_to_utc(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    slack.users["U0NOZONE"] = {"tz": None}

    answer = users.command("digest subscribe", channel="C0DIGEST", user="U0NOZONE")

    assert "Mondays at 09:00 (UTC)" in answer.mrkdwn and "time zone" in answer.mrkdwn
    assert subscriptions(bot_engine)[0].timezone == "UTC"


def test_the_bot_must_be_in_the_channel_and_says_how_to_invite_it(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    slack.channels["C0OUTSIDE"] = {"is_member": False}

    answer = users.command("digest subscribe", channel="C0OUTSIDE")

    assert "/invite @Batchscout" in answer.mrkdwn
    assert subscriptions(bot_engine) == []


def test_digests_go_to_channels_not_dms(users: SlackUsers, bot_engine: Engine) -> None:
    answer = users.command("digest subscribe", channel="D0DM")

    assert "channel" in answer.mrkdwn and subscriptions(bot_engine) == []


@pytest.mark.parametrize("text", ["digest subscribe", "digest now", "quiz"])
def test_a_group_dm_is_not_a_channel(
    text: str, users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    """With the manifest's scopes (no mpim:read), Slack refuses conversations.info for a group
    DM: the person is told to use a channel, and nothing is posted or stored."""
    slack.granted_scopes = set(BOT_SCOPES)
    slack.channels["G0MPIM"] = {"is_mpim": True, "is_group": False, "name": "mpdm-a--b-1"}

    answer = users.command(text, channel="G0MPIM")

    assert "go to channels" in answer.mrkdwn
    assert slack.calls("chat.postMessage") == [] and subscriptions(bot_engine) == []


def test_a_group_dm_whose_details_slack_gives_is_refused_too(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    """Were mpim:read granted, the answer says is_mpim: still not a channel."""
    slack.channels["G0MPIM"] = {"is_mpim": True, "is_group": False, "is_member": True}

    answer = users.command("digest subscribe", channel="G0MPIM")

    assert "go to channels" in answer.mrkdwn and subscriptions(bot_engine) == []


def test_bad_slots_get_the_usage(users: SlackUsers, bot_engine: Engine) -> None:
    for text in (
        "digest subscribe someday",
        "digest subscribe monday 25:00",
        "digest sometimes",
        "digest",
    ):
        answer = users.command(text, channel="C0DIGEST")
        assert "digest subscribe [DAY] [HH:MM]" in answer.mrkdwn, text
    assert subscriptions(bot_engine) == []


def test_unsubscribe(users: SlackUsers, bot_engine: Engine) -> None:
    users.command("digest subscribe", channel="C0DIGEST")

    first = users.command("digest unsubscribe", channel="C0DIGEST")
    again = users.command("digest unsubscribe", channel="C0DIGEST")

    assert "Unsubscribed" in first.mrkdwn and "no digest subscription" in again.mrkdwn
    assert subscriptions(bot_engine)[0].status == SubscriptionStatus.CANCELLED


def test_preview_is_only_for_the_asker_and_now_posts_in_the_channel(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    seed(
        bot_engine,
        spec("Nightly ticket summaries"),
        spec(
            "<!channel> alerts",
            requests="10000",
            trigger=Trigger.EVENT,
            reader=Reader.LATER,
            freshness=Freshness.MINUTES,
        ),
    )

    preview = users.command("digest preview", channel="C0DIGEST")
    assert "$7,500/month can be saved" in preview.mrkdwn
    assert users.posts("C0DIGEST") == []

    users.command("digest now", channel="C0DIGEST")
    # The digest is posted in the background: wait for its last part, the knowledge check.
    slack.wait_for(
        "chat.postMessage", lambda c: "knowledge check" in str(c.params).lower(), timeout=BACKGROUND
    )
    top = users.posts("C0DIGEST")[0]
    assert "$7,500/month can be saved" in top.mrkdwn
    assert "<!channel>" not in top.formatted
    thread = users.posts("C0DIGEST", thread_ts=top.ts)
    assert any("&lt;!channel&gt; alerts" in p.formatted for p in thread)  # to challenge, escaped
    assert all("<!channel>" not in p.formatted for p in thread)
    assert any("knowledge check" in p.mrkdwn for p in thread)
    assert slack.last("files.completeUploadExternal").params["thread_ts"] == top.ts


def test_workspaces_see_only_their_own_figures(users: SlackUsers, bot_engine: Engine) -> None:
    seed(bot_engine, spec("Nightly ticket summaries"), team="T0OTHER")

    preview = users.command("digest preview", channel="C0DIGEST")

    assert (
        "No scheduled work is left on synchronous APIs; AI spend is $0.00/month" in preview.mrkdwn
        and "Nightly" not in preview.mrkdwn
    )


def test_the_noise_floor_is_set_per_channel(users: SlackUsers, bot_engine: Engine) -> None:
    before = users.command("digest floor 100", channel="C0DIGEST")
    users.command("digest subscribe", channel="C0DIGEST")
    bad = users.command("digest floor lots", channel="C0DIGEST")
    done = users.command("digest floor $100", channel="C0DIGEST")

    assert "no digest subscription" in before.mrkdwn
    assert "digest floor 50" in bad.mrkdwn
    assert "less than $100/month" in done.mrkdwn
    assert subscriptions(bot_engine)[0].noise_floor == 100


def test_digest_now_answers_at_once_and_posts_in_the_background(
    serve: BuildServer, slack: FakeSlack, bot_engine: Engine
) -> None:
    """The listener hands the digest to the app's background executor and answers: here the
    executor's only worker is busy, so nothing can be posted until it is free again."""
    seed(bot_engine, spec("Nightly ticket summaries"))
    background = Background(workers=1)
    busy = threading.Event()
    background.run("hold the only worker", lambda: busy.wait(10))
    users = SlackUsers(serve(background=background).url, slack)

    answer = users.command("digest now", channel="C0DIGEST")

    assert "Posting the digest here now" in answer.mrkdwn
    assert users.posts("C0DIGEST") == []
    busy.set()
    slack.wait_for(
        "chat.postMessage", lambda c: c.params.get("channel") == "C0DIGEST", timeout=BACKGROUND
    )
    assert "$7,500/month can be saved" in users.posts("C0DIGEST")[0].mrkdwn
    background.shutdown()


def test_a_digest_now_that_fails_in_the_background_is_told_and_logged(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    seed(bot_engine, spec("Nightly ticket summaries"))
    # An upload answer without its upload URL: slack_sdk fails outside its SlackApiError.
    slack.on("files.getUploadURLExternal", lambda params: {"file_id": "F0BROKEN"})

    with caplog.at_level(logging.ERROR, logger="batchscout.services.background"):
        name = users.send_command("digest now", channel="C0DIGEST")
        slack.wait_for(
            "response_url",
            lambda c: c.path.endswith(f"/{name}") and "went wrong" in str(c.params),
            timeout=BACKGROUND,
        )

    [line] = [
        event_of(r) for r in caplog.records if event_of(r)["event"] == "background task failed"
    ]
    assert line["task"] == "digest now" and line["channel_id"] == "C0DIGEST"


def test_the_deployments_noise_floor_reaches_preview_and_now_without_a_subscription(
    serve: BuildServer, slack: FakeSlack, bot_engine: Engine
) -> None:
    """BATCHSCOUT_NOISE_FLOOR is the floor of a channel that never subscribed (and so has no
    floor of its own): $7,500 a month is listed under the default $25, left out under $10,000."""
    seed(bot_engine, spec("Nightly ticket summaries"))
    users = SlackUsers(serve(batchscout_noise_floor=Decimal(10_000)).url, slack)

    preview = users.command("digest preview", channel="C0DIGEST")
    users.command("digest now", channel="C0DIGEST")
    top = slack.wait_for(
        "chat.postMessage", lambda c: c.params.get("thread_ts") is None, timeout=BACKGROUND
    )

    for shown in (preview.mrkdwn, str(top.params.get("blocks"))):
        assert "1 smaller opportunity under $10,000/month is not listed" in shown
        assert "Nightly ticket summaries" not in shown
    assert subscriptions(bot_engine) == []
    usage = users.command("digest", channel="C0DIGEST")
    assert "under $10,000/month by default" in usage.mrkdwn
