"""The registration conversation in Slack.

``audit.registration.Conversation`` asks the questions and validates the answers; this module
gives it a place (a DM, or the thread where it was asked for), stores its state after every
answer (``storage.conversations``), renders each step (``delivery.blocks.registration``) and saves
the workflow when the person presses Save. A conversation is found again by its place and its
person (typed answers) or by the id its buttons carry, so two people registering at once, or
one person in two threads, never mix; a restart in the middle loses nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from slack_sdk import WebClient
from sqlmodel import Session

from batchscout.audit.registration import Conversation, Prompt, StateError, Step, StepKind
from batchscout.delivery import messages, posting
from batchscout.delivery.blocks import Message, note, option
from batchscout.delivery.blocks import registration as blocks
from batchscout.delivery.blocks.registration import ButtonValue
from batchscout.delivery.mrkdwn import escape, typed_text
from batchscout.delivery.posting import Place
from batchscout.logs import get_logger
from batchscout.services.context import Services
from batchscout.services.home import refresh_home
from batchscout.storage import queries
from batchscout.storage.conversations import (
    ConversationConflict,
    expired_conversations,
    find_active_conversation,
    get_conversation,
    is_expired,
    save_conversation,
    set_question_message,
    start_conversation,
    state_of,
    teams_with_expired_conversations,
)
from batchscout.storage.slack_tables import ConversationStatus, RegistrationConversation

log = get_logger(__name__)

_START = re.compile(r"^(?:register|edit\s+(?P<name>.+))$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class _Posted:
    """What Slack I/O needs of a stored conversation, read while its session was open."""

    id: int
    version: int
    place: Place
    message_ts: str | None


def _posted(row: RegistrationConversation) -> _Posted:
    assert row.id is not None
    return _Posted(row.id, row.version, Place(row.channel_id, row.thread_ts), row.message_ts)


def _resume(session: Session, row: RegistrationConversation) -> Conversation:
    """The stored conversation, with the workspace's prices and names to check against."""
    team_id = row.team_id
    return Conversation.from_dict(
        state_of(row),
        book=queries.get_price_book(session=session, team_id=team_id),
        name_taken=lambda name: (
            queries.get_workflow(session=session, team_id=team_id, name=name) is not None
        ),
    )


def _render(step: Step, posted: _Posted, *, intro: str | None = None) -> Message:
    if step.kind is StepKind.SUMMARY:
        return blocks.summary(step, conversation_id=posted.id, version=posted.version, intro=intro)
    return blocks.question(step, conversation_id=posted.id, version=posted.version, intro=intro)


def _post(client: WebClient, place: Place, message: Message) -> None:
    posting.post(client, place, message)


def _replace(client: WebClient, place: Place, ts: str | None, message: Message) -> None:
    """Redraw an earlier message (to retire its buttons); a vanished message is no reason to stop."""
    if ts:
        posting.update(client, place, ts, message)


def _tell(client: WebClient, place: Place, user_id: str, text: str) -> None:
    """A note only the person sees, where they are."""
    posting.post_ephemeral(client, place, user_id, note(text))


def _ask(
    client: WebClient,
    services: Services,
    *,
    team_id: str,
    user_id: str,
    posted: _Posted,
    message: Message,
) -> None:
    """Post the conversation's next question and remember it (its buttons are retired when
    it is answered). When Slack refuses it the person hears so, where they are: their
    answers are stored, but they cannot answer a question they cannot see."""
    sent = posting.post(client, posted.place, message, conversation_id=posted.id)
    if not sent.ts:
        _tell(client, posted.place, user_id, messages.QUESTION_NOT_SHOWN)
        return
    with services.session() as session:
        set_question_message(
            session=session, team_id=team_id, conversation_id=posted.id, message_ts=sent.ts
        )


def open_dm(client: WebClient, user_id: str) -> Place:
    """The direct message between the bot and ``user_id``."""
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    return Place(str(channel))


def start(
    *,
    services: Services,
    client: WebClient,
    team_id: str,
    user_id: str,
    place: Place,
    editing: str | None = None,
) -> bool:
    """Start registering (or editing the workflow named ``editing``) at ``place``.

    Returns ``False`` when there is no workflow to edit by that name (nothing is started).
    A conversation the person already had at the same place is set aside, with a note.
    """
    with services.session() as session:
        existing = None
        if editing is not None:
            workflow = queries.get_workflow(session=session, team_id=team_id, name=editing)
            if workflow is None:
                return False
            existing = queries.spec_of(workflow)
            editing = workflow.name
        book = queries.get_price_book(session=session, team_id=team_id)
        conversation = Conversation.start(
            invoker=user_id,
            existing=existing,
            book=book,
            name_taken=lambda name: (
                queries.get_workflow(session=session, team_id=team_id, name=name) is not None
            ),
        )
        step = conversation.current_step()
        row, replaced = start_conversation(
            session=session,
            team_id=team_id,
            channel_id=place.channel_id,
            thread_ts=place.thread_ts,
            user_id=user_id,
            state=conversation.to_dict(),
            editing=editing,
        )
        posted = _posted(row)
        previous = _posted(replaced) if replaced is not None else None
    if previous is not None:
        _replace(
            client,
            previous.place,
            previous.message_ts,
            note(messages.REGISTRATION_REPLACED),
        )
    intro = messages.EDIT_INTRO.format(name=escape(editing)) if editing else messages.REGISTER_INTRO
    message = _render(step, posted, intro=intro)
    _ask(client, services, team_id=team_id, user_id=user_id, posted=posted, message=message)
    return True


def answer(
    *,
    services: Services,
    client: WebClient,
    team_id: str,
    user_id: str,
    conversation_id: int,
    text: str,
    where: Place,
    expected_version: int | None = None,
) -> None:
    """Apply one answer (typed, or a button's value) and show what comes next.

    ``where`` is where the person answered (for notes only they see); ``expected_version``
    comes with a button, so that pressing an old question's button changes nothing.
    """
    try:
        outcome = _apply(
            services=services,
            team_id=team_id,
            user_id=user_id,
            conversation_id=conversation_id,
            text=text,
            expected_version=expected_version,
        )
    except ConversationConflict:
        _tell(client, where, user_id, messages.ANSWERED_AT_ONCE)
        return
    outcome.show(client, services=services, team_id=team_id, user_id=user_id, where=where)


class _Kind(StrEnum):
    """What an answer led to, as far as Slack is concerned."""

    NEXT = "next"  # a question or the summary to show
    SAVED = "saved"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    BROKEN = "broken"  # a stored state this version cannot resume
    CLASH = "clash"  # Save found the name taken meanwhile
    NOTICE = "notice"  # nothing changed; a note for the person only


@dataclass
class _Outcome:
    """What an answer did, to be shown once the database transaction is over."""

    kind: _Kind
    posted: _Posted | None = None
    step: Step | None = None
    before: Prompt | None = None
    shown: str = ""
    notice: str | None = None
    saved_name: str | None = None
    editing: bool = False

    def show(
        self, client: WebClient, *, services: Services, team_id: str, user_id: str, where: Place
    ) -> None:
        if self.notice is not None:
            _tell(client, where, user_id, self.notice)
            return
        posted = self.posted
        assert posted is not None
        if self.kind in (_Kind.EXPIRED, _Kind.BROKEN):
            closing = note(
                messages.REGISTRATION_EXPIRED
                if self.kind is _Kind.EXPIRED
                else messages.REGISTRATION_BROKEN
            )
            _replace(client, posted.place, posted.message_ts, closing)
            _post(client, posted.place, closing)
            return
        step = self.step
        assert step is not None
        if self.kind is _Kind.SAVED:
            saved = messages.REGISTRATION_SAVED.format(name=escape(self.saved_name or ""))
            _replace(client, posted.place, posted.message_ts, blocks.saved(step, note=saved))
            refresh_home(client=client, services=services, team_id=team_id, user_id=user_id)
            return
        prompt = self.before
        if prompt is not None:
            _replace(client, posted.place, posted.message_ts, blocks.answered(prompt, self.shown))
        if self.kind is _Kind.CANCELLED:
            # Cancelling an edit changes nothing and starts nothing again: say just that.
            text = (
                escape(step.message)
                if self.editing and step.message
                else messages.REGISTRATION_CANCELLED
            )
            _post(client, posted.place, note(text))
            return
        intro = (
            messages.NAME_CLASH.format(name=escape(self.saved_name or ""))
            if self.kind is _Kind.CLASH
            else None
        )
        message = _render(step, posted, intro=intro)
        _ask(client, services, team_id=team_id, user_id=user_id, posted=posted, message=message)


def _apply(
    *,
    services: Services,
    team_id: str,
    user_id: str,
    conversation_id: int,
    text: str,
    expected_version: int | None,
) -> _Outcome:
    with services.session() as session:
        row = get_conversation(session=session, team_id=team_id, conversation_id=conversation_id)
        if row is None or row.status != ConversationStatus.ACTIVE:
            return _Outcome(_Kind.NOTICE, notice=messages.REGISTRATION_CLOSED)
        if row.user_id != user_id:
            return _Outcome(_Kind.NOTICE, notice=messages.NOT_YOUR_REGISTRATION)
        if expected_version is not None and expected_version != row.version:
            return _Outcome(_Kind.NOTICE, notice=messages.STALE_QUESTION)
        if is_expired(row):
            save_conversation(
                session=session,
                team_id=team_id,
                conversation=row,
                status=ConversationStatus.EXPIRED,
            )
            return _Outcome(_Kind.EXPIRED, posted=_posted(row))
        try:
            conversation = _resume(session, row)
        except StateError:
            log.warning("registration_state_unusable", conversation_id=row.id)
            save_conversation(
                session=session,
                team_id=team_id,
                conversation=row,
                status=ConversationStatus.CANCELLED,
            )
            return _Outcome(_Kind.BROKEN, posted=_posted(row))
        before = conversation.prompt()
        step = conversation.answer(text)
        # The history shows the answer as understood (an option's label, the kept value),
        # never rejected input.
        shown = conversation.understood or blocks.shown_answer(before, text)
        if step.kind is StepKind.SAVED:
            assert step.spec is not None
            spec = step.spec
            renamed = row.editing is not None and queries.name_key(row.editing) != queries.name_key(
                spec.name
            )
            other = queries.get_workflow(session=session, team_id=team_id, name=spec.name)
            if other is not None and (row.editing is None or renamed):
                # Someone saved a workflow of that name since the name was answered: never
                # overwrite it. The stored state is untouched; show the summary again.
                again = _resume(session, row).current_step()
                return _Outcome(_Kind.CLASH, posted=_posted(row), step=again, saved_name=spec.name)
            queries.save_spec(session=session, team_id=team_id, spec=spec, actor=user_id)
            if renamed and row.editing is not None:
                queries.remove_workflow(session=session, team_id=team_id, name=row.editing)
            save_conversation(
                session=session, team_id=team_id, conversation=row,
                state=conversation.to_dict(), status=ConversationStatus.SAVED,
            )  # fmt: skip
            return _Outcome(_Kind.SAVED, posted=_posted(row), step=step, saved_name=spec.name)
        status = ConversationStatus.CANCELLED if step.kind is StepKind.CANCELLED else None
        save_conversation(
            session=session,
            team_id=team_id,
            conversation=row,
            state=conversation.to_dict(),
            status=status,
        )
        kind = _Kind.CANCELLED if step.kind is StepKind.CANCELLED else _Kind.NEXT
        return _Outcome(
            kind, posted=_posted(row), step=step, before=before, shown=shown,
            editing=row.editing is not None,
        )  # fmt: skip


def _strip_bot_mention(text: str, bot_user_id: str | None) -> str:
    if bot_user_id:
        text = re.sub(rf"^\s*<@{re.escape(bot_user_id)}(?:\|[^>]*)?>[\s:,]*", "", text)
    return text


def handle_message(
    *,
    services: Services,
    client: WebClient,
    team_id: str,
    event: dict[str, object],
    bot_user_id: str | None,
) -> bool:
    """A person wrote in a DM with the bot, or in a channel the bot is in; ``True`` if this
    was registration business.

    A message in a DM or in a thread where the writer has a registration going is that
    registration's next answer. Otherwise ``register`` or ``edit NAME`` starts one: in a DM,
    there; in a channel only when addressed to the bot (``@Batchscout register``), in the
    message's thread.
    """
    user_id = str(event.get("user") or "")
    channel_id = str(event.get("channel") or "")
    if not user_id or not channel_id:
        return False
    raw = str(event.get("text") or "")
    in_dm = _in_dm(event)
    thread_ts = str(event.get("thread_ts") or "")
    text = typed_text(_strip_bot_mention(raw, bot_user_id)).strip()

    with services.session() as session:
        row = None
        if thread_ts:
            row = find_active_conversation(
                session=session,
                team_id=team_id,
                channel_id=channel_id,
                thread_ts=thread_ts,
                user_id=user_id,
            )
        if row is None and in_dm:
            row = find_active_conversation(
                session=session,
                team_id=team_id,
                channel_id=channel_id,
                thread_ts="",
                user_id=user_id,
            )
        found = row.id if row is not None else None
    if found is not None:
        where = Place(channel_id, thread_ts)
        answer(
            services=services, client=client, team_id=team_id, user_id=user_id,
            conversation_id=found, text=text, where=where,
        )  # fmt: skip
        return True
    if not in_dm and not _addressed(event, bot_user_id):
        return False
    wanted = _START.match(" ".join(text.split()))
    if wanted is None:
        return False
    place = Place(channel_id, "" if in_dm else thread_ts or str(event.get("ts") or ""))
    name = wanted.group("name")
    started = start(
        services=services, client=client, team_id=team_id, user_id=user_id, place=place,
        editing=name.strip().strip("\"'“”‘’") if name else None,
    )  # fmt: skip
    if not started:
        _post(client, place, note(messages.NO_SUCH_WORKFLOW.format(name=escape(name or ""))))
    return True


def point_to_commands(
    *, client: WebClient, event: dict[str, object], bot_user_id: str | None
) -> None:
    """A DM, or a message addressed to the bot, that nothing handled: say what works."""
    channel_id = str(event.get("channel") or "")
    if not channel_id or not (_in_dm(event) or _addressed(event, bot_user_id)):
        return
    thread_ts = str(event.get("thread_ts") or "")
    reply = Place(channel_id, thread_ts or ("" if _in_dm(event) else str(event.get("ts") or "")))
    _post(client, reply, note(messages.DM_HINT))


def _in_dm(event: dict[str, object]) -> bool:
    return event.get("channel_type") == "im" or str(event.get("channel") or "").startswith("D")


def _addressed(event: dict[str, object], bot_user_id: str | None) -> bool:
    return bool(bot_user_id) and str(event.get("text") or "").lstrip().startswith(
        f"<@{bot_user_id}"
    )


def model_options(
    *, services: Services, team_id: str, user_id: str, block_id: str, query: str
) -> list[dict[str, object]]:
    """Options for the model menu: catalog models of the chosen provider matching ``query``."""
    _, _, ids = block_id.partition(":")
    reference = ButtonValue.decode(f"{ids}:")
    if reference is None:
        return []
    with services.session() as session:
        row = get_conversation(
            session=session, team_id=team_id, conversation_id=reference.conversation_id
        )
        if row is None or row.user_id != user_id or row.status != ConversationStatus.ACTIVE:
            return []
        try:
            conversation = _resume(session, row)
        except StateError:
            return []
    found = conversation.model_search(typed_text(query), limit=100)
    choices = []
    for model in found:
        value = ButtonValue(reference.conversation_id, reference.version, model).encode()
        if len(value) <= 150:
            choices.append(option(model, value))
    return choices


def expire_idle(
    *,
    services: Services,
    client_for_team: Callable[[str], WebClient],
    now: datetime | None = None,
) -> int:
    """Close every conversation idle for 24 hours, with a note in its place; returns how many.

    For a periodic job (``serve``'s scheduler). Conversations are also expired lazily, when
    their person next answers.
    """
    closed = 0
    with services.session() as session:
        teams = teams_with_expired_conversations(session=session, now=now)
    for team_id in teams:
        with services.session() as session:
            rows = expired_conversations(session=session, team_id=team_id, now=now)
            posted = []
            for row in rows:
                save_conversation(
                    session=session,
                    team_id=team_id,
                    conversation=row,
                    status=ConversationStatus.EXPIRED,
                    now=now,
                )
                posted.append(_posted(row))
        client = client_for_team(team_id)
        for item in posted:
            _replace(client, item.place, item.message_ts, note(messages.REGISTRATION_EXPIRED))
            closed += 1
    return closed
