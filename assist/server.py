"""``batchscout mcp``: the read-only tools over the Model Context Protocol (the official ``mcp``
SDK's low-level server), on standard input/output or on streamable HTTP at ``/mcp`` behind a
bearer token.

The workspace is the server's ``--team``, bound here: no tool takes a team, so no client and no
prompt can read another workspace's rows. A tool that cannot answer is a tool result with
``isError`` and one sentence; an unexpected failure is logged and answered the same way,
never with a traceback.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from functools import partial
from typing import Any

import anyio
import anyio.to_thread
import mcp_types as types
from mcp.server import Server
from mcp.server.stdio import stdio_server
from sqlalchemy import Engine

from batchscout import __version__
from batchscout.logs import get_logger
from batchscout.services.tools import TOOLS, ToolError, call_tool, tool_text

log = get_logger(__name__)

#: The streamable HTTP endpoint's path.
MCP_PATH = "/mcp"

INSTRUCTIONS = (
    "Batchscout finds AI spend that does not need to stream: workflows classified as real-time, "
    "near-real-time or scheduled, and what moving them to a provider batch API (about half "
    "price) or the flex tier saves. Every tool is read-only and answers for one Slack "
    "workspace. Money is US dollars per 30-day month, as two-decimal strings."
)

#: What a client sees when a tool fails unexpectedly (the log has the details).
INTERNAL_ERROR = "Batchscout could not answer that just now; the server's log has the details."

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _text(text: str, *, error: bool = False) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=error)


def build_server(engine: Engine, team_id: str) -> Server[Any]:
    """The MCP server answering for workspace ``team_id`` from ``engine``."""

    async def list_tools(
        _ctx: Any, _params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(
                    name=tool.name,
                    description=tool.description,
                    input_schema=tool.input_schema,
                    annotations=types.ToolAnnotations(
                        read_only_hint=True, destructive_hint=False, idempotent_hint=True
                    ),
                )
                for tool in TOOLS.values()
            ]
        )

    async def call(_ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        run = partial(
            call_tool, engine=engine, team_id=team_id, name=params.name, arguments=params.arguments
        )
        try:
            document = await anyio.to_thread.run_sync(run)
        except ToolError as error:
            log.info("mcp tool refused", tool=params.name, team_id=team_id, reason=str(error))
            return _text(str(error), error=True)
        except Exception:
            log.exception("mcp tool failed", tool=params.name, team_id=team_id)
            return _text(INTERNAL_ERROR, error=True)
        log.info("mcp tool answered", tool=params.name, team_id=team_id)
        return _text(tool_text(document))

    return Server(
        "batchscout",
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call,
    )


def serve_stdio(engine: Engine, team_id: str) -> None:
    """Serve on standard input/output until the client closes it."""
    server = build_server(engine, team_id)

    async def run() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(run)


def require_bearer(app: AsgiApp, token: str) -> AsgiApp:
    """``app`` behind ``Authorization: Bearer <token>``: any other HTTP request gets 401
    (compared in constant time)."""
    expected = f"Bearer {token}".encode()

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, expected):
                body = b'{"error": "unauthorized: send Authorization: Bearer BATCHSCOUT_MCP_TOKEN"}'
                await send({"type": "http.response.start", "status": 401, "headers": [
                    (b"content-type", b"application/json"),
                    (b"www-authenticate", b'Bearer realm="batchscout"'),
                ]})  # fmt: skip
                await send({"type": "http.response.body", "body": body})
                return
        await app(scope, receive, send)

    return guarded


def http_app(engine: Engine, team_id: str, *, token: str, host: str = "127.0.0.1") -> AsgiApp:
    """The streamable HTTP app: ``POST/GET/DELETE /mcp`` behind the bearer token."""
    server = build_server(engine, team_id)
    return require_bearer(
        server.streamable_http_app(streamable_http_path=MCP_PATH, host=host), token
    )


def serve_http(
    engine: Engine, team_id: str, *, token: str, host: str, port: int, ready: Callable[[int], None]
) -> None:
    """Serve streamable HTTP on ``host:port`` (0: any free port) until interrupted; ``ready``
    gets the bound port before the first request is taken."""
    import socket

    import uvicorn

    listener = socket.create_server((host, port), reuse_port=False)
    config = uvicorn.Config(
        http_app(engine, team_id, token=token, host=host),
        log_level="warning",
        lifespan="on",
    )
    ready(int(listener.getsockname()[1]))
    try:
        anyio.run(partial(uvicorn.Server(config).serve, sockets=[listener]))
    finally:
        listener.close()
