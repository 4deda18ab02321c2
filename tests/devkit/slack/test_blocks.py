"""The fake's Block Kit checks: counts, shapes and ids (properties over generated blocks)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devkit.slack.blocks import InvalidBlocks, normalize_blocks, validate_blocks

_text = st.text(min_size=1, max_size=20)
_section = st.builds(lambda t: {"type": "section", "text": {"type": "mrkdwn", "text": t}}, _text)
_divider = st.just({"type": "divider"})
_block = st.one_of(_section, _divider)


@given(blocks=st.lists(_block, max_size=50))
def test_up_to_the_limit_is_accepted(blocks):
    assert validate_blocks(blocks, limit=50) == blocks


@settings(max_examples=25)
@given(blocks=st.lists(_block, min_size=51, max_size=80))
def test_over_the_limit_is_refused(blocks):
    with pytest.raises(InvalidBlocks, match="no more than 50"):
        validate_blocks(blocks, limit=50)


@given(blocks=st.lists(_block, min_size=2, max_size=20), block_id=_text)
def test_a_repeated_block_id_is_refused(blocks, block_id):
    tagged = [dict(b, block_id=block_id) for b in blocks]
    with pytest.raises(InvalidBlocks, match="duplicate block_id"):
        validate_blocks(tagged, limit=50)


@given(blocks=st.lists(_block, min_size=1, max_size=50))
def test_normalized_blocks_have_unique_ids_and_still_validate(blocks):
    normalized = normalize_blocks(blocks)
    assert normalized is not None
    ids = [b["block_id"] for b in normalized]
    assert len(set(ids)) == len(ids)
    validate_blocks(normalized, limit=50)
    assert all("block_id" not in b for b in blocks)  # the input is not changed


@pytest.mark.parametrize(
    "blocks",
    [
        "not a list",
        [{"text": "no type"}],
        [{"type": "section"}],
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
        [{"type": "actions", "elements": []}],
        [{"type": "actions", "elements": [{"type": "button"}] * 26}],
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11}],
        [{"type": "input", "label": {"type": "plain_text", "text": "x"}}],
        [{"type": "divider", "block_id": "x" * 256}],
    ],
)
def test_malformed_blocks_are_refused(blocks):
    with pytest.raises(InvalidBlocks):
        validate_blocks(blocks, limit=50)
