"""Suspending an account for non-payment, and lifting a suspension, each behind a confirmation.

``prepare_suspension`` / ``prepare_unsuspension`` read the account (and, to suspend, its overdue
invoices), refuse at once when there is nothing to do, and store a *confirmation*
(``commands.suspension.confirmation``); the person's Confirm and Cancel buttons carry only its id.
``confirm`` settles it exactly once and, in that same ledger transaction, creates the run that
acts (``commands.suspension.run``: it re-reads the account before it acts). With
``Policy.suspend_requires_approval`` a confirmed suspension becomes a four-eyes request instead
(``commands.suspension.approval``), whose approval creates the run.

Suspension is for non-payment: an account is suspended only while it is a candidate by the
overdue digest's rule (``overdue_for``), checked when the confirmation is shown and again at the
moment of execution.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from commands.accounts import resolve_account
from commands.actor import Actor, Role
from commands.approvals.requests import active_action
from commands.errors import Conflict, InvalidInput, NothingToDo
from commands.runs import records as run_records
from commands.suspension.approval import pending_request, send_for_approval
from commands.suspension.confirmation import settle, store, vet
from commands.suspension.exclusions import excluded_refusal
from commands.suspension.models import (
    MAX_REASON,
    SUSPEND,
    UNSUSPEND,
    AwaitingApproval,
    ConfirmAction,
    Confirmation,
    NotOverdue,
    PrepareSuspension,
    PrepareUnsuspension,
    SentForApproval,
    Suspended,
    Unsuspended,
)
from commands.suspension.run import already, origin_label, overdue_for, state_of, work
from commands.trail import audited

if TYPE_CHECKING:
    from sqlmodel import Session

    from commands.deps import Deps


# -- preparing ----------------------------------------------------------------------------------


NO_APPROVALS_CHANNEL = (
    "Suspension needs a second person's approval here (`JETHUB_SUSPEND_REQUIRES_APPROVAL`), but "
    "no approvals channel is configured (`JETHUB_APPROVALS_CHANNEL`). Nothing was requested."
)


def prepare_suspension(cmd: PrepareSuspension, actor: Actor, deps: Deps) -> Confirmation:
    """Check that suspending makes sense now and store what the person is asked to confirm."""
    where = {"stage": "preparation", **({"origin": cmd.origin} if cmd.origin else {})}
    with audited(deps, actor, SUSPEND, cmd.account, details=where) as trail:
        trail.require(Role.OPERATOR, to="suspend an account")
        needs_approval = deps.policy.suspend_requires_approval
        if needs_approval and not deps.policy.has_approvals_channel:
            problem = "no approvals channel configured"
            raise trail.refuse(Conflict(NO_APPROVALS_CHANNEL), problem=problem)
        account = resolve_account(deps, cmd.account)
        trail.account = account.id
        if account.is_deactivated:
            deactivated = Conflict(f"Account {account.id} is deactivated; it cannot be suspended.")
            raise trail.refuse(deactivated, problem="deactivated")
        if account.is_suspended:
            raise trail.refuse(already(account, deps.zone), problem="already suspended")
        excluded = excluded_refusal(deps, account.id)
        if excluded is not None:
            raise trail.refuse(excluded, problem="excluded", reason=excluded.exclusion.reason)
        waiting = pending_request(deps, account.id) if needs_approval else None
        if waiting is not None:
            raise trail.refuse(
                AwaitingApproval(account.id, waiting, deps.zone),
                problem="approval pending",
                request_id=waiting.id,
            )
        # An approved suspension not yet carried out (its worker died): say so, never ask again.
        in_flight = active_action(deps, SUSPEND, account.id)
        if in_flight is not None:
            raise trail.refuse(in_flight, problem="action in progress")
        overdue = overdue_for(deps, account)
        if overdue.count == 0:
            raise trail.refuse(
                _not_overdue(account.id, overdue.overdue_days, cmd.origin),
                problem="nothing overdue",
            )
        confirmation = store(
            deps,
            actor,
            action=SUSPEND,
            account=account,
            reason=cmd.reason.strip()[:MAX_REASON],
            origin=cmd.origin,
            overdue=overdue,
            needs_approval=needs_approval,
        )
        trail.recorded_elsewhere()  # confirming or cancelling it records what became of it
    return confirmation


def _not_overdue(account: str, days: int, origin: str | None) -> NotOverdue:
    since = f" (it was listed in the {origin_label(origin)}, so it has paid since)"
    return NotOverdue(
        f"Account {account} has no invoice overdue by {days} days or more"
        f"{since if origin else ''}. Suspension is for non-payment, so nothing was done. "
        f"To suspend it anyway (an approver decides): `/jethub override {account} <reason>`."
    )


def prepare_unsuspension(cmd: PrepareUnsuspension, actor: Actor, deps: Deps) -> Confirmation:
    where = {"stage": "preparation", **({"origin": cmd.origin} if cmd.origin else {})}
    with audited(deps, actor, UNSUSPEND, cmd.account, details=where) as trail:
        trail.require(Role.OPERATOR, to="lift a suspension")
        account = resolve_account(deps, cmd.account)
        trail.account = account.id
        if not account.is_suspended:
            not_suspended = NothingToDo(f"Account {account.id} is not suspended. Nothing changed.")
            raise trail.refuse(not_suspended, problem="not suspended")
        confirmation = store(
            deps,
            actor,
            action=UNSUSPEND,
            account=account,
            reason="",
            origin=cmd.origin,
            suspended=state_of(account),
        )
        trail.recorded_elsewhere()  # confirming or cancelling it records what became of it
    return confirmation


def confirm(
    cmd: ConfirmAction, actor: Actor, deps: Deps
) -> Suspended | Unsuspended | SentForApproval:
    """Use the confirmation once: the winning click acts; every other click is told it is done."""
    confirmation = vet(cmd.confirmation_id, actor, deps, verb="confirm")
    reason = confirmation.reason if cmd.reason is None else cmd.reason.strip()
    if confirmation.action == SUSPEND:
        if not reason:
            press = "Request approval" if confirmation.needs_approval else "Suspend"
            raise InvalidInput(
                "reason", f"Please type a reason for the suspension, then press *{press}*."
            )
        if len(reason) > MAX_REASON:
            raise InvalidInput(
                "reason", f"The reason is {len(reason)} characters; the limit is {MAX_REASON}."
            )
    else:
        reason = reason[:MAX_REASON]
    approval = confirmation.action == SUSPEND and (
        confirmation.needs_approval or deps.policy.suspend_requires_approval
    )
    if approval:
        return send_for_approval(deps, actor, confirmation, reason)
    kind, params = _run_params(confirmation, actor, reason)

    def create_run(session: Session) -> str:
        """The run that acts, in the same transaction as the settled confirmation."""
        run = run_records.create(
            session,
            deps.actions.run(kind),
            account=confirmation.account,
            requested_by=actor.user_id,
            params=params,
            now=deps.now(),
        )
        return run.id

    run_id = settle(
        deps,
        actor,
        confirmation,
        state="confirmed",
        details={"reason": reason, "origin": confirmation.origin},
        then=create_run,
    )
    assert run_id is not None
    return work(deps, run_id)


def _run_params(
    confirmation: Confirmation, actor: Actor, reason: str
) -> tuple[str, dict[str, Any]]:
    reference = {"confirmation_id": confirmation.id}
    if confirmation.action == UNSUSPEND:
        was = confirmation.suspended.model_dump(mode="json") if confirmation.suspended else None
        return UNSUSPEND, {"by": actor.user_id, "note": reason, "was": was, "reference": reference}
    assert confirmation.overdue is not None
    return SUSPEND, {
        "by": actor.user_id,
        "reason": reason,
        "origin": confirmation.origin,
        "shown": confirmation.overdue.model_dump(mode="json"),
        "reference": reference,
    }
