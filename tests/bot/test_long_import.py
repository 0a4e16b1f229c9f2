"""A large inventory shared in Slack keeps the process's heartbeat beating while it is read and
priced: on SQLite the import's one transaction takes the database's write lock only for its
writes, so ``batchscout health`` stays true however long the file takes to price."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine

from batchscout.services.heartbeat import Heartbeat
from tests.bot.conftest import BuildServer
from tests.bot.slack_user import SlackUsers
from tests.bot.test_import import DM, reply, share
from tests.fakes.slack_api import FakeSlack
from tests.test_shutdown import large_inventory

ROWS = 34_000  # just under the 2 MB a shared file may be


@pytest.mark.slow
def test_heartbeats_are_written_while_a_large_import_is_read_and_priced(
    serve: BuildServer, slack: FakeSlack, bot_engine: Engine
) -> None:
    users = SlackUsers(serve(work_before_ack=False).url, slack)  # the import runs after the ack
    heartbeat = Heartbeat(bot_engine, "serve", detail="http")
    importing = threading.Event()
    finished = threading.Event()
    during: list[tuple[bool, float]] = []  # each beat while the import ran: committed, seconds

    def beat() -> None:  # as serve's heartbeat thread does, only much more often
        while not finished.is_set():
            if importing.is_set():
                started = time.monotonic()
                written = heartbeat.beat()
                during.append((written, time.monotonic() - started))
            finished.wait(0.05)

    beating = threading.Thread(target=beat)
    beating.start()
    try:
        importing.set()
        began = time.monotonic()
        share(users, slack, "inventory.csv", large_inventory(ROWS))
        deadline = time.monotonic() + 120
        while not slack.messages(DM) and time.monotonic() < deadline:
            time.sleep(0.05)  # the reply: the import is over
        took = time.monotonic() - began
        importing.clear()
        while not slack.calls("views.publish") and time.monotonic() < deadline:
            time.sleep(0.05)  # then App Home is redrawn (not measured here)
    finally:
        finished.set()
        beating.join()
    assert f"Imported {ROWS:,} workflows" in reply(users, DM).text
    # Before, the import held the write lock from its first thousand rows to its commit, and
    # a beat waited all that while (or gave up after SQLite's 30 s): now only for the writes.
    # A ratio within this run, not a time: the longest beat against the whole import.
    assert during and all(written for written, _ in during), [b for b in during if not b[0]]
    longest = max(seconds for _, seconds in during)
    assert longest < took / 2, (longest, took, len(during))
