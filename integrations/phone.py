"""Australian phone numbers as people read them.

Numbers travel between the backends as national digit strings (``0412345678``); these helpers
turn them into the grouping Australians write (``0412 345 678``, ``02 9000 1234``,
``1300 123 456``, ``13 12 34``) and accept what people type (spaces, dashes, ``+61``).
"""

from __future__ import annotations

import re

__all__ = ["e164_au_number", "format_au_number", "national_au_number"]

_NOT_DIGITS = re.compile(r"[\s\-().]")


def national_au_number(text: str) -> str | None:
    """``text`` as national digits (``"+61 412 345 678"`` → ``"0412345678"``), or None.

    None when ``text`` is not a recognisable Australian number.
    """
    digits = _NOT_DIGITS.sub("", text.strip())
    if digits.startswith("+61"):
        digits = "0" + digits[3:]
    elif digits.startswith("61") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not (digits.isascii() and digits.isdigit()):
        return None
    if len(digits) == 10 and (digits[:2] in {"02", "03", "04", "05", "07", "08"}):
        return digits
    if len(digits) == 10 and digits[:4] in {"1300", "1800", "1900"}:
        return digits
    if len(digits) == 6 and digits.startswith("13"):
        return digits
    return None


def format_au_number(text: str) -> str:
    """Group an Australian number for display: ``"0412345678"`` → ``"0412 345 678"``.

    Mobiles and 1300/1800/1900 numbers read 4-3-3, landlines (02, 03, 07, 08) 2-4-4, and
    six-digit 13 numbers 2-2-2. Anything unrecognised comes back stripped but otherwise as given.
    """
    digits = national_au_number(text)
    if digits is None:
        return text.strip()
    if len(digits) == 6:
        return f"{digits[:2]} {digits[2:4]} {digits[4:]}"
    if digits[:2] in {"02", "03", "07", "08"}:
        return f"{digits[:2]} {digits[2:6]} {digits[6:]}"
    return f"{digits[:4]} {digits[4:7]} {digits[7:]}"


def e164_au_number(national: str) -> str:
    """National digits as E.164: a trunk ``0`` is dropped (``0412…`` → ``+61412…``), while
    13/1300/1800 numbers have none to drop (``1300123456`` → ``+611300123456``)."""
    return "+61" + (national[1:] if national.startswith("0") else national)
