"""``batchscout mcp``: Batchscout's read-only tools for MCP clients (IDE agents, desktop
assistants), over standard input/output or streamable HTTP."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from batchscout.cli.common import TeamOption, check_team, err, fail, load_settings, open_database
from batchscout.logs import configure_logging

app = typer.Typer()

TOKEN_NEEDED = (
    "BATCHSCOUT_MCP_TOKEN is not set: `mcp --http` serves only clients that send "
    "Authorization: Bearer with it (set a long random value, e.g. from `openssl rand -hex 32`)."
)


@app.command("mcp")
def mcp(
    team: TeamOption,
    http: Annotated[
        bool,
        typer.Option(
            "--http", help="Serve streamable HTTP at /mcp instead of standard input/output."
        ),
    ] = False,
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=65535, help="HTTP port (with --http).")
    ] = 8765,
    host: Annotated[
        str, typer.Option("--host", help="HTTP address to listen on (with --http).")
    ] = "127.0.0.1",
) -> None:
    """Serve the read-only tools over the Model Context Protocol (stdio, or HTTP with --http)."""
    team = check_team(team)
    settings = load_settings()
    token = (
        settings.batchscout_mcp_token.get_secret_value() if settings.batchscout_mcp_token else ""
    )
    if http and not token.strip():
        raise fail(TOKEN_NEEDED, 2)
    # Standard output is the protocol's in stdio mode: every log line goes to standard error.
    configure_logging(settings.batchscout_log_level, stream=sys.stderr)
    engine = open_database(settings)
    from batchscout.assist import server

    try:
        if not http:
            server.serve_stdio(engine, team)
            return

        def ready(bound: int) -> None:
            err.print(
                f"Batchscout MCP for {team} on http://{host}:{bound}{server.MCP_PATH} "
                "(Authorization: Bearer BATCHSCOUT_MCP_TOKEN). Ctrl+C stops.",
                highlight=False,
            )

        server.serve_http(engine, team, token=token.strip(), host=host, port=port, ready=ready)
    except KeyboardInterrupt:
        pass
    finally:
        engine.dispose()
