"""The cheap Block Kit checks Slack makes before it accepts a message or a view.

Only what catches a bot that overflows: counts, the shape of each block, unique block ids, and
the text and element limits most often hit. slack_sdk's model classes check far more when a
bot builds blocks with them; plain dicts reach Slack unchecked, so the fake checks them here.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from devkit.slack import ids

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100

_BLOCK_ID_MAX = 255
_SECTION_TEXT_MAX = 3000
_SECTION_FIELDS_MAX = 10
_ACTIONS_ELEMENTS_MAX = 25
_CONTEXT_ELEMENTS_MAX = 10


class InvalidBlocks(ValueError):
    """Slack's `invalid_blocks`; the message reads like Slack's `response_metadata`."""


def validate_blocks(blocks: object, *, limit: int) -> list[dict[str, Any]]:
    """Return `blocks` as a list of dicts, or raise `InvalidBlocks` saying what is wrong."""
    if not isinstance(blocks, list):
        raise InvalidBlocks("[ERROR] blocks must be an array")
    if len(blocks) > limit:
        raise InvalidBlocks(f"[ERROR] no more than {limit} items allowed [json-pointer:/blocks]")
    seen_ids: set[str] = set()
    for index, block in enumerate(blocks):
        for problem in _block_problems(block, seen_ids):
            raise InvalidBlocks(f"[ERROR] {problem} [json-pointer:/blocks/{index}]")
    return blocks


def _block_problems(block: object, seen_ids: set[str]) -> Iterator[str]:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        yield "each block must be an object with a type"
        return
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or not 0 < len(block_id) <= _BLOCK_ID_MAX:
            yield f"block_id must be 1 to {_BLOCK_ID_MAX} characters"
        elif block_id in seen_ids:
            yield f"duplicate block_id {block_id!r}"
        else:
            seen_ids.add(block_id)
    kind = block["type"]
    if kind == "section":
        text = block.get("text")
        if isinstance(text, dict) and len(str(text.get("text", ""))) > _SECTION_TEXT_MAX:
            yield f"section text must be at most {_SECTION_TEXT_MAX} characters"
        fields = block.get("fields")
        if isinstance(fields, list) and len(fields) > _SECTION_FIELDS_MAX:
            yield f"a section holds at most {_SECTION_FIELDS_MAX} fields"
        if text is None and not fields:
            yield "a section needs text or fields"
    elif kind == "actions":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            yield "an actions block needs elements"
        elif len(elements) > _ACTIONS_ELEMENTS_MAX:
            yield f"an actions block holds at most {_ACTIONS_ELEMENTS_MAX} elements"
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            yield "a context block needs elements"
        elif len(elements) > _CONTEXT_ELEMENTS_MAX:
            yield f"a context block holds at most {_CONTEXT_ELEMENTS_MAX} elements"
    elif kind == "input" and not (
        isinstance(block.get("element"), dict) and isinstance(block.get("label"), dict)
    ):
        yield "an input block needs a label and an element"


def interactive_elements(
    blocks: list[dict[str, Any]],
) -> Iterator[tuple[str | None, dict[str, Any]]]:
    """Every element a user can act on, with the block id it sits in."""
    for block in blocks:
        block_id = block.get("block_id")
        kind = block.get("type")
        if kind == "actions":
            for element in block.get("elements") or []:
                if isinstance(element, dict):
                    yield block_id, element
        elif kind == "section" and isinstance(block.get("accessory"), dict):
            yield block_id, block["accessory"]
        elif kind == "input" and isinstance(block.get("element"), dict):
            yield block_id, block["element"]


def input_block_ids(blocks: list[dict[str, Any]]) -> set[str]:
    return {
        block["block_id"]
        for block in blocks
        if block.get("type") == "input" and isinstance(block.get("block_id"), str)
    }


def normalize_blocks(blocks: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """A copy in which every block has a `block_id` and every element an `action_id`, as Slack
    gives them; None for no blocks."""
    if not blocks:
        return None
    # One copy per block: a list holding the same dict twice must still get two ids.
    normalized = [copy.deepcopy(block) for block in blocks]
    for block in normalized:
        block.setdefault("block_id", ids.random_id("", 5))
    for _, element in interactive_elements(normalized):
        element.setdefault("action_id", ids.random_id("", 5))
    return normalized
