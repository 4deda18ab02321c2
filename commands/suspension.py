"""Suspending an account for non-payment, and lifting a suspension, each behind a confirmation.

``prepare_suspension`` / ``prepare_unsuspension`` read the account (and, to suspend, its overdue
invoices), refuse at once when there is nothing to do, and store a *confirmation* in the ledger;
the person's Confirm and Cancel buttons carry only its id. ``confirm`` settles it exactly once and,
in that same ledger transaction, creates the run that acts (``commands.suspension_run``: it
re-reads the account before it acts); ``cancel_confirmation`` settles it the other way. With
``Policy.suspend_requires_approval`` a confirmed suspension becomes a four-eyes request
(``commands.approvals``, kind ``suspend``, holding the account's destructive-action lock) whose
approval creates the run; ``suspend_approved`` works it and reports from its record.

Confirmations live in the ledger's ``idempotency_key`` table, not in ``approval_request``: they
are one person's second thought, not a request for someone else, so they must not show among
pending approvals nor be expired (and announced) by the approvals sweeper. The row
``suspension:<id>`` holds what was shown; settling inserts ``suspension:<id>:settled`` if absent —
an insert-if-absent on a primary key, which is the compare-and-set: of any number of clicks on any
number of processes exactly one inserts it, and the rest read who settled it and when.

Suspension is for non-payment: an account is suspended only while it is a candidate by the
overdue digest's rule (``overdue_for``), checked when the confirmation is shown and again at the
moment of execution.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from audit import approvals as ledger_approvals
from audit import first_time, remember_result, result_for
from commands import engine, run_records
from commands.accounts import resolve_account
from commands.actor import Actor, Role
from commands.approval_model import ApprovalKind, ApprovalView, RequestApproval
from commands.approvals import RequestLocked, create_request, load_approval, locked_out, vet_request
from commands.errors import Conflict, InvalidInput, NothingToDo
from commands.run_kinds import RunOutcome
from commands.run_records import ActionFailed
from commands.suspension_models import (
    SUSPEND,
    UNSUSPEND,
    Action,
    AlreadySettled,
    AlreadySuspended,
    AwaitingApproval,
    CancelConfirmation,
    ConfirmAction,
    Confirmation,
    ConfirmationExpired,
    NotOverdue,
    NotYourConfirmation,
    OverdueInvoice,
    OverdueSummary,
    PaidSinceConfirmation,
    PrepareSuspension,
    PrepareUnsuspension,
    SentForApproval,
    Settled,
    Suspended,
    SuspensionState,
    UnknownConfirmation,
    Unsuspended,
    clean_origin,
)
from commands.suspension_run import already as _already
from commands.suspension_run import origin_label as _origin_label
from commands.suspension_run import overdue_for
from commands.suspension_run import state_of as _state_of
from commands.trail import authorize, record

if TYPE_CHECKING:
    from sqlmodel import Session

    from audit.models import ApprovalRequest
    from commands.deps import Deps
    from integrations.platform import Account

APPROVAL_KIND = "suspend"
CONFIRM_TTL = timedelta(minutes=30)
MAX_REASON = 500  # the platform's limit for a suspension reason
_KEY_PREFIX = "suspension:"

__all__ = [
    "APPROVAL_KIND",
    "CONFIRM_TTL",
    "MAX_REASON",
    "SUSPEND",
    "UNSUSPEND",
    "AlreadySettled",
    "AlreadySuspended",
    "AwaitingApproval",
    "CancelConfirmation",
    "ConfirmAction",
    "Confirmation",
    "ConfirmationExpired",
    "NotOverdue",
    "NotYourConfirmation",
    "OverdueInvoice",
    "OverdueSummary",
    "PaidSinceConfirmation",
    "PrepareSuspension",
    "PrepareUnsuspension",
    "SentForApproval",
    "Settled",
    "Suspended",
    "SuspensionState",
    "UnknownConfirmation",
    "Unsuspended",
    "approval_kind",
    "cancel_confirmation",
    "clean_origin",
    "confirm",
    "load_confirmation",
    "outcome_result",
    "overdue_for",
    "prepare_suspension",
    "prepare_unsuspension",
    "settled",
    "suspend_approved",
]


# -- preparing ----------------------------------------------------------------------------------


def prepare_suspension(cmd: PrepareSuspension, actor: Actor, deps: Deps) -> Confirmation:
    """Check that suspending makes sense now and store what the person is asked to confirm."""
    authorize(
        deps, actor, Role.OPERATOR, action=SUSPEND, to="suspend an account", account=cmd.account
    )
    account = resolve_account(deps, cmd.account)
    refuse = _refuser(deps, actor, SUSPEND, account.id, stage="preparation", origin=cmd.origin)
    if account.is_deactivated:
        refuse({"problem": "deactivated"})
        raise Conflict(f"Account {account.id} is deactivated; it cannot be suspended.")
    if account.is_suspended:
        refuse({"problem": "already suspended"})
        raise _already(account)
    needs_approval = deps.policy.suspend_requires_approval
    if needs_approval:
        waiting = _pending_request(deps, account.id)
        if waiting is not None:
            refuse({"problem": "approval pending", "request_id": waiting.id})
            raise AwaitingApproval(account.id, waiting)
    overdue = overdue_for(deps, account)
    if overdue.count == 0:
        refuse({"problem": "nothing overdue"})
        since = f" (it was listed in the {_origin_label(cmd.origin)}, so it has paid since)"
        raise NotOverdue(
            f"Account {account.id} has no invoice overdue by {overdue.overdue_days} days or more"
            f"{since if cmd.origin else ''}. Suspension is for non-payment, so nothing was done. "
            f"To suspend it anyway (an approver decides): `/jethub override {account.id} <reason>`."
        )
    return _store(
        deps,
        actor,
        action=SUSPEND,
        account=account,
        reason=cmd.reason.strip()[:MAX_REASON],
        origin=cmd.origin,
        overdue=overdue,
        needs_approval=needs_approval,
    )


def prepare_unsuspension(cmd: PrepareUnsuspension, actor: Actor, deps: Deps) -> Confirmation:
    authorize(
        deps, actor, Role.OPERATOR, action=UNSUSPEND, to="lift a suspension", account=cmd.account
    )
    account = resolve_account(deps, cmd.account)
    if not account.is_suspended:
        _refuser(deps, actor, UNSUSPEND, account.id, stage="preparation", origin=cmd.origin)(
            {"problem": "not suspended"}
        )
        raise NothingToDo(f"Account {account.id} is not suspended. Nothing changed.")
    return _store(
        deps,
        actor,
        action=UNSUSPEND,
        account=account,
        reason="",
        origin=cmd.origin,
        suspended=_state_of(account),
    )


def _store(
    deps: Deps,
    actor: Actor,
    *,
    action: Action,
    account: Account,
    reason: str,
    origin: str | None,
    overdue: OverdueSummary | None = None,
    suspended: SuspensionState | None = None,
    needs_approval: bool = False,
) -> Confirmation:
    now = deps.now()
    confirmation = Confirmation(
        id=secrets.token_urlsafe(9),
        action=action,
        account=account.id,
        name=account.name,
        requested_by=actor.user_id,
        reason=reason,
        origin=origin,
        created_at=now,
        expires_at=now + CONFIRM_TTL,
        overdue=overdue,
        suspended=suspended,
        needs_approval=needs_approval,
    )
    key = _key(confirmation.id)
    with deps.ledger.session() as session:
        first_time(session=session, key=key, now=now)
        remember_result(session=session, key=key, result=confirmation.model_dump(mode="json"))
    return confirmation


# -- confirming and cancelling ------------------------------------------------------------------


def load_confirmation(deps: Deps, confirmation_id: str) -> Confirmation | None:
    if not _plausible_id(confirmation_id):
        return None
    with deps.ledger.read_session() as session:
        stored = result_for(session=session, key=_key(confirmation_id))
    return None if stored is None else Confirmation.model_validate(stored)


def settled(deps: Deps, confirmation_id: str) -> Settled | None:
    if not _plausible_id(confirmation_id):
        return None
    with deps.ledger.read_session() as session:
        stored = result_for(session=session, key=_settled_key(confirmation_id))
    return None if stored is None else Settled.model_validate(stored)


def confirm(
    cmd: ConfirmAction, actor: Actor, deps: Deps
) -> Suspended | Unsuspended | SentForApproval:
    """Use the confirmation once: the winning click acts; every other click is told it is done."""
    confirmation = _vet(cmd.confirmation_id, actor, deps, verb="confirm")
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
        return _send_for_approval(deps, actor, confirmation, reason)
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

    run_id = _settle(
        deps,
        actor,
        confirmation,
        state="confirmed",
        details={"reason": reason, "origin": confirmation.origin},
        then=create_run,
    )
    assert run_id is not None
    return _work(deps, run_id)


def _send_for_approval(
    deps: Deps, actor: Actor, confirmation: Confirmation, reason: str
) -> SentForApproval:
    """Settle the confirmation and store the four-eyes request in one transaction; when another
    suspension holds the account, neither happens and the refusal points at it."""
    assert confirmation.overdue is not None
    order = RequestApproval(
        kind=APPROVAL_KIND,
        account=confirmation.account,
        reason=reason,
        origin=confirmation.origin,
        preview={
            "name": confirmation.name,
            "confirmation_id": confirmation.id,
            "overdue": confirmation.overdue.model_dump(mode="json"),
        },
    )
    kind, clean = vet_request(order, actor, deps)
    try:
        request_id = _settle(
            deps,
            actor,
            confirmation,
            state="confirmed",
            details={"reason": reason, "origin": confirmation.origin},
            then=lambda session: create_request(session, deps, actor, kind, order, clean).id,
        )
    except RequestLocked:
        raise locked_out(deps, actor, kind, confirmation.account) from None
    request = load_approval(deps, request_id or "")
    assert request is not None
    return SentForApproval(request=request, confirmation=confirmation)


def cancel_confirmation(cmd: CancelConfirmation, actor: Actor, deps: Deps) -> Confirmation:
    """Cancel: nothing changes on any backend; the confirmation can no longer be used."""
    confirmation = _vet(cmd.confirmation_id, actor, deps, verb="cancel", check_expiry=False)
    _settle(deps, actor, confirmation, state="cancelled", details={"origin": confirmation.origin})
    return confirmation


def _vet(
    confirmation_id: str, actor: Actor, deps: Deps, *, verb: str, check_expiry: bool = True
) -> Confirmation:
    confirmation = load_confirmation(deps, confirmation_id)
    if confirmation is None:
        record(
            deps,
            actor=actor,
            action=f"suspension.{verb}",
            account=None,
            outcome="refused",
            details={"problem": "no such confirmation", "value": confirmation_id[:64]},
        )
        raise UnknownConfirmation()
    action = f"{confirmation.action}.{verb}"
    refuse = _refuser(deps, actor, action, confirmation.account, stage="confirmation")
    authorize(
        deps,
        actor,
        Role.OPERATOR,
        action=action,
        to=f"{verb} this",
        account=confirmation.account,
    )
    if actor.user_id != confirmation.requested_by:
        refuse({"problem": "not the requester", "confirmation_id": confirmation.id})
        raise NotYourConfirmation()
    done = settled(deps, confirmation.id)
    if done is not None:
        refuse({"problem": f"already {done.state}", "confirmation_id": confirmation.id})
        raise AlreadySettled(confirmation, done, deps.zone)
    if check_expiry and deps.now() >= confirmation.expires_at:
        refuse({"problem": "expired", "confirmation_id": confirmation.id})
        raise ConfirmationExpired(confirmation)
    return confirmation


def _settle(
    deps: Deps,
    actor: Actor,
    confirmation: Confirmation,
    *,
    state: Literal["confirmed", "cancelled"],
    details: dict[str, Any],
    then: Callable[[Session], str] | None = None,
) -> str | None:
    """The compare-and-set: exactly one caller inserts the settled key; the rest are told.
    ``then`` runs in the winner's transaction (it creates the run); its answer is returned."""
    answer: str | None = None
    now = deps.now()
    verb = "confirm" if state == "confirmed" else "cancel"
    key = _settled_key(confirmation.id)
    with deps.ledger.session() as session:
        won = first_time(session=session, key=key, now=now)
        if won:
            remember_result(
                session=session,
                key=key,
                result=Settled(state=state, by=actor.user_id, at=now).model_dump(mode="json"),
            )
            record(
                deps,
                actor=actor,
                action=f"{confirmation.action}.{verb}",
                account=confirmation.account,
                outcome="ok",
                session=session,
                details={"confirmation_id": confirmation.id, **details},
            )
            if then is not None:
                answer = then(session)
    if not won:
        done = settled(deps, confirmation.id)
        assert done is not None, "the settled key exists once first_time() says so"
        _refuser(
            deps, actor, f"{confirmation.action}.{verb}", confirmation.account, stage="confirmation"
        )({"problem": f"lost the race: already {done.state}", "confirmation_id": confirmation.id})
        raise AlreadySettled(confirmation, done, deps.zone)
    return answer


# -- acting: the runs -----------------------------------------------------------------------------


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


def _result(deps: Deps, outcome: RunOutcome) -> Suspended | Unsuspended:
    """What the run did, from its record; its refusal or failure raised as the error to show."""
    if outcome.state == "succeeded":
        detail = next(iter(outcome.results.values()), {})
        if "suspended" in detail:
            return Suspended.model_validate({**detail["suspended"], "run_id": outcome.run_id})
        return Unsuspended.model_validate({**detail["unsuspended"], "run_id": outcome.run_id})
    if outcome.state == "refused":
        detail = next(iter(outcome.results.values()), {})
        refusal = dict(detail.get("refused") or {})
        message = str(refusal.get("message") or outcome.refused or "Nothing was done.")
        problem = refusal.get("problem")
        run = run_records.load_run(deps, outcome.run_id)
        if problem == "already suspended" and refusal.get("state") and run is not None:
            raise AlreadySuspended(run.account, SuspensionState.model_validate(refusal["state"]))
        if problem == "paid since confirmation":
            raise PaidSinceConfirmation(message)
        if problem == "deactivated since":
            raise Conflict(message)
        raise NothingToDo(message)
    raise ActionFailed.of(deps, outcome)


def _work(deps: Deps, run_id: str) -> Suspended | Unsuspended:
    return _result(deps, engine.execute(deps, run_id))


def outcome_result(deps: Deps, outcome: RunOutcome) -> Suspended | Unsuspended:
    """A (un)suspension run's outcome as its result, or the error that says what happened."""
    return _result(deps, outcome)


# -- four-eyes ----------------------------------------------------------------------------------


def _approved_params(request: ApprovalRequest) -> dict[str, Any]:
    return {
        "by": request.requested_by,
        "reason": request.reason,
        "origin": clean_origin(request.origin),
        "shown": dict(request.preview.get("overdue") or {}),
        "approved_by": request.decided_by,
        "reference": {"request_id": request.id},
    }


def approval_kind() -> ApprovalKind:
    return ApprovalKind(
        name=APPROVAL_KIND,
        label="suspension",
        run=SUSPEND,
        params=_approved_params,
        exclusive=True,
    )


def suspend_approved(deps: Deps, request: ApprovalView) -> Suspended:
    """Carry out an approved suspension request: work its run (created with the approval) and
    report from the run's record."""
    if request.kind != APPROVAL_KIND or request.decided_by is None:
        raise UnknownConfirmation()
    run = run_records.run_for_approval(deps, request.id)
    if run is None:
        raise UnknownConfirmation()
    result = _work(deps, run.id)
    assert isinstance(result, Suspended)
    return result


def _pending_request(deps: Deps, account: str) -> ApprovalView | None:
    with deps.ledger.read_session() as session:
        rows = ledger_approvals.pending(
            session=session, account=account, kind=APPROVAL_KIND, now=deps.now()
        )
        return ApprovalView.of(rows[0]) if rows else None


# -- helpers ------------------------------------------------------------------------------------


def _refuser(
    deps: Deps,
    actor: Actor,
    action: str,
    account: str | None,
    *,
    stage: str,
    origin: str | None = None,
) -> Callable[[dict[str, Any]], None]:
    def refuse(details: dict[str, Any]) -> None:
        extra = {"stage": stage, **({"origin": origin} if origin else {})}
        record(
            deps,
            actor=actor,
            action=action,
            account=account,
            outcome="refused",
            details={**extra, **details},
        )

    return refuse


def _key(confirmation_id: str) -> str:
    return f"{_KEY_PREFIX}{confirmation_id}"


def _settled_key(confirmation_id: str) -> str:
    return f"{_KEY_PREFIX}{confirmation_id}:settled"


def _plausible_id(value: str) -> bool:
    return 0 < len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value)
