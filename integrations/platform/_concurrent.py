"""Bounded fan-out: run one call per item on a few threads, keeping each item's outcome."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from integrations.errors import IntegrationError

__all__ = ["ItemResult", "map_concurrent"]

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


def map_concurrent(
    fn: Callable[[I], R], items: Iterable[I], *, max_workers: int
) -> list[ItemResult[I, R]]:
    """``fn`` over ``items`` on at most ``max_workers`` threads; results in the items' order.

    A backend error on one item is kept in its result and the others still run; any other
    exception is a bug and propagates.
    """
    todo = list(items)
    if not todo:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(todo)))) as pool:
        futures = [pool.submit(_one, fn, item) for item in todo]
        return [future.result() for future in futures]
