"""Digest build time for 10,000 workflows, as a ratio to a baseline measured in the same run,
and what writing a digest's prose costs on a batch API against synchronously.

    python bench/digest_bench.py [--workflows 10000] [--repeat 5]

Baseline: the portfolio figures for the same workspace (what `savings --json` computes), read
from the same SQLite database. The digest adds the previous digest, new/changed detection,
Block Kit and the chart. Ratios, not seconds, are the figure to compare across machines.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from batchscout.audit.digest import build_facts, llm_prompt, template_prose
from batchscout.audit.inventory import WorkflowSpec
from batchscout.audit.latency import Freshness, Mode, Reader, Trigger
from batchscout.audit.money import format_unit_price
from batchscout.audit.pricing import Provider, quote
from batchscout.audit.savings import Per
from batchscout.delivery.blocks import digest as digest_blocks
from batchscout.delivery.chart import digest_chart
from batchscout.storage import queries
from batchscout.storage.db import make_engine, session_scope, upgrade
from batchscout.storage.digests import digest_items

TRIGGERS, READERS, FRESHNESS = list(Trigger), list(Reader), list(Freshness)


def seed(url: str, count: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    specs = [
        WorkflowSpec(
            name=f"workflow {n:05d}",
            requests=Decimal(1000 + n),
            per=Per.DAY,
            cost_per_request=Decimal("0.004"),
            trigger=TRIGGERS[n % 3],
            reader=READERS[n % 4],
            freshness=FRESHNESS[n % 5],
            mode=Mode.BATCH if n % 11 == 0 else Mode.SYNC,
            owner=f"U0BENCH{n % 50:03d}",
        )
        for n in range(count)
    ]
    with session_scope(engine) as session:
        queries.import_specs(session=session, team_id="T0BENCH", specs=specs)
    engine.dispose()


def timed(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workflows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        seed(url, args.workflows)
        engine = make_engine(url)

        def baseline() -> object:
            with session_scope(engine) as session:
                return queries.workspace_portfolio(session=session, team_id="T0BENCH")

        def digest(with_chart: bool) -> Callable[[], object]:
            def build() -> object:
                with session_scope(engine) as session:
                    items = digest_items(session=session, team_id="T0BENCH")
                facts = build_facts(items, since=datetime(2026, 11, 1, tzinfo=UTC))
                prose = template_prose(facts)
                messages = [
                    digest_blocks.top_message(
                        facts, prose=prose, source="template", schedule=None, cost=None
                    ),
                    *digest_blocks.thread_messages(facts),
                ]
                return digest_chart(facts) if with_chart else messages

            return build

        base = timed(baseline, args.repeat)
        facts_and_blocks = timed(digest(False), args.repeat)
        with_chart = timed(digest(True), args.repeat)
        with session_scope(engine) as session:
            facts = build_facts(digest_items(session=session, team_id="T0BENCH"), since=None)
        engine.dispose()

    print(f"Digest build for {args.workflows:,} workflows (median of {args.repeat}):")
    print(f"  baseline, portfolio figures      {base * 1000:8.1f} ms   1.00x")
    print(
        f"  digest facts + Block Kit         {facts_and_blocks * 1000:8.1f} ms   {facts_and_blocks / base:.2f}x"
    )
    print(
        f"  digest facts + blocks + chart    {with_chart * 1000:8.1f} ms   {with_chart / base:.2f}x"
    )

    system, prompt = llm_prompt(facts)
    input_tokens = (len(system) + len(prompt)) // 4  # ~4 characters a token for English text
    output_tokens = 120  # two or three sentences
    print(f"\nWriting one digest's prose (~{input_tokens} input, {output_tokens} output tokens):")
    for provider, model in (
        (Provider.OPENAI, "gpt-4.1-mini"),
        (Provider.ANTHROPIC, "claude-haiku-4-5"),
    ):
        price = quote(
            provider=provider,
            model=model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_per_request=None,
        )
        print(
            f"  {provider:<9} {model:<17} batch {format_unit_price(price.batch_per_request):>11}   "
            f"sync {format_unit_price(price.sync_per_request):>11}   batch/sync {price.batch_per_request / price.sync_per_request:.2f}"
        )


if __name__ == "__main__":
    main()
