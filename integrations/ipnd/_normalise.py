"""Turning what people write into IPND codes: states, street types, suffixes, floors, units."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from integrations.ipnd._tables import (
    FLOOR_TYPES_BY_WORD,
    STATES_BY_WORD,
    STREET_SUFFIXES_BY_WORD,
    STREET_TYPES_BY_WORD,
    UNIT_TYPES_BY_WORD,
)

# Longer text than this cannot be an address line; it is cut before any pattern looks at it.
MAX_INPUT_CHARS = 500

_SPACES = re.compile(r"\s+")
# Dashes and minus signs people paste from word processors, all read as a hyphen.
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_POSTCODE = re.compile(r"[0-9]{3,4}")


def clean_text(text: str | None) -> str:
    """Upper case, compatibility-normalised, control characters as spaces, spaces collapsed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text[: MAX_INPUT_CHARS * 2])[:MAX_INPUT_CHARS]
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    return _SPACES.sub(" ", _DASHES.sub("-", text)).strip().upper()


def _lookup(table: Mapping[str, str], text: str | None) -> str | None:
    """Look ``text`` up as written (dots dropped), then with hyphens as spaces, then unspaced."""
    written = clean_text(text).replace(".", "")
    if not written:
        return None
    spaced = _SPACES.sub(" ", written.replace("-", " ")).strip()
    for key in (written, spaced, spaced.replace(" ", "")):
        if key in table:
            return table[key]
    return None


def normalise_state(text: str | None) -> str | None:
    """The IPND state code for a state written any common way ("New South Wales", "vic",
    "N.S.W.", "AU-QLD"), or None when it is not an Australian state or territory."""
    return _lookup(STATES_BY_WORD, text)


def normalise_street_type(text: str | None) -> str | None:
    """The AS 4590 code for a street type written as a code, a word or a common abbreviation
    ("Avenue" / "AVE" / "av" → "AV"), or None."""
    return _lookup(STREET_TYPES_BY_WORD, text)


def normalise_street_suffix(text: str | None) -> str | None:
    """The IPND street suffix code ("North" → "N"), or None."""
    return _lookup(STREET_SUFFIXES_BY_WORD, text)


def normalise_floor_type(text: str | None) -> str | None:
    """The IPND floor type code ("Level" → "L", "Ground" → "G"), or None."""
    return _lookup(FLOOR_TYPES_BY_WORD, text)


def normalise_unit_type(text: str | None) -> str | None:
    """The AS 4590 unit type code ("Apartment" → "APT", "Suite" → "SE"), or None."""
    return _lookup(UNIT_TYPES_BY_WORD, text)


def normalise_postcode(text: str | None) -> str | None:
    """A 3- or 4-digit postcode zero-padded to 4 ("800" → "0800"), or None."""
    stripped = (text or "").strip()
    if stripped.isascii() and _POSTCODE.fullmatch(stripped):
        return stripped.zfill(4)
    return None
