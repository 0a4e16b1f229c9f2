"""Structured logs through structlog: one JSON object a line, an ``event`` name and its fields.

One style of call site everywhere::

    log = get_logger(__name__)
    log.warning("digest skipped", run_id=run.id, reason="no_channel")

Lines written through the standard :mod:`logging` API (Bolt, slack_sdk, APScheduler, the
standard library's servers) go through the same processors, so every line on standard error
is one JSON object: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``event``, the fields, and
``exception`` when there is one. One processor, :func:`redact_secrets`, keeps secrets out:
fields whose names say they hold one, and any value that looks like a Slack token or a
provider API key, or is a URL's password, wherever it appears (a field, the event text, a
traceback).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import IO, Any, cast

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED = "[redacted]"

#: Parts of a field name that say its value is a secret (``bot_token``, ``client_secret``,
#: ``x-api-key``, ``Authorization``...). Matched on whole parts, so ``input_tokens`` stays.
_SECRET_PARTS = frozenset(
    {"token", "secret", "password", "passwd", "authorization", "apikey", "credentials", "cookie"}
)

#: Values that are secrets whatever they are called: Slack bot, user, app-level, refresh and
#: config tokens (``xoxb-``, ``xoxp-``, ``xoxa-``, ``xoxr-``, ``xoxe.xoxp-``, ``xapp-``) and
#: OpenAI / Anthropic API and admin keys (``sk-``, ``sk-proj-``, ``sk-admin-``, ``sk-ant-``,
#: ``sk-ant-admin01-``).
_SECRET_VALUE = re.compile(r"\b(?:xox[a-z](?:\.xox[a-z])?|xapp|sk)-[A-Za-z0-9_\-]+")

#: The password in a URL's credentials (``postgresql://user:password@host/db``).
_URL_PASSWORD = re.compile(r"(?<=://)([^:/@\s]+):[^@/\s]+@")


def _secret_key(key: object) -> bool:
    name = str(key).lower().replace("-", "_")
    parts = set(name.split("_"))
    return "api_key" in name or bool(parts & _SECRET_PARTS)


def _scrub(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {k: REDACTED if _secret_key(k) else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub(v) for v in value]
    text = _URL_PASSWORD.sub(rf"\1:{REDACTED}@", str(value))
    return _SECRET_VALUE.sub(REDACTED, text)


def redact_secrets(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """The one processor that keeps secrets out of logs.

    A field whose name holds ``token``, ``secret``, ``api_key``, ``password``,
    ``authorization`` (and the like) is replaced by ``[redacted]``, nested or not; any other
    value is written as text with Slack tokens, API keys and the password of a URL
    (``postgresql://user:…@host``) replaced by ``[redacted]``.
    Structlog's own keys (``_record``, ``exc_info``) pass through untouched.
    """
    for key, value in event_dict.items():
        if key.startswith("_") or key == "exc_info":
            continue
        event_dict[key] = REDACTED if _secret_key(key) else _scrub(value)
    return event_dict


#: Applied by the handler to every record, ours and the standard library's alike.
_RENDER: list[Processor] = [
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,  # reads ``_record``: before remove_processors_meta
    structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
    structlog.processors.format_exc_info,
    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
    redact_secrets,
    structlog.processors.JSONRenderer(default=str, ensure_ascii=False),
]


class JsonFormatter(structlog.stdlib.ProcessorFormatter):
    """Formats any :class:`logging.LogRecord` as one redacted JSON line."""

    def __init__(self) -> None:
        super().__init__(processors=_RENDER)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """The logger of module ``name``: ``log.info("event name", field=value, ...)``.

    Events become standard :mod:`logging` records (the event dictionary as ``record.msg``)
    of the logger called ``name``, filtered by its level and written by the handler that
    :func:`configure_logging` installs. Wrapped here rather than through
    ``structlog.configure``, so it behaves the same before configuration, in tests, and in
    one-shot commands that never configure it (it never prints to standard output).
    """
    wrapped = structlog.wrap_logger(
        logging.getLogger(name),
        processors=[
            structlog.stdlib.filter_by_level,
            redact_secrets,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
    )
    return cast(structlog.stdlib.BoundLogger, wrapped)


#: Libraries whose INFO lines are routine noise: shown only when the level is DEBUG.
QUIET_AT_INFO = ("apscheduler",)


class _StandardError(logging.StreamHandler[IO[str]]):
    """Writes to whatever ``sys.stderr`` is when a line is written, not the one there when
    logging was configured: a command run in-process (a test's runner, an embedding app) swaps
    it and closes its own afterwards (the standard library's ``logging.lastResort`` does the
    same)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        pass  # always the current standard error


def configure_logging(level: str = "INFO", stream: IO[str] | None = None) -> None:
    """Send JSON log lines to ``stream`` (standard error by default), for every logger.

    Called once by long-running commands (``batchscout slack``, ``batchscout worker``);
    replaces the root logger's handlers, so calling it again does not double lines.
    """
    handler = logging.StreamHandler(stream) if stream is not None else _StandardError()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # APScheduler says "Running job…", "…executed successfully" at INFO for every run of every
    # job (three lines a minute); our jobs log what they did. Its lines show at DEBUG.
    chatty = logging.WARNING if root.level > logging.DEBUG else logging.NOTSET
    for name in QUIET_AT_INFO:
        logging.getLogger(name).setLevel(chatty)


def event_of(record: logging.LogRecord) -> MutableMapping[str, Any]:
    """The event dictionary of a record one of our loggers wrote (for tests and handlers
    that read fields rather than text); a foreign record's message as ``{"event": text}``."""
    if isinstance(record.msg, dict):
        return cast(MutableMapping[str, Any], record.msg)
    return {"event": record.getMessage()}
