"""Naming an account: by its Jet Hub number, its Zuora account number (``A00001001``), one of its
phone numbers in any common form (``0412 345 678``, ``+61 2 9000 1234``), a Bill To or Sold To
contact's email address, one of its Zuora invoice numbers (``INV00000123``, ``INV-123``), or part
of its name (case and accents do not matter: ``cafe`` finds "Café")."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from commands.errors import AccountNotFound, AmbiguousAccount, Conflict
from integrations.errors import NotFound
from integrations.phone import national_au_number
from integrations.text import fold

if TYPE_CHECKING:
    from commands.deps import Deps
    from integrations.platform import Account, AccountSummary

MAX_MATCHES = 25
ZUORA_ACCOUNT_NUMBER = re.compile(r"[Aa]\d{8}")
INVOICE_NUMBER = re.compile(r"INV-?\d{1,20}", re.IGNORECASE)
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# What a contact's address looks like (ASCII, Zuora's 80 characters): a local part starting with a
# letter or digit, so it can never read as a formula, and a dotted domain.
EMAIL = re.compile(
    rf"(?=.{{3,80}}$)[A-Za-z0-9][A-Za-z0-9.!#$%&'*+/=?^_{{|}}~-]*@{_LABEL}(?:\.{_LABEL})+"
)


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
    elif EMAIL.fullmatch(query):
        matches = _billed_on(deps, deps.zuora.accounts_with_contact_email(query))
    elif INVOICE_NUMBER.fullmatch(query):
        invoice = deps.zuora.invoice_by_number(query.upper())
        account = invoice.account if invoice is not None else None
        numbers = [account.account_number] if account and account.account_number else []
        matches = [m for n in numbers for m in deps.platform.accounts_with_zuora_number(n)]
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


def _billed_on(deps: Deps, zuora_ids: list[str]) -> list[AccountSummary]:
    """The platform accounts billed on these Zuora accounts (by id)."""
    found: dict[str, AccountSummary] = {}
    for zuora_id in zuora_ids[:MAX_MATCHES]:
        number = deps.zuora.get_account(zuora_id).account_number
        for match in deps.platform.accounts_with_zuora_number(number):
            found.setdefault(match.id, match)
    return list(found.values())


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
