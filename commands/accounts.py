"""Naming an account: a Jet Hub number is looked up; any other text is searched by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commands.errors import AccountNotFound, AmbiguousAccount
from integrations.errors import NotFound

if TYPE_CHECKING:
    from commands.deps import Deps
    from integrations.platform import Account

MAX_MATCHES = 25


def resolve_account(deps: Deps, query: str) -> Account:
    """The platform account ``query`` names, or ``AccountNotFound`` / ``AmbiguousAccount``."""
    query = query.strip()
    if not query:
        raise AccountNotFound(query)
    if query.isdigit():
        try:
            return deps.platform.get_account(query)
        except NotFound:
            raise AccountNotFound(query) from None
    matches = deps.platform.search_accounts(query)
    exact = [m for m in matches if m.name.casefold() == query.casefold()]
    if len(exact) == 1:
        matches = exact
    if not matches:
        raise AccountNotFound(query)
    if len(matches) > 1:
        raise AmbiguousAccount(query, [(m.id, m.name) for m in matches[:MAX_MATCHES]])
    return deps.platform.get_account(matches[0].id)
