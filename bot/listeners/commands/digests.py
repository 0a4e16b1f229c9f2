"""``digest subscribe [DAY] [HH:MM] | unsubscribe | preview | now | floor AMOUNT``: the weekly digest."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from batchscout.audit.money import format_monthly, parse_amount
from batchscout.audit.numbers import MAX_COST_PER_REQUEST, MAX_MONTHLY_REQUESTS, NumberError
from batchscout.bot.listeners.commands.call import CommandCall
from batchscout.delivery import messages
from batchscout.delivery.blocks import digest as digest_blocks
from batchscout.delivery.blocks import ledger as ledger_blocks
from batchscout.delivery.blocks import note
from batchscout.delivery.mrkdwn import escape
from batchscout.logs import get_logger
from batchscout.services import digests, sharing, subscriptions
from batchscout.services.schedule import Schedule, check_timezone, parse_time, parse_weekday
from batchscout.storage import digests as store
from batchscout.storage.digest_tables import SubscriptionStatus
from batchscout.storage.types import utcnow

log = get_logger(__name__)

#: How long ``digest now`` waits (in the background) for prose from the batch API before
#: posting the template.
NOW_WAIT_SECONDS = 60.0


def in_channel(call: CommandCall, refusal: str) -> bool:
    """Whether the command came from a channel the bot can post in; explains when not.

    DMs and group DMs are refused with ``refusal``: the manifest asks for no ``mpim:*`` scope,
    so Slack answers ``missing_scope`` for a group DM's ``conversations.info``.
    """
    if call.channel_id.startswith("D") or not call.channel_id:
        call.reply(note(refusal))
        return False
    try:
        info = call.client.conversations_info(channel=call.channel_id)
    except SlackApiError as error:
        code = error.response.get("error")
        if code in ("channel_not_found", "not_in_channel"):
            call.reply(note(messages.INVITE_ME))
            return False
        if code == "missing_scope":  # a group DM (or a DM): not a channel
            call.reply(note(refusal))
            return False
        raise
    channel = info.get("channel") or {}
    if channel.get("is_mpim") or channel.get("is_im"):
        call.reply(note(refusal))
        return False
    if not channel.get("is_member", False):
        call.reply(note(messages.INVITE_ME))
        return False
    channel.setdefault("id", call.channel_id)
    if not sharing.may_speak_in(call.services.engine, team_id=call.team_id, channel=channel):
        log.info(
            "channel answer refused", reason=sharing.SHARED_EVENT,
            team_id=call.team_id, channel_id=call.channel_id,
        )  # fmt: skip
        call.reply(note(messages.SHARED_CHANNEL_REFUSED))
        return False
    return True


def parse_slot(words: list[str]) -> tuple[int | None, tuple[int, int] | None]:
    """``[DAY] [TIME]`` in either order → (weekday, (hour, minute)), ``None`` for what was not
    given; the time as ``HH:MM`` or on the 12-hour clock (``9am``, ``9:30 pm``). ``ValueError``
    explains."""
    joined: list[str] = []
    for word in words:  # "9:30 pm": the marker belongs to the time before it
        if word.lower() in ("am", "pm", "a.m.", "p.m.") and joined:
            joined[-1] += word.lower().replace(".", "")
        else:
            joined.append(word)
    weekday: int | None = None
    slot: tuple[int, int] | None = None
    if len(joined) > 2:
        raise ValueError("give at most a day and a time, like `subscribe friday 16:30`")
    for word in joined:
        if any(ch.isdigit() for ch in word):
            slot = parse_time(word)
        else:
            weekday = parse_weekday(word)
    return weekday, slot


def user_timezone(call: CommandCall) -> str | None:
    """The invoker's Slack time zone, or ``None`` when Slack does not say."""
    try:
        user = call.client.users_info(user=call.user_id).get("user") or {}
    except SlackApiError as error:
        log.warning("users.info failed", error=str(error.response.get("error")))
        return None
    zone = user.get("tz")
    try:
        return check_timezone(zone) if zone else None
    except ValueError:
        return None


def digest_usage(call: CommandCall) -> str:
    """How to use ``/batchscout digest``, with this deployment's default noise floor."""
    return messages.DIGEST_USAGE.format(
        floor=format_monthly(call.services.settings.batchscout_noise_floor)
    )


def subscribe(call: CommandCall, words: list[str]) -> None:
    """Subscribe the channel, or change its slot: what was not asked to change is kept (a
    second person's ``subscribe`` is told what changes; the floor and subscriber stay)."""
    try:
        weekday, slot = parse_slot(words)
    except ValueError as error:
        call.reply(note(f"{escape(str(error))}. {digest_usage(call)}"))
        return
    if not in_channel(call, messages.DIGEST_IN_A_CHANNEL):
        return
    with call.services.session() as session:
        current = store.get_subscription(
            session=session, team_id=call.team_id, channel_id=call.channel_id
        )
        before = (
            (current.weekday, current.hour, current.minute, current.timezone, current.subscriber_id)
            if current is not None and current.status == SubscriptionStatus.ACTIVE
            else None
        )
    if before is not None:
        _change_subscription(call, before, weekday, slot)
        return
    hour, minute = slot or (9, 0)
    weekday = 0 if weekday is None else weekday
    zone = user_timezone(call)
    schedule = subscriptions.subscribe(
        call.services.engine, team_id=call.team_id, channel_id=call.channel_id,
        subscriber_id=call.user_id, schedule=Schedule(weekday, hour, minute, zone or "UTC"),
        noise_floor=call.services.settings.batchscout_noise_floor,
    )  # fmt: skip
    text = messages.SUBSCRIBED.format(schedule=schedule.describe())
    call.reply(note(text + ("" if zone else messages.SUBSCRIBED_ZONE_UNKNOWN)))


def _change_subscription(
    call: CommandCall,
    before: tuple[int, int, int, str, str],
    weekday: int | None,
    slot: tuple[int, int] | None,
) -> None:
    """An active subscription: change only the day or time given; say what changed."""
    old_day, old_hour, old_minute, zone, subscriber = before
    day = old_day if weekday is None else weekday
    hour, minute = slot or (old_hour, old_minute)
    old = Schedule(old_day, old_hour, old_minute, zone).describe()
    new = Schedule(day, hour, minute, zone).describe()
    if new == old:
        call.reply(note(messages.SUBSCRIPTION_UNCHANGED.format(schedule=old)))
        return
    with call.services.session() as session:
        store.subscribe(
            session=session, team_id=call.team_id, channel_id=call.channel_id,
            subscriber_id=subscriber, weekday=day, hour=hour, minute=minute, timezone=zone,
        )  # fmt: skip
    changes = f"from {old} to {new}; its noise floor and subscriber stay as they were"
    call.reply(
        note(messages.SUBSCRIPTION_CHANGED.format(subscriber=escape(subscriber), changes=changes))
    )


def unsubscribe(call: CommandCall) -> None:
    """Stop the channel's digest."""
    done = subscriptions.unsubscribe(
        call.services.engine, team_id=call.team_id, channel_id=call.channel_id
    )
    call.reply(note(messages.UNSUBSCRIBED if done else messages.NOT_SUBSCRIBED))


def preview(call: CommandCall) -> None:
    """The digest as it would be posted now, only to the person asking."""
    content = digests.preview_content(
        call.services.runtime_for(call.client),
        team_id=call.team_id,
        channel_id=call.channel_id or None,
        now=utcnow(),
    )
    whole = digest_blocks.preview(
        content.facts, prose=content.prose, source=content.source, schedule=None, cost=None
    )
    if content.trend is not None:
        line = ledger_blocks.ledger_line(content.trend.weeks, content.trend.movement)
        whole = ledger_blocks.with_ledger_line(whole, line)
    call.reply(whole)


def now(call: CommandCall) -> None:
    """Post a digest in this channel now (prose from the batch API if it is back in time).

    The listener answers at once; the app's background executor posts the digest (waiting
    up to :data:`NOW_WAIT_SECONDS` for the prose batch when a provider is configured).
    """
    if not in_channel(call, messages.DIGEST_IN_A_CHANNEL):
        return
    with call.services.session() as session:
        subscription = store.get_subscription(
            session=session, team_id=call.team_id, channel_id=call.channel_id
        )
        paused = subscription is not None and subscription.status == SubscriptionStatus.PAUSED
        reason = subscription.status_reason if subscription else None
    if paused:
        call.reply(note(messages.DIGEST_IS_PAUSED.format(error=escape(reason or "unknown"))))
        return
    runtime = call.services.runtime_for(call.client)
    wait = NOW_WAIT_SECONDS if runtime.provider is not None else 0.0
    call.reply(note(messages.DIGEST_POSTING.format(wait=messages.DIGEST_WRITING if wait else "")))

    def post() -> None:
        run = digests.digest_now(
            runtime, team_id=call.team_id, channel_id=call.channel_id, wait=wait
        )
        if run is None:
            call.reply(note(messages.DIGEST_NOT_POSTED.format(error="refused")))

    call.services.background.run(
        "digest now", post,
        on_failure=lambda: call.reply(note(messages.DIGEST_FAILED)),
        team_id=call.team_id, channel_id=call.channel_id,
    )  # fmt: skip


def floor(call: CommandCall, words: list[str]) -> None:
    """Set the channel's noise floor: opportunities saving less a month are not listed."""
    try:
        amount = parse_amount(words[0]) if len(words) == 1 else None
    except NumberError as error:  # a decimal comma: say so, with the usage
        call.reply(note(f"{escape(str(error))}. {messages.FLOOR_USAGE}"))
        return
    except ValueError:
        amount = None
    if amount is None or amount > MAX_COST_PER_REQUEST * MAX_MONTHLY_REQUESTS:
        call.reply(note(messages.FLOOR_USAGE))
        return
    with call.services.session() as session:
        done = store.set_noise_floor(
            session=session, team_id=call.team_id, channel_id=call.channel_id, amount=amount
        )
    if not done:
        call.reply(note(messages.NOT_SUBSCRIBED))
        return
    call.reply(note(messages.FLOOR_SET.format(amount=format_monthly(amount))))


def digest(call: CommandCall) -> None:
    """Route ``digest …`` to its action."""
    words = call.argument.split()
    action = words[0].lower() if words else ""
    if action == "subscribe":
        subscribe(call, words[1:])
    elif action == "floor":
        floor(call, words[1:])
    elif action in ("unsubscribe", "preview", "now") and len(words) == 1:
        {"unsubscribe": unsubscribe, "preview": preview, "now": now}[action](call)
    else:
        call.reply(note(digest_usage(call)))
