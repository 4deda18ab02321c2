"""A finding's fix, pressed by a person: role-checked, the finding checked again first, done
as a durable run through the engine — and audited as ``reconcile.fix`` naming who pressed it,
the check and the fix, besides the run's own events.

A finding that is gone when the button is pressed (someone fixed it elsewhere, or the report
was old) is refused with that said, and nothing is done. The fixes reuse what exists: ``lift``
is the ``unsuspend`` run, ``refresh-allowances`` the billing refresh, ``save-emergency`` the
emergency save (the address read from Sold To), ``retry`` the run engine's retry; ``adopt`` is
this feature's own run (``adopt``). ``tell-billing`` changes nothing: the bot tells the billing
team (``Told`` says what), and the event records who asked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from audit import abandon
from commands.actor import Actor, Role
from commands.changes import SaveEmergency, save_emergency
from commands.errors import CommandError, Conflict, NothingToDo
from commands.reading import RefreshAllowances, refresh_allowances
from commands.reconcile import models as m
from commands.reconcile.adopt import adopt_params
from commands.reconcile.checks import sold_to_address
from commands.reconcile.ledger import ADOPT_KIND
from commands.reconcile.models import Finding
from commands.reconcile.report import Reconciliation
from commands.runs import records as run_records
from commands.runs.one_system import run_order
from commands.runs.retry import RetryRun, retry_run
from commands.suspension.models import UNSUSPEND
from commands.trail import audited

if TYPE_CHECKING:
    from commands.deps import Deps

FIX_ACTION = "reconcile.fix"


class FixOrder(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    check: str
    fix: str
    run_id: str | None = None  # an action finding's run


class Fixed(BaseModel):
    """What a fix did, in words; ``work_run``: a run for the bot to work now and tell."""

    model_config = ConfigDict(frozen=True)

    finding: Finding
    fix: str
    said: str
    run_id: str | None = None
    work_run: bool = False
    tell_billing: bool = False


class FixedElsewhere(Conflict):
    """The finding is not there any more: nothing to fix."""


class CouldNotCheck(CommandError):
    """The finding could not be checked again: a backend failed."""


def current_finding(deps: Deps, order: FixOrder) -> Finding:
    """The finding as it stands now, read again; ``FixedElsewhere`` when it is gone."""
    report = Reconciliation(deps, account=order.account)
    key = Finding(account=order.account, check=order.check, run_id=order.run_id).key
    found = {f.key: f for f in report.findings()}
    end = report.end
    if end is not None and not end.complete:
        raise CouldNotCheck(
            f"Could not check account {order.account} again: {end.backend_name} failed "
            f"({end.error}). Nothing was done."
        )
    if key not in found:
        raise FixedElsewhere(
            f"Account {order.account}: that finding ({order.check}) is not there any more — "
            "it was fixed elsewhere since the report. Nothing was done."
        )
    return found[key]


def apply_fix(order: FixOrder, actor: Actor, deps: Deps) -> Fixed:
    details = {"check": order.check, "fix": order.fix, "run_id": order.run_id}
    with audited(deps, actor, FIX_ACTION, order.account, details=details) as trail:
        trail.require(Role.OPERATOR, to="fix what reconciliation found")
        finding = current_finding(deps, order)
        if order.fix not in finding.fixes:
            raise Conflict(f"`{order.fix}` does not fix {order.check}. Nothing was done.")
        fixed = _FIXES[order.fix](deps, actor, finding)
        trail.details.update(said=fixed.said, fixed_run_id=fixed.run_id)
    return fixed


# -- the fixes ----------------------------------------------------------------------------------


def _run(deps: Deps, actor: Actor, finding: Finding, kind: str, params: Mapping[str, Any]) -> str:
    """A run of ``kind`` on the finding's account, worked now; its id (or what stopped it)."""
    with audited(deps, actor, kind, finding.account) as trail:
        outcome = run_order(trail, kind=kind, params=params)
    if outcome.state == "refused":
        raise FixedElsewhere(outcome.refused or "Nothing was done.")
    if outcome.state != "succeeded":
        raise run_records.ActionFailed.of(deps, outcome)
    return outcome.run_id


def _adopt(deps: Deps, actor: Actor, finding: Finding) -> Fixed:
    account = deps.platform.get_account(finding.account)
    held = account.suspended
    params = adopt_params(
        suspended=held is not None,
        by=held.by if held else "",
        reason=held.reason if held else "",
        at=held.at.isoformat() if held else "",
    )
    run_id = _run(deps, actor, finding, ADOPT_KIND, params)
    said = (
        f"recorded the suspension by {held.by} ({held.reason}) as known"
        if held
        else "recorded the lift made outside the bot"
    )
    return Fixed(finding=finding, fix=m.ADOPT, said=said, run_id=run_id)


def _lift(deps: Deps, actor: Actor, finding: Finding) -> Fixed:
    params = {
        "by": actor.user_id,
        "note": f"lifted from reconciliation ({finding.check})",
        "was": None,
        "reference": {"reconcile": finding.key},
    }
    run_id = _run(deps, actor, finding, UNSUSPEND, params)
    return Fixed(finding=finding, fix=m.LIFT, said="lifted the suspension", run_id=run_id)


def _refresh(deps: Deps, actor: Actor, finding: Finding) -> Fixed:
    done = refresh_allowances(RefreshAllowances(account=finding.account), actor, deps)
    said = f"stored Zuora's allowances: {done.after.describe() or 'none'}"
    return Fixed(finding=finding, fix=m.REFRESH_ALLOWANCES, said=said)


def _save_emergency(deps: Deps, actor: Actor, finding: Finding) -> Fixed:
    number = deps.platform.get_account(finding.account).zuora_account_number
    queried = deps.zuora.accounts_by_number([number]) if number else []
    parsed = sold_to_address(queried[0]) if queried else None
    if parsed is None or parsed.has_hard_errors:
        raise Conflict(f"Account {finding.account}'s Sold To is not a valid IPND address.")
    saved = save_emergency(
        SaveEmergency(account=finding.account, address=parsed.address), actor, deps
    )
    return Fixed(
        finding=finding, fix=m.SAVE_EMERGENCY, said="saved the Sold To address", run_id=saved.run_id
    )


def _tell_billing(_deps: Deps, _actor: Actor, finding: Finding) -> Fixed:
    return Fixed(finding=finding, fix=m.TELL_BILLING, said="told billing", tell_billing=True)


def _retry(deps: Deps, actor: Actor, finding: Finding) -> Fixed:
    assert finding.run_id is not None
    if finding.check == m.FAILED_ACTION:
        retry_run(RetryRun(run_id=finding.run_id), actor, deps)
    return Fixed(
        finding=finding,
        fix=m.RETRY,
        said="resumed the action",
        run_id=finding.run_id,
        work_run=True,
    )


def _abandon(deps: Deps, actor: Actor, finding: Finding) -> Fixed:
    assert finding.run_id is not None
    with deps.ledger.session() as session:
        done = abandon(session=session, run_id=finding.run_id, now=deps.now(), by=actor.user_id)
    if not done:
        raise NothingToDo("That action came back to life or ended since; nothing was abandoned.")
    return Fixed(finding=finding, fix=m.ABANDON, said="abandoned the action", run_id=finding.run_id)


_FIXES = {
    m.ADOPT: _adopt,
    m.LIFT: _lift,
    m.REFRESH_ALLOWANCES: _refresh,
    m.SAVE_EMERGENCY: _save_emergency,
    m.TELL_BILLING: _tell_billing,
    m.RETRY: _retry,
    m.ABANDON: _abandon,
}
