"""Bounded fan-out: run one call per item on a few threads, keeping each item's outcome."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from integrations.errors import IntegrationError

__all__ = ["FanOut", "ItemResult"]

I = TypeVar("I")  # noqa: E741
R = TypeVar("R")


@dataclass(frozen=True)
class ItemResult(Generic[I, R]):
    """What happened for one item: its value, or the backend error it met."""

    item: I
    value: R | None = None
    error: IntegrationError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _one(fn: Callable[[I], R], item: I) -> ItemResult[I, R]:
    try:
        return ItemResult(item, value=fn(item))
    except IntegrationError as exc:
        return ItemResult(item, error=exc)


class FanOut:
    """One bounded pool for a client's whole life, shared by every caller.

    Creating threads per call cost more than the calls' own work under load, and a shared pool
    also bounds how hard all callers together press the backend. A fan-out started from inside
    the pool runs inline, so nesting can never deadlock waiting for a free thread.
    """

    def __init__(self, max_workers: int, *, name: str = "fanout") -> None:
        self.max_workers = max(1, max_workers)
        self._inside = threading.local()
        self._pool = ThreadPoolExecutor(
            max_workers=self.max_workers, thread_name_prefix=name, initializer=self._mark
        )

    def _mark(self) -> None:
        self._inside.flag = True

    def map(self, fn: Callable[[I], R], items: Iterable[I]) -> list[ItemResult[I, R]]:
        """``fn`` over ``items``; results in the items' order.

        A backend error on one item is kept in its result and the others still run; any other
        exception is a bug and propagates.
        """
        todo = list(items)
        if len(todo) <= 1 or getattr(self._inside, "flag", False):
            return [_one(fn, item) for item in todo]
        futures = [self._pool.submit(_one, fn, item) for item in todo]
        return [future.result() for future in futures]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
