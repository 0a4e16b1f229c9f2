"""Shared fixtures: databases (SQLite always, PostgreSQL when TEST_POSTGRES_URL is set) and the CLI."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from typer.testing import CliRunner

from batchscout.logs import JsonFormatter
from batchscout.services.history import PROCESS_GATE
from batchscout.storage.db import make_engine, normalise_url, upgrade

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")


class LogLines:
    """The JSON lines every logger wrote during a test, as the operator reads them."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def events(self, logger: str | None = None) -> list[dict[str, object]]:
        """Each line parsed (a line that is not one JSON object fails the test)."""
        lines = [json.loads(line) for line in self.text.splitlines()]
        return [line for line in lines if logger is None or line["logger"] == logger]

    def named(self, event: str) -> list[dict[str, object]]:
        return [line for line in self.events() if line["event"] == event]


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    """Every log record of the test, rendered by Batchscout's own formatter (debug and up)."""
    lines = LogLines()
    handler = logging.StreamHandler(lines.stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture(autouse=True)
def fresh_history_gate() -> Iterator[None]:
    """Each test starts with the process's Slack history gate unspent, as a new process would
    (one test's reads never make the next one wait a minute)."""
    PROCESS_GATE.reset()
    yield
    PROCESS_GATE.reset()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'batchscout.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    if not POSTGRES_URL:
        if os.environ.get("BATCHSCOUT_REQUIRE_POSTGRES"):
            pytest.fail("BATCHSCOUT_REQUIRE_POSTGRES is set but TEST_POSTGRES_URL is not")
        pytest.skip(
            "PostgreSQL tests need TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1/test)"
        )
    admin_url = normalise_url(POSTGRES_URL)
    name = f"batchscout_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each storage test runs on SQLite and on PostgreSQL."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def cli_runner() -> CliRunner:
    """Typer's in-process runner with standard error kept apart from standard output, at
    every Click version the project allows (before 8.2 that takes ``mix_stderr=False``; from
    8.2 on it is always apart and the argument is gone)."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def run_cli(
    *args: str,
    database_url: str,
    stdin: str | None = None,
    check: bool = False,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``batchscout`` console script in a subprocess (in ``cwd``, where a
    ``.env`` file may wait; an empty ``database_url`` leaves ``DATABASE_URL`` unset)."""
    script = Path(sys.executable).with_name("batchscout")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "batchscout"]
    env = {**os.environ, "DATABASE_URL": database_url, "COLUMNS": "160", "NO_COLOR": "1"}
    result = subprocess.run(
        [*command, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=cwd,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"batchscout {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result
