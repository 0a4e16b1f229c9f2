"""The fakes behave like Slack as far as slack_sdk can tell."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from .signing import (
    JSON,
    event_body,
    interactivity_body,
    post,
    signed_headers,
    slash_command_body,
)
from .slack_api import FakeSlack

SECRET = "test-signing-secret"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.api_url)


def test_every_supported_method_answers_ok_and_is_recorded(
    slack: FakeSlack, client: WebClient
) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    assert client.auth_test()["user_id"] == "UBOT"
    assert client.conversations_open(users="U1")["channel"]["id"] == "DU1"
    assert client.conversations_info(channel="C1")["channel"]["is_member"] is True
    assert client.conversations_join(channel="C1")["channel"]["id"] == "C1"
    assert client.users_info(user="U1")["user"]["tz"] == "Europe/Paris"
    assert client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["ok"]
    opened = client.views_open(trigger_id="t", view=view)["view"]
    assert client.views_update(view_id=opened["id"], view=view)["view"]["id"] == opened["id"]
    assert client.views_push(trigger_id="t", view=view)["view"]["type"] == "modal"
    posted = client.chat_postMessage(channel="C1", text="hi")
    assert client.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]
    assert client.chat_update(channel="C1", ts=posted["ts"], text="edited")["ok"]
    link = client.chat_getPermalink(channel="C1", message_ts=posted["ts"])["permalink"]
    assert link.endswith("/archives/C1/p" + posted["ts"].replace(".", ""))
    assert client.reactions_add(channel="C1", timestamp=posted["ts"], name="tada")["ok"]
    assert client.chat_delete(channel="C1", ts=posted["ts"])["ok"]
    assert client.team_info()["team"]["name"] == "Fake Team"

    assert len(slack.calls()) == 16
    assert all(call.ok and call.token == "xoxb-test" for call in slack)
    assert slack.last("chat.update").params == {
        "channel": "C1",
        "ts": posted["ts"],
        "text": "edited",
    }


def test_post_message_echoes_the_message_with_increasing_ts(
    slack: FakeSlack, client: WebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    first = client.chat_postMessage(channel="C1", text="hi", blocks=blocks)
    second = client.chat_postMessage(channel="U2", text="dm", thread_ts=first["ts"])

    assert first["ts"] == "1700000000.000100"
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == blocks
    assert second["channel"] == "DU2"
    assert second["message"]["thread_ts"] == first["ts"]
    # Blocks are form-encoded JSON on the wire and recorded decoded.
    assert slack.calls("chat.postMessage")[0].params["blocks"] == blocks


def test_json_bodies_are_accepted(slack: FakeSlack, client: WebClient) -> None:
    client.api_call("chat.postMessage", json={"channel": "C1", "text": "json", "blocks": []})

    call = slack.last("chat.postMessage")
    assert call.params == {"channel": "C1", "text": "json", "blocks": []}
    assert call.headers["Content-Type"].startswith("application/json")


def test_configured_users_and_channels(slack: FakeSlack, client: WebClient) -> None:
    slack.users["U9"] = {"tz": "America/New_York", "tz_offset": -18000, "real_name": "Ada"}
    slack.channels["C9"] = {"is_member": False, "name": "ai-spend"}

    user = client.users_info(user="U9")["user"]
    assert (user["tz"], user["tz_offset"], user["profile"]["real_name"]) == (
        "America/New_York",
        -18000,
        "Ada",
    )
    assert client.conversations_info(channel="C9")["channel"]["is_member"] is False
    client.conversations_join(channel="C9")
    assert client.conversations_info(channel="C9")["channel"]["is_member"] is True


def test_files_upload_v2_end_to_end(slack: FakeSlack, client: WebClient) -> None:
    response = client.files_upload_v2(channel="C1", file=b"\x89PNG fake", filename="x.png")

    file_id = slack.last("files.getUploadURLExternal").response["file_id"]
    assert slack.uploads[file_id] == b"\x89PNG fake"
    assert response["file"]["id"] == file_id
    assert response["file"]["mimetype"] == "image/png"
    complete = slack.last("files.completeUploadExternal")
    assert complete.params["channel_id"] == "C1"
    assert complete.params["files"][0]["id"] == file_id


def test_oauth_v2_access_issues_a_token_that_auth_test_knows(
    slack: FakeSlack, client: WebClient
) -> None:
    slack.oauth_grants["code-2"] = {"team": {"id": "T2", "name": "Other"}}

    grant = WebClient(base_url=slack.api_url).oauth_v2_access(
        client_id="cid", client_secret="secret", code="code-2"
    )

    assert grant["access_token"].startswith("xoxb-")
    assert (grant["team"]["id"], grant["bot_user_id"]) == ("T2", "UBOT")
    other = WebClient(token=grant["access_token"], base_url=slack.api_url)
    assert other.auth_test()["team_id"] == "T2"
    assert client.auth_test()["team_id"] == "T0TEST"


def test_unknown_and_failed_methods_answer_ok_false(slack: FakeSlack, client: WebClient) -> None:
    slack.fail("chat.postMessage", error="not_in_channel")

    with pytest.raises(SlackApiError) as unknown:
        client.api_call("nope.nothing")
    with pytest.raises(SlackApiError) as failed:
        client.chat_postMessage(channel="C1", text="hi")

    assert unknown.value.response["error"] == "unknown_method"
    assert failed.value.response["error"] == "not_in_channel"
    assert client.chat_postMessage(channel="C1", text="again")["ok"]
    assert [c.ok for c in slack.calls()] == [False, False, True]


def test_missing_arguments_get_slack_errors(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as error:
        client.api_call("chat.postMessage", params={"channel": "C1"})
    assert error.value.response["error"] == "no_text"


def test_rate_limit_is_retried_by_slack_sdk(
    slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # slack_sdk adds up to a second of jitter to Retry-After; none in tests.
    monkeypatch.setattr(builtin_handlers, "random", SimpleNamespace(random=lambda: 0.0))
    client = WebClient(
        token="xoxb-test",
        base_url=slack.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    slack.fail_http("chat.postMessage", status=429, retry_after=0)

    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert [c.status for c in slack.calls("chat.postMessage")] == [429, 200]
    assert slack.calls()[0].response == {"ok": False, "error": "ratelimited"}


def test_server_errors_surface_with_their_status(slack: FakeSlack, client: WebClient) -> None:
    slack.fail_http("users.info", status=500, times=2)

    for _ in range(2):
        with pytest.raises(SlackApiError) as error:
            client.users_info(user="U1")
        assert error.value.response.status_code == 500
    assert client.users_info(user="U1")["ok"]
    assert [c.status for c in slack.calls("users.info")] == [500, 500, 200]


def test_wait_for_sees_calls_made_from_other_threads(slack: FakeSlack, client: WebClient) -> None:
    worker = threading.Thread(target=lambda: client.chat_postMessage(channel="C1", text="later"))
    worker.start()

    call = slack.wait_for("chat.postMessage", lambda c: c.params["text"] == "later")
    worker.join()
    assert call.params["channel"] == "C1"


def test_missing_calls_fail_with_a_listing(slack: FakeSlack, client: WebClient) -> None:
    client.auth_test()

    with pytest.raises(AssertionError, match=re.escape("auth.test x1")):
        slack.last("chat.postMessage")
    started = time.monotonic()
    with pytest.raises(AssertionError, match=re.escape("within 0.05s")):
        slack.wait_for("chat.postMessage", timeout=0.05)
    assert time.monotonic() - started < 1
    slack.reset()
    assert slack.calls() == []


def test_signed_headers_pass_slack_sdk_verification() -> None:
    body = slash_command_body(text="savings")
    headers = signed_headers(body, SECRET)

    assert SignatureVerifier(SECRET).is_valid_request(body, headers)
    assert not SignatureVerifier("other-secret").is_valid_request(body, headers)
    stale = signed_headers(body, SECRET, timestamp=int(time.time()) - 3600)
    assert not SignatureVerifier(SECRET).is_valid_request(body, stale)


def test_request_bodies_look_like_slacks() -> None:
    command = parse_qs(slash_command_body(text="register", user_id="U5"))
    assert (command["command"], command["text"], command["user_id"]) == (
        ["/batchscout"],
        ["register"],
        ["U5"],
    )
    payload = {"type": "block_actions", "actions": [{"action_id": "a"}]}
    assert json.loads(parse_qs(interactivity_body(payload))["payload"][0]) == payload
    envelope = json.loads(event_body({"type": "app_mention"}, team_id="T1", event_id="Ev1"))
    assert envelope["type"] == "event_callback"
    assert envelope["authorizations"][0]["team_id"] == "T1"


def test_post_returns_error_statuses_and_reaches_response_urls(slack: FakeSlack) -> None:
    status, _, _ = post(f"{slack.base_url}/nowhere", "x=1", SECRET)
    assert status == 404

    body = json.dumps({"text": "done", "response_type": "ephemeral"})
    status, _, payload = post(slack.response_url("cmd"), body, SECRET, content_type=JSON)

    assert (status, json.loads(payload)) == (200, {"ok": True})
    call = slack.last("response_url")
    assert call.params["text"] == "done"
    assert call.path == "/response/cmd"


def _get(url: str, token: str | None = None, timeout: float = 5.0) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def test_shared_files_are_described_and_served_to_the_token_holder(
    slack: FakeSlack, client: WebClient
) -> None:
    slack.files["F1"] = ("inventory.csv", b"name,requests\nA,5\n")

    file = client.files_info(file="F1")["file"]
    assert (file["name"], file["size"], file["filetype"]) == ("inventory.csv", 18, "csv")
    status, kind, data = _get(file["url_private_download"], token="xoxb-test")
    assert (status, kind, data) == (200, "text/csv", b"name,requests\nA,5\n")
    # Without a token Slack serves its sign-in page, not the file.
    status, kind, data = _get(file["url_private_download"])
    assert status == 200 and kind.startswith("text/html") and b"inventory" not in data
    assert [c.token for c in slack.calls("file_download")] == ["xoxb-test", None]
    assert [c.ok for c in slack.calls("file_download")] == [True, False]

    with pytest.raises(SlackApiError) as missing:
        client.files_info(file="F404")
    assert missing.value.response["error"] == "file_not_found"
    assert _get(f"{slack.base_url}/files/F404/download/x.csv", token="xoxb-test")[0] == 404


def test_downloads_fail_or_stall_on_demand(slack: FakeSlack) -> None:
    slack.files["F1"] = ("a.yaml", b"workflows: []\n")
    url = f"{slack.base_url}/files/F1/download/a.yaml"
    slack.fail_http("file_download", status=503)
    assert _get(url, token="t")[0] == 503
    assert _get(url, token="t")[0] == 200

    slack.stall_downloads()
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        _get(url, token="t", timeout=0.2)
    assert slack.calls("file_download")[-1].response == {"ok": False, "error": "stalled"}
    assert _get(url, token="t")[0] == 200  # only the next one stalled


def test_the_fake_slack_runs_on_its_own_and_prints_each_call() -> None:
    """``python -m tests.fakes.slack_api``: what the README's operator path uses by hand."""
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.slack_api", "--port", str(port)],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == f"SLACK_API_URL=http://127.0.0.1:{port}/api/"
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/chat.postMessage",
            data=b"channel=C0HAND&text=hello",
            headers={"Authorization": "Bearer xoxb-hand"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["ok"] is True
        assert process.stdout.readline().strip() == "chat.postMessage C0HAND hello"
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    assert process.returncode == 0
