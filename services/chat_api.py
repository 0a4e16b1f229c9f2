"""A synchronous chat model with tools, as the question-answering use case sees it: turns,
tool calls, the :class:`ChatModel` protocol that each provider's adapter
(``batchscout.assist.chat``: OpenAI Chat Completions, Anthropic Messages) implements, and the
per-person question limit.

A person is waiting for the answer, so this is the real-time lane by Batchscout's own rules:
a synchronous request, never a batch. Nothing here talks to a provider; the process that
serves the Slack app (``batchscout serve``) builds an adapter and injects it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from batchscout.services.tools import AssistantTool


class ChatError(RuntimeError):
    """The model could not be asked (refused, unreachable, timed out, malformed answer); the
    message never carries a key."""


@dataclass(frozen=True, slots=True)
class ToolCall:
    """The model asks for tool ``name`` with ``arguments``; ``id`` pairs the call with its
    result."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ChatTurn:
    """One step of the exchange: the person's question (``user``), the model's reply with any
    tool calls (``assistant``), or one tool's result (``tool``, answering ``call_id``)."""

    role: Literal["user", "assistant", "tool"]
    text: str = ""
    calls: tuple[ToolCall, ...] = ()
    call_id: str = ""
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class ChatReply:
    """What the model said: its text, and the tools it wants called first (none: final)."""

    text: str
    calls: tuple[ToolCall, ...] = ()


class ChatModel(Protocol):
    """A provider's synchronous chat endpoint with tool calling."""

    provider: str
    model: str

    def reply(
        self, *, system: str, turns: Sequence[ChatTurn], tools: Sequence[AssistantTool]
    ) -> ChatReply:
        """The model's next reply to ``turns``, offered ``tools``; raises :class:`ChatError`."""
        ...


@dataclass
class QuestionLimit:
    """At most ``per_minute`` questions per person (team and user) in any 60 seconds, in this
    process; thread-safe. ``clock`` is monotonic seconds."""

    clock: Callable[[], float] = time.monotonic
    _asked: dict[tuple[str, str], deque[float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def allow(self, team_id: str, user_id: str, per_minute: int) -> bool:
        """Count a question and say whether it may be answered now."""
        now = self.clock()
        with self._lock:
            asked = self._asked.setdefault((team_id, user_id), deque())
            while asked and now - asked[0] >= 60:
                asked.popleft()
            if len(asked) >= per_minute:
                return False
            asked.append(now)
            return True
