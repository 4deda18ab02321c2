"""``billing``: the allowances stored on the platform, and refreshing them from Zuora."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from commands.accounts import resolve_account
from commands.actor import Actor, Role
from commands.errors import NothingToDo
from commands.reading._models import ReadOrder, ReadResult
from commands.runs import records as run_records
from commands.runs.engine import StepContext
from commands.runs.kinds import Effect, RunKind, RunView, Step, StepResult, StepView
from commands.runs.one_system import run_order
from commands.trail import audited, authorize
from integrations.allowances import AllowanceItem, describe_allowances
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
    with audited(deps, actor, REFRESH, cmd.account) as trail:
        trail.require(Role.OPERATOR, to="refresh allowances")
        account = resolve_account(deps, cmd.account)
        trail.account = account.id
        zuora_key = account.zuora_account_number
        if not zuora_key:
            raise NothingToDo(
                f"Account {account.id} has no Zuora account, so there is nothing to "
                "refresh allowances from."
            )
        outcome = run_order(trail, kind=REFRESH, params={"zuora_account": zuora_key})
    if outcome.state != "succeeded":
        raise run_records.ActionFailed.of(deps, outcome)
    done = outcome.results["refresh"]
    return AllowancesRefreshed(
        account=account,
        before=PlatformAllowances.model_validate(done["before"]),
        after=PlatformAllowances.model_validate(done["after"]),
        changes=list(done["changes"]),
    )


# -- the run: one step, safe to repeat ------------------------------------------------------------

REFRESH = "billing.refresh"


def _refresh(ctx: StepContext) -> StepResult:
    """Store what Zuora says now. The allowances as they were before the first attempt are
    recorded as intent, so a resumed refresh reports its changes against them."""
    deps, account = ctx.deps, ctx.run.account
    earlier = ctx.earlier_intent().get("before")
    if earlier is not None:
        before = PlatformAllowances.model_validate(earlier)
    else:
        before = deps.platform.allowances(account)
        ctx.intend(before=before.model_dump(mode="json"))
    fresh = deps.zuora.allowances(str(ctx.params["zuora_account"]), deps.today())
    after = deps.platform.store_allowances(account, fresh.items, fresh.subscription_numbers)
    changes = allowance_changes(before, after)
    detail = {
        "before": before.model_dump(mode="json"),
        "after": after.model_dump(mode="json"),
        "changes": changes,
    }
    event = {"before": _snapshot(before), "after": _snapshot(after), "changes": changes}
    return StepResult(detail, Effect(REFRESH, "ok", event))


def _failure(_deps: Deps, run: RunView, steps: list[StepView], _step: str) -> dict[str, Any]:
    intent = ((steps[0].detail or {}).get("intent") or {}) if steps else {}
    before = intent.get("before")
    return {"before": _snapshot(PlatformAllowances.model_validate(before))} if before else {}


def refresh_kind() -> RunKind:
    return RunKind(
        name=REFRESH,
        label="allowance refresh",
        steps=(Step("refresh", "store Zuora's allowances on the platform", _refresh),),
        failure_details=_failure,
    )


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
