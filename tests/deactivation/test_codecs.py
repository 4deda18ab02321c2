"""What the approval buttons, the deny modal and the deactivation request modal carry: a request
id (``RecordRef``) or an account number (``AccountRef``), as posted messages already carry them;
anything else is refused as "not valid any more" before anything is looked up."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.approvals import new_request_id
from bot.edge.codecs import AccountRef, NotValidAnyMore, RecordRef

ids = st.from_regex(r"\A[A-Za-z0-9_-]{1,64}\Z")
numbers = st.from_regex(r"\A[0-9]{1,12}\Z")
GARBAGE = ["", "<!here>", "a|b", "x" * 65, "1001 OR 1=1", "\u0661\u0660", "id with space"]


@given(ids)
def test_a_request_id_round_trips_as_itself(request_id: str) -> None:
    encoded = RecordRef(id=request_id).encode()
    assert encoded == request_id  # the wire format of buttons already posted
    assert RecordRef.decode(encoded).id == request_id


@given(numbers)
def test_an_account_number_round_trips_as_itself(account: str) -> None:
    assert AccountRef(account=account).encode() == account
    assert AccountRef.decode(account).account == account


@pytest.mark.parametrize("raw", [*GARBAGE, None])
def test_garbage_is_not_valid_any_more(raw: str | None) -> None:
    with pytest.raises(NotValidAnyMore):
        RecordRef.decode(raw)
    with pytest.raises(NotValidAnyMore):
        AccountRef.decode(raw)


@given(st.text(max_size=200))
def test_any_text_decodes_or_is_not_valid_any_more(raw: str) -> None:
    for codec in (RecordRef, AccountRef):
        try:
            decoded = codec.decode(raw)
        except NotValidAnyMore:
            continue
        assert decoded.encode() == raw


def test_the_ledger_makes_ids_the_codec_takes() -> None:
    for request_id in (new_request_id() for _ in range(200)):
        assert RecordRef.decode(RecordRef(id=request_id).encode()).id == request_id
