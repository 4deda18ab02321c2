"""The worker pool for work done after the ack, with a way to wait until it is idle.

Waiting for idleness lets a graceful shutdown finish what was acknowledged, and lets tests and
the console wait for the bot's replies without sleeping.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

# A serving process (`jethub serve`, `jethub socket`) keeps acks ahead of the work after them:
# - at most WEB_WORKERS threads run that work; the rest waits in the pool's queue, where it does
#   not compete for the GIL (each runnable work thread takes a share of it from the acks);
# - the GIL is handed over every 0.5 ms instead of 5 ms, so an ack (short, mostly I/O) waits
#   for a CPU-bound work thread a tenth as long.
# Throughput comes from more processes (`jethub serve --processes N`). Figures: docs/benchmarks.md.
WEB_WORKERS = 8
ACK_SWITCH_INTERVAL = 0.0005


def favour_acks() -> None:
    sys.setswitchinterval(ACK_SWITCH_INTERVAL)


P = ParamSpec("P")
T = TypeVar("T")


class WorkPool(ThreadPoolExecutor):
    def __init__(self, max_workers: int, thread_name_prefix: str = "jethub-work") -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._in_flight = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        with self._idle:
            self._in_flight += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _: Any) -> None:
        with self._idle:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.notify_all()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no submitted work is pending or running (work may submit more work)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True
