"""Synchronous tool-calling chat: OpenAI Chat Completions with ``tools`` and Anthropic's
Messages API with ``tools``, behind :class:`~batchscout.services.chat_api.ChatModel`.

A person waits for each answer in Slack: the real-time lane, a synchronous request with a
short timeout and one retry (the SDK's), never a batch. The key and base URL are
:meth:`Settings.llm`'s (the SDKs' own variables); errors become
:class:`~batchscout.services.chat_api.ChatError` without the key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import anthropic
import openai

from batchscout.defaults import LLM_MODELS
from batchscout.logs import get_logger
from batchscout.services.chat_api import ChatError, ChatModel, ChatReply, ChatTurn, ToolCall
from batchscout.services.tools import AssistantTool
from batchscout.settings import Settings

log = get_logger(__name__)

#: Seconds a person may wait for one model reply.
TIMEOUT_SECONDS = 20.0
MAX_OUTPUT_TOKENS = 600


def _arguments(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError as error:
        raise ChatError("the model sent tool arguments that are not JSON") from error
    if not isinstance(value, dict):
        raise ChatError("the model sent tool arguments that are not an object")
    return value


class OpenAIChat:
    """Chat Completions with function tools."""

    provider = "openai"

    def __init__(self, client: openai.OpenAI, model: str) -> None:
        self.client = client
        self.model = model

    def reply(
        self, *, system: str, turns: Sequence[ChatTurn], tools: Sequence[AssistantTool]
    ) -> ChatReply:
        """One Chat Completions request; the reply's text and tool calls."""
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
        for turn in turns:
            if turn.role == "user":
                messages.append({"role": "user", "content": turn.text})
            elif turn.role == "assistant":
                messages.append({
                    "role": "assistant",
                    "content": turn.text or None,
                    "tool_calls": [
                        {"id": c.id, "type": "function",
                         "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
                        for c in turn.calls
                    ],
                })  # fmt: skip
            else:
                messages.append(
                    {"role": "tool", "tool_call_id": turn.call_id, "content": turn.text}
                )
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                tools=[
                    {
                        "type": "function",
                        "function": {
                            "name": t.name,
                            "description": t.description,
                            "parameters": t.input_schema,
                        },
                    }
                    for t in tools
                ],
                max_completion_tokens=MAX_OUTPUT_TOKENS,
                timeout=TIMEOUT_SECONDS,
            )
        except openai.OpenAIError as error:
            raise ChatError(f"OpenAI refused or did not answer ({type(error).__name__})") from error
        if not response.choices:
            raise ChatError("OpenAI answered with no choice")
        message = response.choices[0].message
        calls = tuple(
            ToolCall(call.id, call.function.name, _arguments(call.function.arguments))
            for call in message.tool_calls or []
            if call.type == "function"
        )
        return ChatReply(message.content or "", calls)


class AnthropicChat:
    """The Messages API with tools."""

    provider = "anthropic"

    def __init__(self, client: anthropic.Anthropic, model: str) -> None:
        self.client = client
        self.model = model

    def reply(
        self, *, system: str, turns: Sequence[ChatTurn], tools: Sequence[AssistantTool]
    ) -> ChatReply:
        """One Messages request; the reply's text and tool uses."""
        messages: list[dict[str, Any]] = []
        for turn in turns:
            if turn.role == "user":
                messages.append({"role": "user", "content": turn.text})
            elif turn.role == "assistant":
                content: list[dict[str, Any]] = (
                    [{"type": "text", "text": turn.text}] if turn.text else []
                )
                content += [
                    {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
                    for c in turn.calls
                ]
                messages.append({"role": "assistant", "content": content})
            else:
                result = {"type": "tool_result", "tool_use_id": turn.call_id, "content": turn.text,
                          "is_error": turn.is_error}  # fmt: skip
                # Consecutive results answer one assistant turn: one user message holds them.
                if (
                    messages
                    and messages[-1]["role"] == "user"
                    and isinstance(messages[-1]["content"], list)
                ):
                    messages[-1]["content"].append(result)
                else:
                    messages.append({"role": "user", "content": [result]})
        try:
            response = self.client.messages.create(
                model=self.model,
                system=system,
                messages=messages,  # type: ignore[arg-type]
                tools=[
                    {"name": t.name, "description": t.description, "input_schema": t.input_schema}
                    for t in tools
                ],
                max_tokens=MAX_OUTPUT_TOKENS,
                timeout=TIMEOUT_SECONDS,
            )
        except anthropic.AnthropicError as error:
            raise ChatError(
                f"Anthropic refused or did not answer ({type(error).__name__})"
            ) from error
        text = "".join(block.text for block in response.content if block.type == "text")
        calls = tuple(
            ToolCall(
                block.id, block.name, dict(block.input) if isinstance(block.input, dict) else {}
            )
            for block in response.content
            if block.type == "tool_use"
        )
        return ChatReply(text, calls)


def chat_model_from_settings(settings: Settings) -> ChatModel | None:
    """The chat model ``BATCHSCOUT_LLM_PROVIDER`` names (``BATCHSCOUT_ASSISTANT_MODEL``, else
    ``BATCHSCOUT_DIGEST_MODEL``, else the provider's default), or ``None`` for ``none`` or no
    key: questions are then answered by keywords."""
    access = settings.llm()
    if access is None:
        return None
    model = settings.batchscout_assistant_model or access.model or LLM_MODELS[access.provider]
    if access.provider == "openai":
        return OpenAIChat(
            openai.OpenAI(api_key=access.api_key, base_url=access.base_url, max_retries=1), model
        )
    return AnthropicChat(
        anthropic.Anthropic(api_key=access.api_key, base_url=access.base_url, max_retries=1), model
    )
