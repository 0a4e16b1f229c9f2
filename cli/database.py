"""``batchscout db``: database maintenance."""

from __future__ import annotations

import typer

from batchscout.cli.common import load_settings, open_database, out

app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade() -> None:
    """Upgrade the database schema to the latest revision (Alembic)."""
    settings = load_settings()
    open_database(settings)
    out.print("Database is up to date.")
