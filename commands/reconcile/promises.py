"""Promises to pay: accounts a person has promised will pay by a date, kept out of the
"fell through the cracks" check. Promises are being added by another change; until they exist
this read answers that nobody has promised anything. It is the one place to plug them in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from commands.deps import Deps


def promised(deps: Deps, accounts: Iterable[str]) -> set[str]:
    """Of ``accounts``, those with a promise to pay in force today (none yet)."""
    del deps, accounts
    return set()
