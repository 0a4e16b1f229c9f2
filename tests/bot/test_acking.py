"""Every listener acks first and works after the HTTP answer (Bolt lazy listeners): a command
whose work is stuck still gets its 200 at once, and the work's answer follows."""

from __future__ import annotations

import threading
from typing import Any

from tests.bot.conftest import BuildServer
from tests.bot.slack_user import SlackUsers
from tests.fakes.signing import post, slash_command_body
from tests.fakes.slack_api import FakeSlack


def test_the_ack_does_not_wait_for_the_work(serve: BuildServer, slack: FakeSlack) -> None:
    release = threading.Event()
    entered = threading.Event()

    def stuck(_params: dict[str, Any]) -> dict[str, Any]:
        entered.set()
        release.wait(30)  # the work's reply hangs until the test lets it go
        return {"ok": True}

    slack.on("response_url", stuck)
    # One listener thread: a request whose ack waited for a free thread would hang here.
    server = serve(work_before_ack=False, batchscout_listener_threads=1)
    users = SlackUsers(server.url, slack)
    try:
        for _ in range(3):  # more than one at once: none waits for another's work
            body = slash_command_body(text="savings", response_url=slack.response_url("stuck"))
            status, _, answer = post(f"{server.url}/slack/events", body, users.secret)
            assert (status, answer) == (200, b"")
        assert entered.wait(10), "the work never started"
        assert not release.is_set()  # every ack came back while the work was still stuck
    finally:
        release.set()
    slack.wait_for("response_url", lambda _: len(slack.calls("response_url")) == 3, timeout=30)
    assert len(slack.calls("response_url")) == 3  # every command's work ran, once
    assert "No workflows are registered" in str(slack.calls("response_url")[0].params)


def test_an_error_after_the_ack_is_told_to_the_user(
    serve: BuildServer, slack: FakeSlack, bot_engine: Any
) -> None:
    users = SlackUsers(serve(work_before_ack=False).url, slack)
    with bot_engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE workflow")  # the work fails after the ack
    name = users.send_command("savings")
    reply = users.reply(name)
    assert "something went wrong" in reply.text.lower()
