"""Comparing names as people type them: case and accents do not matter ("cafe" finds "Café")."""

from __future__ import annotations

import unicodedata

__all__ = ["fold"]


def fold(text: str) -> str:
    """``text`` without case or accents: ``fold("Café") == fold("CAFE") == "cafe"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
