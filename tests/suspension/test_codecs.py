"""The override's Confirm and Cancel values: what the view draws reads back, the buttons already
posted in Slack keep working, and anything else is not valid any more."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.edge.codecs import AccountRef, NotValidAnyMore, OverrideRef

NUMBERS = st.from_regex(r"\A[0-9]{1,12}\Z")
REASONS = st.text(min_size=1, max_size=500)


@given(NUMBERS, REASONS)
def test_override_refs_round_trip(account: str, reason: str) -> None:
    ref = OverrideRef(account=account, reason=reason)
    assert OverrideRef.decode(ref.encode()) == ref


@given(NUMBERS, REASONS)
def test_the_buttons_already_posted_still_read(account: str, reason: str) -> None:
    posted = json.dumps({"a": account, "r": reason})  # what the view drew before the codec
    assert OverrideRef.decode(posted) == OverrideRef(account=account, reason=reason)
    assert json.loads(OverrideRef(account=account, reason=reason).encode()) == json.loads(posted)


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "not json",
        "[]",
        '{"a": "1003"}',
        '{"a": "1003", "r": ""}',
        '{"a": "ACME", "r": "customer refuses to pay"}',
        '{"a": "1003", "r": 7}',
        json.dumps({"a": "1003", "r": "x" * 501}),
    ],
)
def test_garbage_is_not_valid_any_more(raw: str | None) -> None:
    with pytest.raises(NotValidAnyMore):
        OverrideRef.decode(raw)


@given(st.text(max_size=300))
def test_any_text_decodes_or_is_not_valid_any_more(raw: str) -> None:
    for codec in (OverrideRef, AccountRef):
        try:
            ref = codec.decode(raw)
        except NotValidAnyMore:
            continue
        assert ref.account.isdigit()
