"""``batchscout serve`` refuses to start with clear messages when settings are missing."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from batchscout.cli import app
from tests.fakes.slack_api import FakeSlack

SLACK_VARIABLES = (
    "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET",
)  # fmt: skip


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> object:
    for name in SLACK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/serve.db")

    def invoke(*args: str, **env: str) -> tuple[int, str]:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(app, ["serve", *args])
        return result.exit_code, " ".join(result.output.split())

    return invoke


def test_http_needs_a_signing_secret_and_a_token(run) -> None:  # type: ignore[no-untyped-def]
    code, output = run("--http")
    assert code == 2
    assert "SLACK_SIGNING_SECRET is required with --http" in output
    assert "SLACK_BOT_TOKEN is required" in output


def test_the_install_flow_needs_a_state_secret(run) -> None:  # type: ignore[no-untyped-def]
    code, output = run(
        "--http", SLACK_SIGNING_SECRET="s", SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="c"
    )
    assert code == 2 and "SLACK_STATE_SECRET is required" in output


def test_socket_mode_needs_an_app_token(run) -> None:  # type: ignore[no-untyped-def]
    code, output = run(SLACK_BOT_TOKEN="xoxb-1")
    assert code == 2 and "SLACK_APP_TOKEN is required for Socket Mode" in output
    code, output = run(SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xoxb-wrong")
    assert code == 2 and "starts with xapp-" in output


def test_socket_mode_serves_one_workspace(run) -> None:  # type: ignore[no-untyped-def]
    code, output = run(
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_APP_TOKEN="xapp-1",
        SLACK_CLIENT_ID="1.2",
        SLACK_CLIENT_SECRET="c",
    )
    assert code == 2 and "unset SLACK_CLIENT_ID" in output


def test_a_refused_token_is_a_clear_error(run, slack: FakeSlack) -> None:  # type: ignore[no-untyped-def]
    slack.fail("auth.test", error="invalid_auth")
    code, output = run(
        "--http", SLACK_SIGNING_SECRET="s", SLACK_BOT_TOKEN="xoxb-1", SLACK_API_URL=slack.api_url
    )
    assert code == 1 and "cannot start the Slack app" in output and "invalid_auth" in output


def test_serve_http_answers_healthz_and_slack(slack: FakeSlack, tmp_path: object) -> None:
    """The real command in a subprocess: upgrades the database, listens, answers."""
    import json
    import os
    import subprocess
    import sys
    import urllib.request
    from pathlib import Path

    from tests.bot.slack_user import SECRET, SlackUsers

    script = Path(sys.executable).with_name("batchscout")
    env = {
        **{k: v for k, v in os.environ.items() if k not in SLACK_VARIABLES},
        "DATABASE_URL": f"sqlite:///{tmp_path}/served.db",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "COLUMNS": "200",
    }
    process = subprocess.Popen(
        [str(script), "serve", "--http", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the "listening on" line, once ready
        assert "listening on http://127.0.0.1:" in line, line + (
            process.stderr.read() if process.stderr else ""
        )
        base = line.split("http://", 1)[1].split("/slack/events", 1)[0]
        with urllib.request.urlopen(f"http://{base}/healthz", timeout=10) as response:
            assert json.loads(response.read()) == {"ok": True, "database": "ok"}
        assert (
            "No workflows are registered"
            in SlackUsers(f"http://{base}", slack).command("list").text
        )
    finally:
        process.terminate()
        process.wait(timeout=60)  # a clean stop lets running jobs finish first


def test_a_wrong_server_setting_names_the_variable(run) -> None:  # type: ignore[no-untyped-def]
    code, output = run(
        "--http",
        SLACK_SIGNING_SECRET="s",
        SLACK_BOT_TOKEN="xoxb-1",
        BATCHSCOUT_HTTP_THREADS="0",
        BATCHSCOUT_HTTP_BACKLOG="many",
    )
    assert code == 2
    assert "BATCHSCOUT_HTTP_THREADS: Input should be greater than or equal to 1" in output
    assert "BATCHSCOUT_HTTP_BACKLOG" in output
    assert "Traceback" not in output
