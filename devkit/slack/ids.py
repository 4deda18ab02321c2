"""Identifiers shaped like Slack's: message timestamps, trigger ids, view ids, hashes."""

from __future__ import annotations

import secrets
import string
import threading

_ALNUM = string.ascii_uppercase + string.digits


def random_id(prefix: str, length: int = 10) -> str:
    """`V0A1B2C3D4`-style id: a type letter and upper-case alphanumerics."""
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(length))


def trigger_id() -> str:
    """Slack trigger ids look like `13345224609.738474920.8088930838d88f008e0`."""
    return (
        f"{secrets.randbelow(10**11):011d}.{secrets.randbelow(10**9):09d}."
        f"{secrets.token_hex(11)[:21]}"
    )


def view_hash(now: float) -> str:
    return f"{int(now)}.{secrets.token_hex(4)}"


class TsSource:
    """Message timestamps (`"1718000000.000100"`): unique and strictly increasing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self, now: float) -> str:
        micros = int(now * 1_000_000)
        with self._lock:
            micros = max(micros, self._last + 1)
            self._last = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
