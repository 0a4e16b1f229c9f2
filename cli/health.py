"""``batchscout health``: exit 0 when a serve or worker process here beat recently (a probe)."""

from __future__ import annotations

import socket
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from batchscout.cli.common import fail, out
from batchscout.services.heartbeat import STALE_AFTER, health
from batchscout.settings import Settings
from batchscout.storage.db import make_engine

app = typer.Typer()


class Role(StrEnum):
    SERVE = "serve"
    WORKER = "worker"
    ANY = "any"


@app.command("health")
def health_command(
    role: Annotated[
        Role, typer.Option("--role", help="Which process: serve, worker, or any.")
    ] = Role.ANY,
    max_age: Annotated[
        float,
        typer.Option("--max-age", min=1, help="Seconds since its last heartbeat that still count."),
    ] = STALE_AFTER.total_seconds(),
    all_hosts: Annotated[
        bool,
        typer.Option("--all-hosts", help="Any host's processes, not only this host's."),
    ] = False,
) -> None:
    """Exit 0 when a serve or worker process here beat recently (a probe)."""
    settings = Settings()
    host = None if all_hosts else socket.gethostname()
    try:
        engine = make_engine(settings.database_url)
    except ValueError as error:
        raise fail(f"cannot open the database ({error}).") from error
    try:
        found = health(
            engine,
            role=None if role is Role.ANY else role.value,
            host=host,
            max_age=timedelta(seconds=max_age),
        )
    except SQLAlchemyError as error:
        raise fail(f"the database does not answer ({type(error).__name__}).") from error
    finally:
        engine.dispose()
    for process in found.processes:
        age = found.age(process).total_seconds()
        state = "ok" if process in found.fresh else "stale"
        out.print(
            f"{state:5} {process.role:6} {process.host}:{process.pid} {process.detail or '-'} "
            f"last beat {age:.0f} s ago",
            highlight=False,
        )
    if not found.ok:
        what = "serve or worker" if role is Role.ANY else role.value
        where = "any host" if host is None else host
        raise fail(f"no {what} process on {where} beat in the last {max_age:.0f} s.")
