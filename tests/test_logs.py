"""Structured logs: one JSON object a line for our loggers and the libraries' alike, secrets
redacted by one processor, and one call style across the code."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import pytest

from batchscout.logs import QUIET_AT_INFO, REDACTED, configure_logging, get_logger
from tests.conftest import LogLines

ROOT = Path(__file__).resolve().parent.parent
SOURCE_FOLDERS = ("base", "audit", "storage", "delivery", "services", "bot", "jobs", "cli")

SECRETS = [
    "xoxb-1234-5678-abcdefABCDEF",  # bot token
    "xoxp-1234-5678-9999-abcdef",  # user token
    "xoxe.xoxp-1-Mi0yLTEyMzQ",  # rotated user token
    "xapp-1-A0123-4567-abcdef",  # app-level token (Socket Mode)
    "sk-proj-AbC123_def-456",  # OpenAI project key
    "sk-admin-AbC123def456",  # OpenAI admin key
    "sk-ant-api03-AbC123-def456",  # Anthropic API key
    "sk-ant-admin01-AbC123-def456",  # Anthropic admin key
]


@pytest.mark.parametrize("secret", SECRETS)
def test_a_secret_value_is_redacted_wherever_it_appears(log_lines: LogLines, secret: str) -> None:
    log = get_logger("batchscout.test")
    log.warning(f"saw {secret} in the event text", note=f"the key is {secret}.", nested=[secret])
    logging.getLogger("slack_sdk.web").error("Bolt says %s", secret, exc_info=ValueError(secret))

    assert secret not in log_lines.text
    ours, theirs = log_lines.events()
    assert ours["event"] == f"saw {REDACTED} in the event text"
    assert ours["note"] == f"the key is {REDACTED}." and ours["nested"] == [REDACTED]
    assert theirs["event"] == f"Bolt says {REDACTED}"
    assert theirs["exception"] == f"ValueError: {REDACTED}"


def test_fields_named_as_secrets_are_redacted_and_token_counts_are_not(
    log_lines: LogLines,
) -> None:
    get_logger("batchscout.test").info(
        "request",
        bot_token="anything",
        signing_secret="abc",
        api_key="k",
        headers={"Authorization": "Bearer abc", "x-api-key": "k", "Accept": "json"},
        password="p",
        input_tokens=1200,
        max_tokens=300,
    )
    (line,) = log_lines.named("request")
    assert line["bot_token"] == line["signing_secret"] == line["api_key"] == REDACTED
    assert line["password"] == REDACTED
    assert line["headers"] == {"Authorization": REDACTED, "x-api-key": REDACTED, "Accept": "json"}
    assert (line["input_tokens"], line["max_tokens"]) == (1200, 300)


def test_a_database_password_in_a_url_is_redacted(log_lines: LogLines) -> None:
    url = "postgresql+psycopg://batchscout:s3cr%40t-pw@db.internal:5432/batchscout"
    get_logger("batchscout.test").error(
        "database unreachable", url=url, error=f"cannot reach {url}"
    )

    (line,) = log_lines.named("database unreachable")
    assert "s3cr" not in log_lines.text
    assert line["url"] == f"postgresql+psycopg://batchscout:{REDACTED}@db.internal:5432/batchscout"
    assert str(line["error"]).endswith(f"batchscout:{REDACTED}@db.internal:5432/batchscout")


def test_a_line_is_one_json_object_with_time_level_logger_and_fields(
    log_lines: LogLines,
) -> None:
    log = get_logger("batchscout.jobs.example")
    try:
        raise RuntimeError("database away")
    except RuntimeError:
        log.exception("tick failed", attempt=2)

    (line,) = log_lines.events("batchscout.jobs.example")
    assert line["event"] == "tick failed" and line["attempt"] == 2 and line["level"] == "error"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", str(line["time"]))
    assert "RuntimeError: database away" in str(line["exception"])


def test_configure_logging_renders_every_logger_once_and_honours_the_level(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    try:
        configure_logging("info", stream)
        configure_logging("info", stream)  # again: still one handler
        get_logger("batchscout.test").info("worker started", worker="w1")
        get_logger("batchscout.test").debug("too chatty")
        logging.getLogger("slack_bolt.App").info("Bolt app started")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        for name in QUIET_AT_INFO:  # configure_logging quiets these; other tests expect them
            logging.getLogger(name).setLevel(logging.NOTSET)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["logger"], line["event"]) for line in lines] == [
        ("batchscout.test", "worker started"),
        ("slack_bolt.App", "Bolt app started"),
    ]
    assert capsys.readouterr().out == ""  # never on standard output, where commands print


def test_every_module_logs_through_get_logger() -> None:
    """One call style: ``log = get_logger(__name__)``; only Bolt is handed a stdlib logger."""
    allowed = {ROOT / "base" / "logs.py", ROOT / "bot" / "app.py"}
    offenders = []
    for folder in SOURCE_FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            stdlib = "logging.getLogger(" in text or "log_event(" in text
            if (stdlib and path not in allowed) or 'json.dumps({"event"' in text:
                offenders.append(str(path.relative_to(ROOT)))
            if "get_logger(" in text and path not in allowed:
                assert "log = get_logger(__name__)" in text, path
    assert offenders == []
