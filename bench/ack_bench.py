"""How fast `serve --http` acknowledges slash commands under a burst, against a Bolt app whose
only listener acks, served the same way in the same run.

    python bench/ack_bench.py [--workflows 1000] [--burst 50] [--rounds 5]

Both apps run as their own process on waitress (`batchscout serve --http`, and the no-op app
built the same way: same server, same Bolt options, one listener that only acks), with the
default settings (BATCHSCOUT_HTTP_THREADS, BATCHSCOUT_HTTP_BACKLOG, BATCHSCOUT_LISTENER_THREADS).
Each round sends `--burst` signed `/batchscout list` and then `--burst` `savings` at once over
loopback, each on a fresh connection as Slack does, to each app in turn. An ack is the HTTP
answer; a command without one within 15 s is counted as dropped. The answers themselves go to
the response URL on a fake Slack; the bench waits for every one before the next round.

Slack's own limit is 3 s; the goal is Batchscout's p99 within 1.5x the no-op app's, none
dropped. Also printed: `serve`'s resident memory at rest and after the rounds.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from workspace import ROOT, percentile, rss_mib, seed

from tests.fakes.signing import post, slash_command_body
from tests.fakes.slack_api import FakeSlack

SECRET = "bench-signing-secret"
ACK_TIMEOUT = 15.0
REPLY_TIMEOUT = 120.0


@dataclass
class Served:
    """A server process and where it listens."""

    name: str
    process: subprocess.Popen[str]
    url: str


@dataclass
class Tally:
    """One app's acks over every round."""

    latencies: list[float] = field(default_factory=list)
    dropped: int = 0
    refused: int = 0
    reply_seconds: list[float] = field(default_factory=list)


@contextmanager
def served(name: str, command: list[str], env: dict[str, str]) -> Iterator[Served]:
    """Start a server process; yields once it prints where it listens."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if "http://" not in line:
            raise RuntimeError(f"{name} did not start: {line!r}")
        url = "http://" + line.split("http://", 1)[1].split("/slack/events", 1)[0].split()[0]
        yield Served(name, process, url.rstrip("/"))
    finally:
        process.terminate()
        process.wait(timeout=30)


def serve_noop() -> None:
    """The no-op app: Batchscout's Bolt options and server, one listener that only acks."""
    from slack_bolt import Ack, App

    from batchscout.bot.app import bolt_options
    from batchscout.bot.server import HttpServer
    from batchscout.delivery.clients import make_web_client
    from batchscout.settings import Settings
    from batchscout.storage.db import make_engine

    settings = Settings()
    assert settings.slack_bot_token is not None and settings.slack_signing_secret is not None
    app = App(
        client=make_web_client(settings, token=settings.slack_bot_token.get_secret_value()),
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        **bolt_options(settings),
    )

    def only_ack(ack: Ack) -> None:
        ack()

    app.command("/batchscout")(only_ack)
    server = HttpServer(
        app,
        make_engine(settings.database_url),
        port=0,
        threads=settings.batchscout_http_threads,
        backlog=settings.batchscout_http_backlog,
    )
    print(f"no-op app listening on {server.url}/slack/events", flush=True)
    server.serve_forever()


def burst(
    pool: ThreadPoolExecutor,
    target: Served,
    slack: FakeSlack,
    count: int,
    tally: Tally,
    round_no: int,
    expect_replies: bool,
) -> None:
    """``count`` list then ``count`` savings at once; waits for every ack and reply."""
    names = [f"{target.name}-{round_no}-{n}" for n in range(2 * count)]

    def one(index: int) -> float | None:
        body = slash_command_body(
            text="list" if index < count else "savings",
            user_id=f"U0BENCH{index % 50:03d}",
            response_url=slack.response_url(names[index]),
        )
        start = time.perf_counter()
        try:
            status, _, _ = post(f"{target.url}/slack/events", body, SECRET, timeout=ACK_TIMEOUT)
        except OSError:  # no answer in time (or the connection was refused)
            return None
        if status != 200:
            tally.refused += 1
        return time.perf_counter() - start

    sent = time.perf_counter()
    for latency in pool.map(one, range(2 * count)):
        if latency is None:
            tally.dropped += 1
        else:
            tally.latencies.append(latency)
    if expect_replies:
        wanted = set(names)
        deadline = time.monotonic() + REPLY_TIMEOUT
        while time.monotonic() < deadline:
            seen = {c.path.rsplit("/", 1)[-1] for c in slack.calls("response_url")}
            if wanted <= seen:
                break
            time.sleep(0.02)
        tally.reply_seconds.append(time.perf_counter() - sent)
        missing = wanted - {c.path.rsplit("/", 1)[-1] for c in slack.calls("response_url")}
        tally.dropped += len(missing)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workflows", type=int, default=1000)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve-noop", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_noop:
        serve_noop()
        return

    with ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        slack = stack.enter_context(FakeSlack())
        url = f"sqlite:///{folder}/bench.db"
        seed(url, args.workflows, team_id=slack.team_id)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "BATCHSCOUT_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        noop = stack.enter_context(served("noop", [sys.executable, __file__, "--serve-noop"], env))
        app = stack.enter_context(
            served(
                "app",
                [sys.executable, "-m", "batchscout", "serve", "--http", "--host", "127.0.0.1",
                 "--port", "0", "--no-worker"],
                env,
            )
        )  # fmt: skip
        time.sleep(1.0)  # both finish start-up before anything is measured
        rss_rest = rss_mib(app.process.pid)
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=2 * args.burst))
        tallies = {"noop": Tally(), "app": Tally()}
        for round_no in range(args.rounds):
            order = (noop, app) if round_no % 2 == 0 else (app, noop)
            for target in order:
                burst(pool, target, slack, args.burst, tallies[target.name], round_no,
                      expect_replies=target is app)  # fmt: skip
        rss_after = rss_mib(app.process.pid)

    total = args.rounds * 2 * args.burst
    print(
        f"Ack latency: {args.workflows:,} workflows, {args.rounds} rounds of {args.burst} "
        f"`list` + {args.burst} `savings` at once, HTTP on loopback (waitress)"
    )
    print(f"  {'':<16}{'p50':>10}{'p99':>10}   no answer in {ACK_TIMEOUT:.0f} s   not 200")
    for name, label in (("noop", "no-op Bolt app"), ("app", "Batchscout")):
        tally = tallies[name]
        print(
            f"  {label:<16}{percentile(tally.latencies, 0.5) * 1000:8.1f}ms"
            f"{percentile(tally.latencies, 0.99) * 1000:8.1f}ms   {tally.dropped:>3} of {total:<9}"
            f"   {tally.refused}"
        )
    ratio = percentile(tallies["app"].latencies, 0.99) / percentile(tallies["noop"].latencies, 0.99)
    replies = tallies["app"].reply_seconds
    print(
        f"  p99 ratio Batchscout / no-op: {ratio:.2f}x (goal <= 1.5x, none dropped)"
        f"   {'MET' if ratio <= 1.5 and tallies['app'].dropped == 0 else 'NOT MET'}"
    )
    print(
        f"  every reply posted to its response URL within {max(replies):.2f} s of its burst "
        f"(slowest round; {2 * args.burst} commands)"
    )
    print(f"  serve's resident memory: {rss_rest:.0f} MiB at rest, {rss_after:.0f} MiB after")


if __name__ == "__main__":
    main()
