"""A worker process for the fault tests: runs digest steps at given times, and SIGKILLs
itself at one chosen point (the fault), exactly as a crash would stop it there.

``python -m tests.faults.digest_worker '<json>'`` with ``database``, ``slack_api``,
``openai_url``, ``kill`` (a point of :data:`KILL_POINTS`, or ``""``) and ``steps``: a list of
``[action, ISO time]`` with action ``prepare``, ``poll``, ``post``, ``catch_up`` or ``now``.
The code under test is the real one; only the kill is injected, around the SDK calls.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

import openai
from slack_sdk import WebClient

from batchscout.delivery.clients import make_web_client
from batchscout.jobs.llm_batch import OpenAIBatchProvider
from batchscout.services import batches, digests
from batchscout.services.runtime import Runtime
from batchscout.settings import Settings
from batchscout.storage import digests as store
from batchscout.storage.db import make_engine

#: Where a digest can be killed: its prose batch's intent stored (not yet sent to the
#: provider), the batch created (not yet recorded), the batch being polled, its results
#: stored (nothing posted yet), the top message posted (not yet recorded).
KILL_POINTS = ("intent", "created", "polling", "results", "posted")
#: After the top message is recorded: the thread's second part posted (not yet recorded), or
#: posted and recorded (the third not yet begun).
THREAD_KILL_POINTS = ("thread_sent", "thread_recorded")


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def before(
    call: Callable[..., Any], *, when: Callable[..., bool] = lambda *a, **k: True
) -> Callable[..., Any]:
    def killed(*args: Any, **kwargs: Any) -> Any:
        if when(*args, **kwargs):
            die()
        return call(*args, **kwargs)

    return killed


def after(call: Callable[..., Any], *, when: Callable[..., bool] = lambda *a, **k: True) -> Any:
    def killed(*args: Any, **kwargs: Any) -> Any:
        result = call(*args, **kwargs)
        if when(*args, **kwargs):
            die()
        return result

    return killed


def arm(kill: str) -> None:
    """Put the kill at its point (around the SDK and storage calls, never inside our logic)."""
    if kill == "intent":
        OpenAIBatchProvider.submit = before(OpenAIBatchProvider.submit)  # type: ignore[method-assign]
    elif kill == "created":
        OpenAIBatchProvider.submit = after(OpenAIBatchProvider.submit)  # type: ignore[method-assign]
    elif kill == "polling":
        OpenAIBatchProvider.poll = before(OpenAIBatchProvider.poll)  # type: ignore[method-assign]
    elif kill == "results":
        batches._poll_one = after(batches._poll_one)  # type: ignore[assignment]
    elif kill == "posted":
        WebClient.chat_postMessage = after(  # type: ignore[method-assign]
            WebClient.chat_postMessage,
            when=lambda *a, **k: (
                (k.get("metadata") or {}).get("event_type") == digests.METADATA_EVENT
            ),
        )
    elif kill == "thread_recorded":  # as the third part's sending is about to be recorded
        store.thread_step = before(  # type: ignore[assignment]
            store.thread_step,
            when=lambda *a, **k: k["next_step"] == 2 and k["sending"],
        )
    elif kill == "thread_sent":
        WebClient.chat_postMessage = after(  # type: ignore[method-assign]
            WebClient.chat_postMessage,
            when=lambda *a, **k: (
                (k.get("metadata") or {}).get("event_type") == digests.THREAD_EVENT
                and k["metadata"]["event_payload"]["part"] == 1
            ),
        )


def main(config: dict[str, Any]) -> None:
    engine = make_engine(config["database"])
    client = make_web_client(Settings(slack_api_url=config["slack_api"]), token="xoxb-test")
    provider = OpenAIBatchProvider(
        openai.OpenAI(base_url=config["openai_url"], api_key="sk-test-fake", max_retries=0),
        "gpt-4.1-mini",
    )
    runtime = Runtime(
        engine=engine, slack=lambda team_id: client, provider=provider, worker_id=str(os.getpid())
    )
    arm(config.get("kill", ""))
    for action, at in config["steps"]:
        now = datetime.fromisoformat(at)
        if action == "prepare":
            digests.prepare_due_digests(runtime, now=now)
        elif action == "poll":
            digests.poll_batches(runtime, now=now)
        elif action == "post":
            digests.post_digest(runtime, int(config["subscription_id"]), now=now)
        elif action == "catch_up":
            digests.catch_up(runtime, now=now)
        elif action == "now":
            digests.digest_now(
                runtime, team_id=config["team_id"], channel_id=config["channel_id"], wait=30,
                poll_interval=0.01, clock=lambda now=now: now, sleep=lambda _seconds: None,
            )  # fmt: skip
        else:
            raise SystemExit(f"unknown action {action}")


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
