"""Calls per backend per endpoint template, e.g. ``"DELETE /v2/accounts/{A}/queues/{id}"``."""

from __future__ import annotations

import threading
from collections import Counter

BACKENDS: tuple[str, ...] = ("zuora", "platform", "sbc")


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, Counter[str]] = {b: Counter() for b in BACKENDS}

    def incr(self, backend: str, endpoint: str) -> None:
        with self._lock:
            self._calls[backend][endpoint] += 1

    def get(self, backend: str, endpoint: str) -> int:
        with self._lock:
            return self._calls[backend][endpoint]

    def total(self, backend: str) -> int:
        with self._lock:
            return sum(self._calls[backend].values())

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {b: dict(sorted(calls.items())) for b, calls in self._calls.items()}

    def reset(self) -> None:
        with self._lock:
            for calls in self._calls.values():
                calls.clear()
