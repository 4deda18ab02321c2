"""Australian number formatting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.phone import format_au_number, national_au_number


@pytest.mark.parametrize(
    ("given_", "shown"),
    [
        ("0412345678", "0412 345 678"),
        ("0290001234", "02 9000 1234"),
        ("0398765432", "03 9876 5432"),
        ("0733334444", "07 3333 4444"),
        ("0881234567", "08 8123 4567"),
        ("1300123456", "1300 123 456"),
        ("1800555000", "1800 555 000"),
        ("131234", "13 12 34"),
        ("+61 412 345 678", "0412 345 678"),
        ("61290001234", "02 9000 1234"),
        ("0412-345-678", "0412 345 678"),
        ("(02) 9000 1234", "02 9000 1234"),
        ("12345", "12345"),
        (" not a number ", "not a number"),
    ],
)
def test_format(given_: str, shown: str) -> None:
    assert format_au_number(given_) == shown


national = st.one_of(
    st.tuples(
        st.sampled_from(["02", "03", "04", "05", "07", "08"]),
        st.text("0123456789", min_size=8, max_size=8),
    ),
    st.tuples(st.sampled_from(["1300", "1800"]), st.text("0123456789", min_size=6, max_size=6)),
    st.tuples(st.just("13"), st.text("0123456789", min_size=4, max_size=4)),
).map("".join)


@given(national)
def test_formatting_only_adds_spaces_and_is_stable(number: str) -> None:
    shown = format_au_number(number)
    assert shown.replace(" ", "") == number
    assert format_au_number(shown) == shown
    assert national_au_number(shown) == number


@given(st.text(max_size=20))
def test_never_raises(text: str) -> None:
    format_au_number(text)
