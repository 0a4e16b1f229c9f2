"""Slack's Block Kit limits, checked on whole messages and views."""

from __future__ import annotations

from typing import Any

from batchscout.delivery.blocks import (
    MAX_ACTIONS_ELEMENTS,
    MAX_BUTTON_TEXT,
    MAX_CONTEXT_ELEMENTS,
    MAX_FIELD_TEXT,
    MAX_FIELDS,
    MAX_HEADER_TEXT,
    MAX_HOME_BLOCKS,
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    MAX_VALUE,
)


def assert_within_limits(blocks: list[dict[str, Any]], *, home: bool = False) -> None:
    """Fail with the first broken limit."""
    limit = MAX_HOME_BLOCKS if home else MAX_MESSAGE_BLOCKS
    assert len(blocks) <= limit, f"{len(blocks)} blocks (limit {limit})"
    for block in blocks:
        action_ids: list[str] = []
        kind = block["type"]
        if kind == "section":
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= MAX_SECTION_TEXT, len(
                    block["text"]["text"]
                )
            assert len(block.get("fields", [])) <= MAX_FIELDS
            for item in block.get("fields", []):
                assert 0 < len(item["text"]) <= MAX_FIELD_TEXT
            assert "text" in block or "fields" in block
        elif kind == "header":
            assert len(block["text"]["text"]) <= MAX_HEADER_TEXT
        elif kind == "context":
            assert 0 < len(block["elements"]) <= MAX_CONTEXT_ELEMENTS
        elif kind == "actions":
            assert 0 < len(block["elements"]) <= MAX_ACTIONS_ELEMENTS
        elements = block.get("elements", []) + (
            [block["accessory"]] if "accessory" in block else []
        )
        for element in elements:
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= MAX_BUTTON_TEXT
                assert len(element.get("value", "")) <= MAX_VALUE
            if "action_id" in element:
                assert len(element["action_id"]) <= 255
                action_ids.append(element["action_id"])
        assert len(block.get("block_id", "")) <= 255
        assert len(action_ids) == len(set(action_ids)), (
            f"duplicate action ids in a block: {action_ids}"
        )
