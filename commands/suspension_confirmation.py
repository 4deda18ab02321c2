"""The confirmation behind a suspension or the lifting of one: stored when it is shown, then
settled exactly once — confirmed or cancelled — by the person who asked.

Confirmations live in the ledger's ``idempotency_key`` table, not in ``approval_request``: they
are one person's second thought, not a request for someone else, so they must not show among
pending approvals nor be expired (and announced) by the approvals sweeper. The row
``suspension:<id>`` holds what was shown; settling inserts ``suspension:<id>:settled`` if absent —
an insert-if-absent on a primary key, which is the compare-and-set: of any number of clicks on any
number of processes exactly one inserts it, and the rest read who settled it and when.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from audit import first_time, remember_result, result_for
from commands.actor import Actor, Role
from commands.suspension_models import (
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
from commands.trail import authorize, record

if TYPE_CHECKING:
    from sqlmodel import Session

    from commands.deps import Deps
    from integrations.platform import Account

CONFIRM_TTL = timedelta(minutes=30)
_KEY_PREFIX = "suspension:"


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
    refuse = refuser(deps, actor, action, confirmation.account, stage="confirmation")
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


def settle(
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
        refuser(
            deps, actor, f"{confirmation.action}.{verb}", confirmation.account, stage="confirmation"
        )({"problem": f"lost the race: already {done.state}", "confirmation_id": confirmation.id})
        raise AlreadySettled(confirmation, done, deps.zone)
    return answer


def refuser(
    deps: Deps,
    actor: Actor,
    action: str,
    account: str | None,
    *,
    stage: str,
    origin: str | None = None,
) -> Callable[[dict[str, Any]], None]:
    """A function that audits a refusal of ``action`` with these details, at this ``stage``."""

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
