"""Text from outside is display-safe in everything rendered to Slack: bidi controls shown as
their code point, other invisible formatting and control characters dropped."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.edge.blocks import display_safe, esc

INVISIBLE = st.sampled_from(
    ["\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "\u061c", "\u200b", "\u200d", "\ufeff",
     "\u00ad", "\u2028", "\u2029", "\x1b", "\x00", "\U000e0041", "\u2060"]
)  # fmt: skip
TEXT = st.lists(st.text(max_size=8) | INVISIBLE, max_size=12).map("".join)


def _hidden(text: str) -> list[str]:
    return [
        c for c in text if unicodedata.category(c) in ("Cf", "Zl", "Zp", "Cc") and c not in "\n\t"
    ]


@given(TEXT)
def test_nothing_invisible_survives_escaping(text: str) -> None:
    shown = esc(text)
    assert _hidden(shown) == []
    assert "<" not in shown and ">" not in shown


@given(TEXT)
def test_visible_text_is_kept_as_is(text: str) -> None:
    plain = "".join(c for c in text if not _hidden(c))
    assert display_safe(plain) == plain


def test_a_right_to_left_override_is_shown_not_obeyed() -> None:
    assert display_safe("Acme\u202e1001") == "Acme[U+202E]1001"
    assert display_safe("zero\u200bwidth\ufeff") == "zerowidth"
