"""The digest stays within Block Kit's limits for any portfolio, and escapes typed names."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from batchscout.audit.digest import DigestItem, build_facts, template_prose
from batchscout.audit.latency import LatencyClass, Mode
from batchscout.audit.savings import Per, workflow_figures
from batchscout.delivery.blocks import digest as digest_blocks
from tests.bot.limits import assert_within_limits

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def portfolio(size: int) -> list[DigestItem]:
    """``size`` workflows with long, hostile names across every class and mode."""
    items = []
    classes = list(LatencyClass)
    for n in range(size):
        latency_class = classes[n % 3]
        mode = Mode.BATCH if n % 7 == 0 else Mode.SYNC
        name = (f"<!channel> & <@U0EVIL> workflow {n} " + "x" * 80)[:80]
        items.append(
            DigestItem(
                name=name, owner=f"U0OWNER{n:04d}", latency_class=latency_class, disguised=n % 2 == 0,
                mode=mode,
                figures=workflow_figures(
                    sync_per_request=Decimal("0.01"), batch_per_request=Decimal("0.005"),
                    requests=Decimal(1000 + n), per=Per.DAY, latency_class=latency_class, mode=mode,
                ),
                created_at=T0, updated_at=datetime(2026, 11, 20, tzinfo=UTC),
            )
        )  # fmt: skip
    return items


def shown(blocks: list[dict[str, object]]) -> str:
    """What people read: the blocks without button values (data, never shown as text)."""
    return re.sub(r"'value': '[^']*'", "", str(blocks))


@pytest.mark.parametrize("size", [0, 1, 40, 10_000])
def test_every_digest_message_is_within_limits(size: int) -> None:
    facts = build_facts(portfolio(size), since=datetime(2026, 11, 10, tzinfo=UTC))
    prose = template_prose(facts)

    top = digest_blocks.top_message(
        facts, prose=prose, source="template", schedule="Mondays at 09:00 (UTC)", cost=None
    )
    thread = digest_blocks.thread_messages(facts)
    preview = digest_blocks.preview(facts, prose=prose, source="template", schedule=None, cost=None)

    for message in [top, *thread, preview]:
        assert_within_limits(message.blocks)
        assert len(message.text) <= 3000
    rendered = shown([*top.blocks, *(b for m in thread for b in m.blocks)])
    assert "<!channel>" not in rendered and "<@U0EVIL>" not in rendered
    if size:
        assert "&lt;!channel&gt; &amp; &lt;@U0EVIL&gt;" in rendered


def test_owners_are_named_not_pinged_and_small_opportunities_counted() -> None:
    facts = build_facts(portfolio(40), since=None, noise_floor=Decimal(152))
    names = {line.owner: f"Owner {n}" for n, line in enumerate(facts.top) if line.owner}

    top = digest_blocks.top_message(
        facts, prose="x", source="template", schedule=None, cost=None, names=names
    )
    text = shown(top.blocks)

    assert "<@" not in text and "Owner 0" in text
    # A preview only its reader sees (no names looked up) may mention them.
    preview = digest_blocks.top_message(
        facts, prose="x", source="template", schedule=None, cost=None
    )
    assert "<@U0OWNER" in str(preview.blocks)
    assert f"{facts.hidden_below_floor} smaller opportunities under $152/month are" in text
    assert facts.hidden_below_floor > 0


def test_one_smaller_opportunity_is_singular() -> None:
    items = portfolio(3)
    facts = build_facts(items, since=None, noise_floor=Decimal(10_000))
    facts = type(facts).from_dict({**facts.to_dict(), "hidden_below_floor": 1})

    top = digest_blocks.top_message(facts, prose="x", source="template", schedule=None, cost=None)

    assert "1 smaller opportunity under $10,000/month is not listed." in str(top.blocks)


def test_the_chart_is_drawn_for_phones_in_colours_that_mean_something() -> None:
    """The money still wasted (scheduled work on sync, savings not taken) is red, never
    green; the picture is at least twice a phone's 390 points wide; the values are on it."""
    image = pytest.importorskip("matplotlib.image")
    from io import BytesIO

    from batchscout.delivery import chart

    facts = build_facts(portfolio(40), since=None)
    png = chart.digest_chart(facts)
    assert png is not None
    pixels = image.imread(BytesIO(png))
    height, width = pixels.shape[:2]
    assert width >= 2 * 390 and height >= 2 * 390
    assert chart.FONT_SIZE >= 11
    assert dict(chart.SAVINGS)["Move now"] == chart.WASTED != chart.SAVED
    assert dict(chart.SAVINGS)["Already saved"] == chart.SAVED
    assert chart.COLOURS["scheduled"] == chart.WASTED

    def share_of(colour: str) -> float:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        close = (abs(pixels[:, :, :3] - rgb) < 0.02).all(axis=2)
        return float(close.mean())

    assert share_of(chart.WASTED) > 0.01  # the wasted money is drawn, in red
