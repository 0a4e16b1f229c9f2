"""Reading what people type, and clipping what the bot sends."""

from __future__ import annotations

import pytest

from batchscout.bot.listeners.commands.command_line import CommandLine, parse_command_text
from batchscout.delivery.blocks import clip
from batchscout.delivery.blocks.registration import ButtonValue
from batchscout.delivery.mrkdwn import escape, typed_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", CommandLine("", "")),
        ("  HELP ", CommandLine("help", "")),
        ('show "Nightly ticket summaries"', CommandLine("show", "Nightly ticket summaries")),
        ("show   Nightly    ticket summaries  ", CommandLine("show", "Nightly ticket summaries")),
        ("Show “Nightly ticket summaries”", CommandLine("show", "Nightly ticket summaries")),
        ("remove 'a'", CommandLine("remove", "a")),
        ("/batchscout list", CommandLine("list", "")),
        ("prices\u00a0gpt-4o-mini", CommandLine("prices", "gpt-4o-mini")),
        ("show R&amp;D &lt;digest&gt;", CommandLine("show", "R&D <digest>")),
        ("digest subscribe #ai-spend", CommandLine("digest", "subscribe #ai-spend")),
    ],
)
def test_command_text_is_read_tolerantly(text: str, expected: CommandLine) -> None:
    assert parse_command_text(text) == expected


def test_typed_text_gives_back_what_was_typed() -> None:
    assert typed_text("owner is <@U0ABC>") == "owner is U0ABC"
    assert (
        typed_text("see <https://example.com|the docs> or <https://x.y>")
        == "see the docs or https://x.y"
    )
    assert typed_text("R&amp;D &lt;3") == "R&D <3"
    assert typed_text("<!here> now") == "@here now"
    assert escape(typed_text("&lt;!channel&gt;")) == "&lt;!channel&gt;"


def test_clip_never_cuts_an_entity_in_half() -> None:
    assert clip("abc", 3) == "abc"
    assert clip("abcdef", 4) == "abc…"
    assert clip("ab&amp;cd", 5) == "ab…"
    assert clip("ab&amp;cd", 8) == "ab&amp;…"


def test_button_values_round_trip() -> None:
    value = ButtonValue(12, 3, "a:b").encode()
    assert value == "12:3:a:b" and ButtonValue.decode(value) == ButtonValue(12, 3, "a:b")
    assert ButtonValue.decode("x:1:y") is None
