"""``batchscout digest allow-shared`` as an operator runs it (a real subprocess): the one
override of the Slack Connect rule, and ``digest now`` honouring it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fakes.slack_api import FakeSlack

SAMPLE = Path(__file__).parents[2] / "cli" / "sample_inventory.csv"
NOW = ("digest", "now", "--team", "T0TEST", "--channel", "C0CONNECT")
ALLOW = ("digest", "allow-shared", "--team", "T0TEST", "--channel", "C0CONNECT")


@pytest.mark.slow
def test_a_shared_channel_gets_a_digest_only_while_an_operator_allows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    run_cli("import", str(SAMPLE), "--team", "T0TEST", database_url=db, check=True)
    with FakeSlack(team_id="T0TEST") as slack:
        slack.channels["C0CONNECT"] = {"is_ext_shared": True}
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)
        monkeypatch.setenv("BATCHSCOUT_LLM_PROVIDER", "none")

        refused = run_cli(*NOW, database_url=db)
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
        assert "channel_shared_externally" in refused.stderr + refused.stdout
        assert [
            c for c in slack.calls("chat.postMessage") if c.params["channel"] == "C0CONNECT"
        ] == []

        allowed = run_cli(*ALLOW, database_url=db, check=True)
        assert "Allowed" in allowed.stdout
        assert "already allowed" in run_cli(*ALLOW, database_url=db, check=True).stdout
        run_cli(*NOW, database_url=db, check=True)
        assert (
            len([c for c in slack.calls("chat.postMessage") if c.params["channel"] == "C0CONNECT"])
            >= 1
        )

        revoked = run_cli(*ALLOW, "--revoke", database_url=db, check=True)
        assert "refused again" in revoked.stdout
        assert run_cli(*NOW, database_url=db).returncode == 1


def test_allow_shared_checks_its_ids(tmp_path: Path) -> None:
    result = run_cli(
        "digest", "allow-shared", "--team", "T0TEST", "--channel", "general",
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
    )  # fmt: skip
    assert result.returncode == 2 and "not a Slack channel id" in result.stderr
