"""``billing``: the allowances stored on the platform, and refreshing them from Zuora."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commands.accounts import resolve_account
from commands.actor import Actor, Role
from commands.errors import NothingToDo
from commands.reading._models import ReadOrder, ReadResult
from commands.trail import authorize, record
from integrations.allowances import AllowanceItem, describe_allowances
from integrations.errors import IntegrationError
from integrations.platform import Account, PlatformAllowances

if TYPE_CHECKING:
    from commands.deps import Deps


class ShowBilling(ReadOrder):
    """Show the service allowances the account pays for."""


class RefreshAllowances(ReadOrder):
    """Re-read the Zuora subscriptions and store the allowances they give on the platform."""


class BillingOverview(ReadResult):
    account: Account
    allowances: PlatformAllowances


class AllowancesRefreshed(ReadResult):
    account: Account
    before: PlatformAllowances
    after: PlatformAllowances
    changes: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def show_billing(cmd: ShowBilling, actor: Actor, deps: Deps) -> BillingOverview:
    authorize(deps, actor, Role.VIEWER, action="billing", to="view billing", account=cmd.account)
    account = resolve_account(deps, cmd.account)
    return BillingOverview(account=account, allowances=deps.platform.allowances(account.id))


def refresh_allowances(cmd: RefreshAllowances, actor: Actor, deps: Deps) -> AllowancesRefreshed:
    """Zuora's in-effect subscriptions → the platform's allowances record, audited before/after.

    The record is stored even when nothing changed, so "last refreshed" says when it was checked.
    """
    action = "billing.refresh"
    authorize(
        deps, actor, Role.OPERATOR, action=action, to="refresh allowances", account=cmd.account
    )
    account = resolve_account(deps, cmd.account)
    zuora_key = account.zuora_account_number
    if not zuora_key:
        raise NothingToDo(
            f"Account {account.id} has no Zuora account, so there is nothing to "
            "refresh allowances from."
        )
    before = deps.platform.allowances(account.id)
    try:
        fresh = deps.zuora.allowances(zuora_key, deps.today())
        after = deps.platform.store_allowances(account.id, fresh.items, fresh.subscription_numbers)
    except IntegrationError as exc:
        record(
            deps,
            actor=actor,
            action=action,
            account=account.id,
            outcome="failed",
            details={"before": _snapshot(before), "error": str(exc)},
        )
        raise
    changes = allowance_changes(before, after)
    record(
        deps,
        actor=actor,
        action=action,
        account=account.id,
        outcome="ok",
        details={"before": _snapshot(before), "after": _snapshot(after), "changes": changes},
    )
    return AllowancesRefreshed(account=account, before=before, after=after, changes=changes)


def allowance_changes(before: PlatformAllowances, after: PlatformAllowances) -> list[str]:
    """What a person needs to read: "Cloud Mobile 5 → 7", "1300 Number added", "… removed"."""
    old = _by_name(before.items)
    new = _by_name(after.items)
    changes: list[str] = []
    for name, item in new.items():
        if name not in old:
            changes.append(f"{name} added ({_qty(item)})")
        elif old[name].quantity != item.quantity:
            changes.append(f"{name} {_qty(old[name])} → {_qty(item)}")
    changes += [
        f"{name} removed (was {_qty(item)})" for name, item in old.items() if name not in new
    ]
    old_subs, new_subs = set(before.subscription_numbers), set(after.subscription_numbers)
    changes += [
        f"subscription {s} now counted" for s in after.subscription_numbers if s not in old_subs
    ]
    changes += [
        f"subscription {s} no longer counted"
        for s in before.subscription_numbers
        if s not in new_subs
    ]
    return changes


def _by_name(items: list[AllowanceItem]) -> dict[str, AllowanceItem]:
    return {item.name: item for item in items}


def _qty(item: AllowanceItem) -> str:
    return str(item).split(" ", 1)[0]


def _snapshot(allowances: PlatformAllowances) -> dict[str, object]:
    return {
        "allowances": describe_allowances(allowances.items),
        "subscriptions": list(allowances.subscription_numbers),
    }


__all__ = [
    "AllowancesRefreshed",
    "BillingOverview",
    "RefreshAllowances",
    "ShowBilling",
    "allowance_changes",
    "refresh_allowances",
    "show_billing",
]
