"""``batchscout mcp``: the SDK's own client lists the tools and calls them, in process, over
standard input/output (a real subprocess) and over streamable HTTP behind the bearer token."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from sqlalchemy import Engine

from batchscout.assist.server import build_server
from batchscout.audit.inventory import parse_inventory
from batchscout.storage import queries
from batchscout.storage.db import make_engine, session_scope, upgrade

TEAM = "T0TEST"
OTHER_TEAM = "T0OTHER"
TOOLS = {
    "savings", "list_workflows", "show_workflow", "usage_report", "prices", "opportunities",
    "history",
}  # fmt: skip
BATCHSCOUT = str(Path(sys.executable).with_name("batchscout"))


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """A database with the sample inventory in TEAM and another workspace's row beside it."""
    url = f"sqlite:///{tmp_path / 'mcp.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sample = resources.files("batchscout.cli").joinpath("sample_inventory.csv").read_text("utf-8")
    other = (
        "name,requests,per,cost_per_request,trigger,reader,freshness\n"
        "Secret merger memos,1000,day,0.5,schedule,report,day\n"
    )
    with session_scope(engine) as session:
        queries.import_specs(session=session, team_id=TEAM, specs=parse_inventory(sample, "s.csv"))
        queries.import_specs(session=session, team_id=OTHER_TEAM, specs=parse_inventory(other, "o"))
    yield url, engine
    engine.dispose()


def environment(url: str, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return keep | {"DATABASE_URL": url, "BATCHSCOUT_LLM_PROVIDER": "none"} | extra


def text_of(result: Any) -> str:
    (content,) = result.content
    return str(content.text)


def test_in_process_tools_shapes_and_errors(database: tuple[str, Engine]) -> None:
    _, engine = database

    async def session() -> None:
        async with Client(build_server(engine, TEAM)) as client:
            listed = await client.list_tools()
            by_name = {tool.name: tool for tool in listed.tools}
            assert set(by_name) >= TOOLS
            for tool in by_name.values():
                assert tool.description and tool.input_schema["type"] == "object"
                assert tool.annotations is not None and tool.annotations.read_only_hint
                assert "team" not in json.dumps(tool.input_schema)
            assert by_name["show_workflow"].input_schema["required"] == ["name"]

            shown = json.loads(text_of(await client.call_tool(
                "show_workflow", {"name": "nightly TICKET summaries"})))  # fmt: skip
            assert shown["name"] == "Nightly ticket summaries"
            assert shown["monthly_savings"] == "7500.00"
            assert (shown["trigger"], shown["reader"], shown["freshness"]) == (
                "schedule",
                "report",
                "day",
            )
            assert shown["owner"] == "U0DEMO0001" and shown["model"] is None

            listed_ = json.loads(text_of(await client.call_tool("list_workflows", {})))
            assert len(listed_) == 12 and "Secret merger memos" not in json.dumps(listed_)
            mine = json.loads(
                text_of(await client.call_tool("list_workflows", {"owner": "U0DEMO0002"}))
            )
            assert {w["name"] for w in mine} == {
                "Platform enrichment (no one waiting)", "Platform answers (someone waiting)"}  # fmt: skip

            priced = json.loads(text_of(await client.call_tool(
                "prices", {"model": "gpt-5-mini", "input_tokens": 2000, "output_tokens": 300})))  # fmt: skip
            assert priced["model"] == "gpt-5-mini" and priced["provider"] == "openai"
            assert {"standard", "batch"} <= set(priced["lanes"])
            lane = priced["lanes"]["standard"]
            assert set(lane) == {"input_per_million", "output_per_million", "cost_per_request"}

            for name, arguments, sentence in (
                (
                    "show_workflow",
                    {"name": "Secret merger memos"},
                    "No workflow named “Secret merger memos”",
                ),
                ("prices", {"model": "gpt-9-imaginary"}, "The price catalog has no model named"),
                ("prices", {"model": "gpt-5-mini", "input_tokens": -1}, "must be between"),
                ("savings", {"team_id": OTHER_TEAM}, "takes no argument “team_id”"),
            ):
                result = await client.call_tool(name, arguments)
                assert result.is_error, name
                assert sentence in text_of(result)
                assert "Traceback" not in text_of(result) and text_of(result).count("\n") == 0

            usage = json.loads(text_of(await client.call_tool("usage_report", {})))
            assert set(usage) == {"days", "providers", "workflows", "unregistered"}

            found = json.loads(text_of(await client.call_tool("opportunities", {"status": "open"})))
            assert {o["workflow"] for o in found["opportunities"]} >= {"Nightly ticket summaries"}
            assert all(o["status"] == "open" for o in found["opportunities"])
            assert set(found["totals"]) >= {"open", "accepted", "dismissed", "verified"}
            refused = await client.call_tool("opportunities", {"status": "maybe"})
            assert refused.is_error and "must be one of open" in text_of(refused)
            assert json.loads(text_of(await client.call_tool("history", {"weeks": 4}))) == {
                "weeks": []
            }

    anyio.run(session)


@pytest.mark.slow
def test_stdio_gives_the_same_savings_json_as_the_cli(database: tuple[str, Engine]) -> None:
    url, _ = database
    cli = subprocess.run(
        [BATCHSCOUT, "savings", "--team", TEAM, "--json"],
        env=environment(url), capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    server = StdioServerParameters(
        command=BATCHSCOUT, args=["mcp", "--team", TEAM], env=environment(url)
    )

    async def session() -> tuple[set[str], str]:
        async with Client(server) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            return names, text_of(await client.call_tool("savings", {}))

    names, savings = anyio.run(session)
    assert names >= TOOLS
    assert json.loads(savings) == json.loads(cli.stdout)
    assert json.loads(savings)["migrate_now"] != "0.00"


@pytest.mark.slow
def test_http_needs_the_bearer_token(database: tuple[str, Engine]) -> None:
    url, _ = database
    token = "test-token-0123456789"
    process = subprocess.Popen(
        [BATCHSCOUT, "mcp", "--team", TEAM, "--http", "--port", "0"],
        env=environment(url, BATCHSCOUT_MCP_TOKEN=token),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        deadline, endpoint = time.monotonic() + 60, None
        while endpoint is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            found = re.search(r"(http://127\.0\.0\.1:\d+/mcp)", line)
            endpoint = found.group(1) if found else None
            assert line or process.poll() is None, "the server stopped"
        assert endpoint, "the server never said where it listens"

        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
            refused = httpx2.post(endpoint, json={}, headers=headers, timeout=10)
            assert refused.status_code == 401

        async def session() -> tuple[set[str], dict[str, Any]]:
            headers = {"Authorization": f"Bearer {token}"}
            async with (
                httpx2.AsyncClient(headers=headers) as http,
                Client(streamable_http_client(endpoint, http_client=http)) as client,
            ):
                names = {tool.name for tool in (await client.list_tools()).tools}
                savings = json.loads(text_of(await client.call_tool("savings", {})))
                return names, savings

        names, savings = anyio.run(session)
        assert names >= TOOLS
        assert savings["workflows"] and "Secret merger memos" not in json.dumps(savings)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.slow
def test_http_refuses_to_start_without_a_token(database: tuple[str, Engine]) -> None:
    url, _ = database
    result = subprocess.run(
        [BATCHSCOUT, "mcp", "--team", TEAM, "--http"],
        env=environment(url), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "BATCHSCOUT_MCP_TOKEN is not set" in result.stderr
