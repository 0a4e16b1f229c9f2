"""Structured logs: one JSON object a line, an ``event`` name and its fields. Never a secret."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

#: Keys whose values are never written, whatever a caller passes by mistake.
_SECRET_HINTS = ("token", "secret", "api_key", "password", "authorization")


def log_event(logger: logging.Logger, level: int, event: str, **fields: Any) -> None:
    """Log ``event`` with ``fields`` as structured data."""
    logger.log(level, event, extra={"event_fields": fields})


class JsonFormatter(logging.Formatter):
    """Formats records as JSON lines, with the fields given to :func:`log_event`."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in getattr(record, "event_fields", {}).items():
            redacted = any(hint in key.lower() for hint in _SECRET_HINTS)
            data[key] = "[redacted]" if redacted else value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    """Send JSON log lines to standard error (called once by long-running commands)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
