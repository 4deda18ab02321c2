"""Promises to pay: accounts a person has promised will pay by a date (``/jethub promise``,
the ledger's ``promise`` table) are kept out of the "fell through the cracks" check while the
promise is in force — the digest's own rule (``audit.active_promises``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from audit import active_promises

if TYPE_CHECKING:
    from commands.deps import Deps


def promised(deps: Deps, accounts: Iterable[str]) -> set[str]:
    """Of ``accounts``, those with a promise to pay in force today."""
    with deps.ledger.read_session() as session:
        held = set(active_promises(session=session, today=deps.today()))
    return held & set(accounts)
