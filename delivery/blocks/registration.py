"""The registration conversation in Slack: a question, the summary card, an answered
question, the saved card and closing notes.

Every button carries ``CONVERSATION_ID:VERSION:ANSWER`` so the app knows which conversation
it answers and can tell a stale button (the question moved on) from a live one.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    divider,
    header,
    section,
)
from batchscout.delivery.lanes import workflow_lane_rows
from batchscout.delivery.mrkdwn import escape

ANSWER_ACTION = "reg_answer"
MODEL_ACTION = "reg_model"
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
                label,
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
        blocks.append(context(f"Current answer: {escape(clip(prompt.default, 500))}"))
    if prompt.kind is PromptKind.MODEL:
        blocks.append(_model_menu(conversation_id=conversation_id, version=version))
    if prompt.options:
        blocks += _choice_blocks(prompt, conversation_id=conversation_id, version=version)
    blocks.append(_navigation(prompt, conversation_id=conversation_id, version=version))
    blocks.append(context(escape(prompt.hint)))
    text = prompt.error or prompt.text
    return Message(text=escape(text), blocks=blocks)


def _card_lines(step: Step) -> list[Block]:
    assert step.assessment is not None, "a summary carries its assessment"
    assessment = step.assessment
    lines = summary_lines(assessment) + workflow_lane_rows(assessment.spec.mode, assessment.figures)
    blocks: list[Block] = [header(lines[0][1])]
    blocks += [section(f"*{escape(label)}*\n{escape(value)}") for label, value in lines[1:]]
    return blocks


def summary(step: Step, *, conversation_id: int, version: int, intro: str | None = None) -> Message:
    """The summary card: class, rationale, flag, cost, savings, advice; Save / Edit / Cancel."""
    prompt = step.prompt
    assert prompt is not None and step.assessment is not None
    blocks: list[Block] = []
    if intro:
        blocks.append(section(intro))
    blocks += _lead(step, prompt)
    blocks += _card_lines(step)
    blocks.append(divider())
    changes = [o for o in prompt.options if o.value.startswith(CHANGE_PREFIX)]
    if changes:
        blocks.append(section("*Your answers*"))
    for option in changes:
        # "Change Volume: 50,000 per day" → "*Volume:* 50,000 per day" and a Change button.
        title, _, value = option.label.removeprefix("Change ").partition(": ")
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{escape(title)}:* {escape(value)}"},
                "accessory": button(
                    "Change",
                    action_id=f"{ANSWER_ACTION}:summary:{option.value}",
                    value=ButtonValue(conversation_id, version, option.value).encode(),
                ),
            }
        )
    blocks.append(section(f"*{escape(prompt.text)}* Nothing is stored until you press Save."))
    styles = {"save": "primary", "cancel": "danger"}
    blocks.append(
        actions(
            *(
                button(
                    option.label,
                    action_id=f"{ANSWER_ACTION}:summary:{option.value}",
                    value=ButtonValue(conversation_id, version, option.value).encode(),
                    style=styles.get(option.value),
                )
                for option in prompt.options
                if option.value in ("save", "cancel")
            )
        )
    )
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
    text = f"*{escape(prompt.text)}*\n{escape(clip(answer, 500))}"
    return Message(text=escape(prompt.text), blocks=[section(text)])


def shown_answer(prompt: Prompt, answer: str) -> str:
    """How to show an answer: an option's label for a button value, else what was typed."""
    for option in prompt.options:
        if option.value == answer:
            return option.label
    return {"back": "← back", "skip": "(skipped)", "keep": "(kept)", "cancel": "(cancelled)"}.get(
        answer.strip().lower(), answer
    )
