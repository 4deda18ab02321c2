"""Several independent backend reads at once, through the platform client's bounded pool."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from commands.deps import Deps

T = TypeVar("T")


class Fetched:
    """The outcome of each named read: its value, or the backend error it met."""

    def __init__(self, values: Mapping[str, Any], errors: Mapping[str, IntegrationError]) -> None:
        self._values = dict(values)
        self._errors = dict(errors)

    def get(self, name: str, kind: type[T]) -> T:
        """The value of ``name``; re-raises its backend error when it failed."""
        error = self._errors.get(name)
        if error is not None:
            raise error
        value = self._values[name]
        if not isinstance(value, kind) and value is not None:
            raise TypeError(f"{name} gave {type(value).__name__}, expected {kind.__name__}")
        return value  # type: ignore[return-value]

    def error(self, name: str) -> IntegrationError | None:
        return self._errors.get(name)


def fetch_together(deps: Deps, reads: Mapping[str, Callable[[], object]]) -> Fetched:
    """Run every read concurrently; a failure is kept per read so the others still count."""
    names = list(reads)
    results = deps.platform.map_concurrent(lambda name: reads[name](), names)
    values = {r.item: r.value for r in results if r.error is None}
    errors = {r.item: r.error for r in results if r.error is not None}
    return Fetched(values, errors)
