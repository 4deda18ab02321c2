"""The snooze modal's ``private_metadata``: what the view writes reads back, modals already
open keep working, and anything else is not valid any more."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.edge.codecs import NotValidAnyMore, SnoozeRef

NUMBERS = st.from_regex(r"\A[0-9]{1,12}\Z")
CHANNELS = st.from_regex(r"\A(C[A-Z0-9]{2,20})?\Z")


@given(NUMBERS, CHANNELS)
def test_snooze_refs_round_trip(account: str, channel: str) -> None:
    ref = SnoozeRef(account=account, channel=channel)
    assert SnoozeRef.decode(ref.encode()) == ref


@given(NUMBERS, CHANNELS)
def test_the_modals_already_open_still_read(account: str, channel: str) -> None:
    written = json.dumps({"a": account, "c": channel})  # what the view wrote before the codec
    assert SnoozeRef.decode(written) == SnoozeRef(account=account, channel=channel)
    shape = {"a": account, **({"c": channel} if channel else {})}  # a default is left out
    assert json.loads(SnoozeRef(account=account, channel=channel).encode()) == shape


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "not json",
        "{}",
        '{"c": "C0DIGEST"}',
        '{"a": "12a"}',
        '{"a": "1003", "c": "<!here>"}',
    ],
)
def test_garbage_is_not_valid_any_more(raw: str | None) -> None:
    with pytest.raises(NotValidAnyMore):
        SnoozeRef.decode(raw)


@given(st.text(max_size=300))
def test_any_text_decodes_or_is_not_valid_any_more(raw: str) -> None:
    try:
        ref = SnoozeRef.decode(raw)
    except NotValidAnyMore:
        return
    assert ref.account.isdigit()
