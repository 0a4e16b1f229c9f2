"""Web API clients: one place that knows ``SLACK_API_URL``, the retry policy and the auth mode."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from batchscout.settings import Settings


def make_web_client(settings: Settings, *, token: str | None = None) -> WebClient:
    """A Web API client for ``SLACK_API_URL`` that retries rate limits and transient failures.

    429s wait for ``Retry-After``; 5xx answers and dropped connections are retried with
    backoff (slack_sdk's own retry handlers).
    """
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def uses_oauth(settings: Settings) -> bool:
    """Whether the install flow is configured: a client id and a client secret are set.

    (Bolt itself switches to the install flow when it sees ``SLACK_CLIENT_ID`` and
    ``SLACK_CLIENT_SECRET``, so the same two decide here; the state secret is then required.)
    """
    return bool(settings.slack_client_id and settings.slack_client_secret)
