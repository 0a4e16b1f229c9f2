"""``process_heartbeat``: one row per running ``serve`` or ``worker`` process, renewed every few
seconds while the process does its work, deleted when it stops cleanly.

``batchscout health`` reads it, so an orchestrator can probe processes that have no HTTP port
(Socket Mode, the worker). This module is the table's only writer.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Session, SQLModel, col, select

from batchscout.storage.types import UTCDateTime


class ProcessRole:
    """Values of ``ProcessHeartbeat.role``."""

    SERVE = "serve"
    WORKER = "worker"


class ProcessHeartbeat(SQLModel, table=True):
    """A running process in one role: ``id`` is ``host:pid/role`` (``serve`` runs the scheduler
    in-process under a second row); ``beat_at`` is its last sign of life (UTC); ``detail`` says
    what it does now (``socket-mode``, ``http``, ``leader``, ``standby``)."""

    __tablename__ = "process_heartbeat"

    id: str = Field(primary_key=True, max_length=160)
    role: str = Field(max_length=16, index=True)
    host: str = Field(max_length=128)
    pid: int
    detail: str = Field(default="", max_length=64)
    started_at: datetime = Field(sa_type=UTCDateTime)
    beat_at: datetime = Field(sa_type=UTCDateTime)


def beat(
    *,
    session: Session,
    role: str,
    host: str,
    pid: int,
    detail: str,
    started_at: datetime,
    now: datetime,
) -> None:
    """Record that process ``pid`` on ``host`` is alive in ``role`` at ``now`` (insert or renew)."""
    key = f"{host}:{pid}/{role}"
    row = session.get(ProcessHeartbeat, key)
    if row is None:
        row = ProcessHeartbeat(
            id=key, role=role, host=host, pid=pid, detail=detail, started_at=started_at, beat_at=now
        )
    else:
        row.beat_at, row.detail = now, detail
    session.add(row)


def forget(*, session: Session, role: str, host: str, pid: int) -> None:
    """Delete a process's row (it stopped cleanly)."""
    row = session.get(ProcessHeartbeat, f"{host}:{pid}/{role}")
    if row is not None:
        session.delete(row)


def heartbeats(
    *, session: Session, role: str | None = None, host: str | None = None
) -> list[ProcessHeartbeat]:
    """Every recorded process, newest beat first, optionally of one role or on one host."""
    query = select(ProcessHeartbeat)
    if role is not None:
        query = query.where(col(ProcessHeartbeat.role) == role)
    if host is not None:
        query = query.where(col(ProcessHeartbeat.host) == host)
    return list(session.exec(query.order_by(col(ProcessHeartbeat.beat_at).desc())).all())


def forget_stale(*, session: Session, older_than: datetime) -> int:
    """Delete rows whose last beat is before ``older_than`` (killed processes); how many."""
    rows = session.exec(
        select(ProcessHeartbeat).where(col(ProcessHeartbeat.beat_at) < older_than)
    ).all()
    for row in rows:
        session.delete(row)
    return len(rows)
