"""The confirmation behind a suspension or the lifting of one: stored when it is shown, then
settled exactly once — confirmed or cancelled — by the person who asked.

Confirmations live in the ledger's ``confirmation`` table (``audit.confirmations``), not in
``approval_request``: they are one person's second thought, not a request for someone else, so
they must not show among pending approvals nor be expired (and announced) by the approvals
sweeper. Settling is a compare-and-set on the row (pending → confirmed | cancelled): of any number
of clicks on any number of processes exactly one changes it, and does what it allows in that same
transaction; the rest read who settled it and when.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from audit import confirmations as ledger_confirmations
from audit.models import ConfirmationState
from commands.actor import Actor, Role
from commands.errors import CommandError
from commands.suspension.models import (
    Action,
    AlreadySettled,
    CancelConfirmation,
    Confirmation,
    ConfirmationExpired,
    NotYourConfirmation,
    OverdueSummary,
    Settled,
    SuspensionState,
    UnknownConfirmation,
)
from commands.trail import audited, record

if TYPE_CHECKING:
    from sqlmodel import Session

    from audit.models import Confirmation as Row
    from commands.deps import Deps
    from integrations.platform import Account

CONFIRM_TTL = timedelta(minutes=30)


def store(
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
    """Store what the person is asked to confirm; it can be used for ``CONFIRM_TTL``."""
    shown = {
        "name": account.name,
        "reason": reason,
        "origin": origin,
        "overdue": overdue.model_dump(mode="json") if overdue else None,
        "suspended": suspended.model_dump(mode="json") if suspended else None,
        "needs_approval": needs_approval,
    }
    with deps.ledger.session() as session:
        row = ledger_confirmations.create(
            session=session,
            action=action,
            account=account.id,
            requested_by=actor.user_id,
            shown=shown,
            now=deps.now(),
            ttl=CONFIRM_TTL,
        )
        return _confirmation(row)


def load_confirmation(deps: Deps, confirmation_id: str) -> Confirmation | None:
    loaded = _load(deps, confirmation_id)
    return None if loaded is None else loaded[0]


def settled(deps: Deps, confirmation_id: str) -> Settled | None:
    """Who confirmed or cancelled it, and when; None while it is pending (or unknown)."""
    loaded = _load(deps, confirmation_id)
    return None if loaded is None else loaded[1]


def cancel_confirmation(cmd: CancelConfirmation, actor: Actor, deps: Deps) -> Confirmation:
    """Cancel: nothing changes on any backend; the confirmation can no longer be used."""
    confirmation = vet(cmd.confirmation_id, actor, deps, verb="cancel", check_expiry=False)
    settle(deps, actor, confirmation, state="cancelled", details={"origin": confirmation.origin})
    return confirmation


def vet(
    confirmation_id: str, actor: Actor, deps: Deps, *, verb: str, check_expiry: bool = True
) -> Confirmation:
    """The confirmation a click names, if this person may still ``verb`` it; else the refusal,
    audited and raised."""
    loaded = _load(deps, confirmation_id)
    if loaded is None:
        unknown = {"problem": "no such confirmation", "value": confirmation_id[:64]}
        with audited(deps, actor, f"suspension.{verb}", None, details=unknown):
            raise UnknownConfirmation()
    confirmation, done = loaded
    action = f"{confirmation.action}.{verb}"
    where = {"stage": "confirmation", "confirmation_id": confirmation.id}
    with audited(deps, actor, action, confirmation.account, details=where) as trail:
        trail.require(Role.OPERATOR, to=f"{verb} this")
        if actor.user_id != confirmation.requested_by:
            raise trail.refuse(NotYourConfirmation(), problem="not the requester")
        if done is not None:
            settled_already = AlreadySettled(confirmation, done, deps.zone)
            raise trail.refuse(settled_already, problem=f"already {done.state}")
        if check_expiry and deps.now() >= confirmation.expires_at:
            raise trail.refuse(ConfirmationExpired(confirmation), problem="expired")
        trail.recorded_elsewhere()  # settling it records the click's outcome
    return confirmation


def settle(
    deps: Deps,
    actor: Actor,
    confirmation: Confirmation,
    *,
    state: Literal["confirmed", "cancelled"],
    details: dict[str, Any],
    then: Callable[[Session], str] | None = None,
) -> str | None:
    """The compare-and-set: exactly one caller settles the pending confirmation (a confirmation
    only before it expires); the rest are told. ``then`` runs in the winner's transaction (it
    creates the run or the request); its answer is returned."""
    answer: str | None = None
    now = deps.now()
    verb = "confirm" if state == "confirmed" else "cancel"
    cas = ledger_confirmations.confirm if state == "confirmed" else ledger_confirmations.cancel
    try:
        with deps.ledger.session() as session:
            won = cas(session=session, confirmation_id=confirmation.id, by=actor.user_id, now=now)
            if won:
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
    except CommandError as refused:  # ``then`` was refused (another action holds the account):
        # nothing of the click stayed, the confirmation is still pending; the refusal is audited
        where = {"stage": "confirmation", "confirmation_id": confirmation.id}
        action = f"{confirmation.action}.{verb}"
        with audited(deps, actor, action, confirmation.account, details=where) as trail:
            raise trail.refuse(refused, problem="the account is held by another action") from None
    if not won:
        _lost(deps, actor, confirmation, verb)
    return answer


def _lost(deps: Deps, actor: Actor, confirmation: Confirmation, verb: str) -> NoReturn:
    """Another click settled it first (or its deadline passed after the check): audited, raised."""
    loaded = _load(deps, confirmation.id)
    done = None if loaded is None else loaded[1]
    where = {"stage": "confirmation", "confirmation_id": confirmation.id}
    action = f"{confirmation.action}.{verb}"
    with audited(deps, actor, action, confirmation.account, details=where) as trail:
        if done is None:  # still pending: its deadline passed after the check
            raise trail.refuse(ConfirmationExpired(confirmation), problem="expired")
        lost = AlreadySettled(confirmation, done, deps.zone)
        raise trail.refuse(lost, problem=f"lost the race: already {done.state}")


def _load(deps: Deps, confirmation_id: str) -> tuple[Confirmation, Settled | None] | None:
    """The confirmation and how it was settled (None: still pending), in one read."""
    if not _plausible_id(confirmation_id):
        return None
    with deps.ledger.read_session() as session:  # rolled back: read the row before it ends
        row = ledger_confirmations.get(session=session, confirmation_id=confirmation_id)
        if row is None:
            return None
        if row.state == ConfirmationState.PENDING:
            return _confirmation(row), None
        by, at = row.settled_by, row.settled_at
        return _confirmation(row), Settled.model_validate({"state": row.state, "by": by, "at": at})


def _confirmation(row: Row) -> Confirmation:
    return Confirmation.model_validate(
        {
            **row.shown,
            "id": row.id,
            "action": row.action,
            "account": row.account,
            "requested_by": row.requested_by,
            "created_at": row.created_at,
            "expires_at": row.expires_at,
        }
    )


def _plausible_id(value: str) -> bool:
    return 0 < len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value)
