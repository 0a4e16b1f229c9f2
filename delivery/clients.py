"""Web API clients: one place that knows ``SLACK_API_URL``, the retry policy."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from batchscout.settings import Settings

#: How many 429s in a row a request waits out (each for its ``Retry-After``). Slack allows
#: about one message a second per channel and a few hundred a minute per workspace: a digest's
#: five messages in a busy workspace can meet many 429s, and none may be given up.
RATE_LIMIT_RETRIES = 100


def make_web_client(
    settings: Settings, *, token: str | None = None, rate_limit_retries: int = RATE_LIMIT_RETRIES
) -> WebClient:
    """A Web API client for ``SLACK_API_URL`` that retries rate limits and transient failures.

    429s wait for ``Retry-After`` (up to ``rate_limit_retries`` times in a row); 5xx answers
    and dropped connections are retried with backoff (slack_sdk's own retry handlers).
    """
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def without_connection_retries(client: WebClient) -> WebClient:
    """The same client, except that a dropped connection is raised instead of re-sent.

    For calls that are not idempotent (``chat.postMessage``): Slack may have applied a post
    whose answer was lost, so the caller looks for it before sending again.
    """
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        retry_handlers=[
            handler
            for handler in client.retry_handlers
            if not isinstance(handler, ConnectionErrorRetryHandler)
        ],
    )
