"""The registration conversation in Slack: a question, the summary card, an answered
question, the saved card and closing notes.

Every button carries ``CONVERSATION_ID:VERSION:ANSWER`` so the app knows which conversation
it answers and can tell a stale button (the question moved on) from a live one.
"""

from __future__ import annotations

from dataclasses import dataclass

from batchscout.audit.inventory import SLACK_USER_ID
from batchscout.audit.registration import (
    CHANGE_PREFIX,
    Option,
    Prompt,
    PromptKind,
    Step,
    summary_lines,
)
from batchscout.delivery.blocks import (
    MAX_ACTIONS_ELEMENTS,
    Block,
    Message,
    actions,
    button,
    clip,
    context,
    fields,
    header,
    option,
    section,
)
from batchscout.delivery.lanes import workflow_lane_rows
from batchscout.delivery.mrkdwn import escape

ANSWER_ACTION = "reg_answer"
MODEL_ACTION = "reg_model"
OWNER_ACTION = "reg_owner"
#: The summary card's one "Change an answer" menu (instead of a Change button per answer).
CHANGE_ACTION = f"{ANSWER_ACTION}:summary:change"
#: Answers shown as fields on the summary card, in this order (the rest are in the menu).
SUMMARY_FIELDS = ("Class", "Saves", "Flex now", "Batch if the requirement is relaxed",
                  "Flex now or batch", "Already saves", "Costs", "Volume", "Priced as")  # fmt: skip
#: Typed-command buttons under every question, in this order.
NAVIGATION = (("back", "Back"), ("skip", "Skip"), ("keep", "Keep"), ("cancel", "Cancel"))


@dataclass(frozen=True, slots=True)
class ButtonValue:
    """What a registration button or menu says: which conversation, at which version, what."""

    conversation_id: int
    version: int
    answer: str

    def encode(self) -> str:
        return f"{self.conversation_id}:{self.version}:{self.answer}"

    @classmethod
    def decode(cls, value: str) -> ButtonValue | None:
        conversation_id, _, rest = value.partition(":")
        version, _, answer = rest.partition(":")
        if not (conversation_id.isdigit() and version.isdigit()):
            return None
        return cls(int(conversation_id), int(version), answer)


def _answer_button(index: int, option: Option, *, conversation_id: int, version: int) -> Block:
    value = ButtonValue(conversation_id, version, option.value).encode()
    return button(
        f"{index}. {option.label}",
        action_id=f"{ANSWER_ACTION}:{index}:{option.value}"[:255],
        value=value,
    )


def _choice_blocks(prompt: Prompt, *, conversation_id: int, version: int) -> list[Block]:
    buttons = [
        _answer_button(i, option, conversation_id=conversation_id, version=version)
        for i, option in enumerate(prompt.options, start=1)
    ]
    return [
        actions(*buttons[start : start + MAX_ACTIONS_ELEMENTS])
        for start in range(0, len(buttons), MAX_ACTIONS_ELEMENTS)
    ]


def person(value: str) -> str:
    """A Slack user id as a mention (``<@U0123ABCD>``): people, never ids, in Slack text.
    Anything else is escaped as typed."""
    return f"<@{value}>" if SLACK_USER_ID.match(value) else escape(value)


def _keep_label(prompt: Prompt) -> str:
    """ "Keep" says what it keeps: ``Keep: per day``; the owner (a person, not plain text) is
    ``Keep the owner``."""
    if prompt.key == "owner":
        return "Keep the owner"
    return f"Keep: {clip(prompt.default or '', 60)}"


def _navigation(prompt: Prompt, *, conversation_id: int, version: int) -> Block:
    shown = [
        (command, label)
        for command, label in NAVIGATION
        if (command != "skip" or prompt.optional)
        and (command != "keep" or prompt.default)
        and (command != "back" or not prompt.first)  # nothing to go back to
    ]
    return actions(
        *(
            button(
                _keep_label(prompt) if command == "keep" else label,
                action_id=f"{ANSWER_ACTION}:nav:{command}",
                value=ButtonValue(conversation_id, version, command).encode(),
                style="danger" if command == "cancel" else None,
            )
            for command, label in shown
        )
    )


def _model_menu(*, conversation_id: int, version: int) -> Block:
    return {
        "type": "actions",
        "block_id": f"{MODEL_ACTION}:{conversation_id}:{version}",
        "elements": [
            {
                "type": "external_select",
                "action_id": MODEL_ACTION,
                "placeholder": {"type": "plain_text", "text": "Search the price catalog"},
                "min_query_length": 0,
            }
        ],
    }


def _owner_picker(*, conversation_id: int, version: int) -> Block:
    """Pick the owner among the workspace's people, or press *Me*."""
    return {
        "type": "actions",
        "block_id": f"{OWNER_ACTION}:{conversation_id}:{version}",
        "elements": [
            {
                "type": "users_select",
                "action_id": OWNER_ACTION,
                "placeholder": {"type": "plain_text", "text": "Pick the owner"},
            },
            button(
                "Me",
                action_id=f"{ANSWER_ACTION}:owner:me",
                value=ButtonValue(conversation_id, version, "me").encode(),
            ),
        ],
    }


def _lead(step: Step, prompt: Prompt) -> list[Block]:
    blocks: list[Block] = []
    if step.message:
        blocks.append(section(f":information_source: {escape(step.message)}"))
    if prompt.error:
        blocks.append(section(f":warning: {escape(prompt.error)}"))
    return blocks


def question(
    step: Step, *, conversation_id: int, version: int, intro: str | None = None
) -> Message:
    """A question: any note or error first, the question, its choices, then Back/Skip/Keep/Cancel."""
    prompt = step.prompt
    assert prompt is not None, "a question step carries its prompt"
    blocks: list[Block] = []
    if intro:
        blocks.append(section(intro))
    blocks += _lead(step, prompt)
    blocks.append(section(f"*{escape(prompt.text)}*"))
    if prompt.default:
        current = (
            person(prompt.default) if prompt.key == "owner" else escape(clip(prompt.default, 500))
        )
        blocks.append(context(f"Current answer: {current}"))
    if prompt.key == "owner":
        blocks.append(_owner_picker(conversation_id=conversation_id, version=version))
    if prompt.kind is PromptKind.MODEL:
        blocks.append(_model_menu(conversation_id=conversation_id, version=version))
    if prompt.options:
        blocks += _choice_blocks(prompt, conversation_id=conversation_id, version=version)
    blocks.append(_navigation(prompt, conversation_id=conversation_id, version=version))
    blocks.append(context(escape(prompt.hint)))
    text = prompt.error or prompt.text
    return Message(text=escape(text), blocks=blocks)


def _card_lines(step: Step) -> list[Block]:
    """The card, compact for a phone: the name, one fields block (class, money, volume,
    price, owner), then why and what to do, each a sentence."""
    assert step.assessment is not None, "a summary carries its assessment"
    assessment = step.assessment
    lines = summary_lines(assessment)
    values = dict(lines[1:])
    pairs = [(label, escape(values[label])) for label in SUMMARY_FIELDS if label in values]
    owner = assessment.spec.owner
    pairs.append(("Owner", person(owner) if owner else "—"))
    blocks: list[Block] = [header(lines[0][1]), fields(pairs)]
    why = [escape(values[label]) for label in ("Why", "Advice") if label in values]
    blocks.append(section("\n".join(why)))
    notes = [escape(value) for label, value in lines if label in ("Note", "Per request")]
    notes += [
        f"{escape(label)}: {escape(value)}"
        for label, value in workflow_lane_rows(assessment.spec.mode, assessment.figures)
    ]
    if notes:
        blocks.append(context(*notes))
    return blocks


def _change_menu(prompt: Prompt, *, conversation_id: int, version: int) -> Block | None:
    """One "Change an answer" menu: each answer with its current value (the owner by name
    only: a menu shows plain text, where a person cannot be a mention)."""
    changes = [o for o in prompt.options if o.value.startswith(CHANGE_PREFIX)]
    if not changes:
        return None
    menu_options = []
    for change in changes:
        title, _, value = change.label.removeprefix("Change ").partition(": ")
        text = title if change.value == f"{CHANGE_PREFIX}owner" else f"{title}: {value}"
        menu_options.append(
            option(text, ButtonValue(conversation_id, version, change.value).encode())
        )
    return {
        "type": "static_select",
        "action_id": CHANGE_ACTION,
        "placeholder": {"type": "plain_text", "text": "Change an answer"},
        "options": menu_options[:100],
    }


def summary(step: Step, *, conversation_id: int, version: int, intro: str | None = None) -> Message:
    """The summary card: class, money, owner, why and advice in one compact block, then Save,
    Cancel and one "Change an answer" menu, above the fold on a phone."""
    prompt = step.prompt
    assert prompt is not None and step.assessment is not None
    blocks: list[Block] = []
    if intro:
        blocks.append(section(intro))
    blocks += _lead(step, prompt)
    blocks += _card_lines(step)
    styles = {"save": "primary", "cancel": "danger"}
    elements: list[Block] = [
        button(
            choice.label,
            action_id=f"{ANSWER_ACTION}:summary:{choice.value}",
            value=ButtonValue(conversation_id, version, choice.value).encode(),
            style=styles.get(choice.value),
        )
        for choice in prompt.options
        if choice.value in ("save", "cancel")
    ]
    menu = _change_menu(prompt, conversation_id=conversation_id, version=version)
    if menu is not None:
        elements.insert(1, menu)
    blocks.append(actions(*elements))
    blocks.append(context(f"{escape(prompt.text)} Nothing is stored until you press Save."))
    name = escape(step.assessment.spec.name)
    return Message(
        text=f"Save {name}? {step.assessment.classification.latency_class}", blocks=blocks
    )


def saved(step: Step, *, note: str) -> Message:
    """The card of a saved workflow (no buttons), with ``note`` (already escaped)."""
    assert step.assessment is not None
    blocks = _card_lines(step)
    blocks.append(section(f":white_check_mark: {note}"))
    return Message(text=note, blocks=blocks)


def answered(prompt: Prompt, answer: str) -> Message:
    """A question once answered: its text and the answer, with the buttons gone."""
    shown = person(answer) if prompt.key == "owner" else escape(clip(answer, 500))
    text = f"*{escape(prompt.text)}*\n{shown}"
    return Message(text=escape(prompt.text), blocks=[section(text)])


def shown_answer(prompt: Prompt, answer: str) -> str:
    """How to show an answer: an option's label for a button value, else what was typed."""
    for choice in prompt.options:
        if choice.value == answer:
            return choice.label
    return {"back": "← back", "skip": "(skipped)", "keep": "(kept)", "cancel": "(cancelled)"}.get(
        answer.strip().lower(), answer
    )
