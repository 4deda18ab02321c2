"""Naming an account: by its Jet Hub number, its Zuora account number (``A00001001``), one of its
phone numbers in any common form (``0412 345 678``, ``+61 2 9000 1234``), or part of its name
(case and accents do not matter: ``cafe`` finds "Café")."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from commands.errors import AccountNotFound, AmbiguousAccount, Conflict
from integrations.errors import NotFound
from integrations.phone import national_au_number
from integrations.text import fold

if TYPE_CHECKING:
    from commands.deps import Deps
    from integrations.platform import Account

MAX_MATCHES = 25
ZUORA_ACCOUNT_NUMBER = re.compile(r"[Aa]\d{8}")


def resolve_account(deps: Deps, query: str) -> Account:
    """The platform account ``query`` names, or ``AccountNotFound`` / ``AmbiguousAccount``."""
    query = query.strip()
    if not query:
        raise AccountNotFound(query)
    if query.isdigit():
        try:
            return deps.platform.get_account(query)
        except NotFound:
            if national_au_number(query) is None:
                raise AccountNotFound(query) from None
    if ZUORA_ACCOUNT_NUMBER.fullmatch(query):
        matches = deps.platform.accounts_with_zuora_number(query.upper())
    elif (phone := national_au_number(query)) is not None:
        matches = deps.platform.accounts_with_phone_number(phone)
    else:
        matches = deps.platform.search_accounts(query)
    exact = [m for m in matches if fold(m.name) == fold(query)]
    if len(exact) == 1:
        matches = exact
    if not matches:
        raise AccountNotFound(query)
    if len(matches) > 1:
        raise AmbiguousAccount(query, [(m.id, m.name) for m in matches[:MAX_MATCHES]])
    return deps.platform.get_account(matches[0].id)


def live_account(deps: Deps, account: str) -> Account:
    """The platform account by number; a deactivated account cannot be changed."""
    try:
        found = deps.platform.get_account(account)
    except NotFound:
        raise AccountNotFound(account) from None
    if found.is_deactivated:
        raise Conflict(f"Account {found.id} is deactivated; it can no longer be changed.")
    return found


def find_account(deps: Deps, query: str) -> Account:
    """The account a person named (number or name), refusing a deactivated one."""
    account = resolve_account(deps, query)
    if account.is_deactivated:
        raise Conflict(f"Account {account.id} is deactivated; it can no longer be changed.")
    return account
