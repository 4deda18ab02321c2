"""A reason typed by a person: enough words that the next person knows why, and not a novel."""

from __future__ import annotations

MIN_REASON = 10  # "a few words"


def few_words(value: str, *, asking: str, max_length: int) -> str:
    """``value`` with its white space folded; ``ValueError(asking)`` when it is under two words
    or ``MIN_REASON`` characters, and a length error past ``max_length``."""
    value = " ".join(value.split())
    if len(value) < MIN_REASON or len(value.split()) < 2:
        raise ValueError(asking)
    if len(value) > max_length:
        raise ValueError(f"Keep the reason to {max_length} characters ({len(value)} given).")
    return value
