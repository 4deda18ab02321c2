"""Writing the audit trail: every command records what it did, refused or failed to do."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from sqlmodel import Session

from audit import append
from commands.actor import Actor, Role
from commands.context import current_correlation_id
from commands.errors import Forbidden

if TYPE_CHECKING:
    from commands.deps import Deps

Outcome = Literal["ok", "refused", "failed"]
T = TypeVar("T")


def record(
    deps: Deps,
    *,
    actor: Actor | str,
    action: str,
    account: str | None,
    outcome: Outcome,
    details: Mapping[str, Any] | None = None,
    session: Session | None = None,
) -> None:
    """Append one audit event; inside ``session`` when the caller has a unit of work open."""
    who = actor.user_id if isinstance(actor, Actor) else actor

    def write(into: Session) -> None:
        append(
            session=into,
            actor=who,
            action=action,
            account=account,
            outcome=outcome,
            details=dict(details or {}),
            correlation_id=current_correlation_id(),
        )

    if session is not None:
        write(session)
        return
    with deps.ledger.session() as own:
        write(own)


def authorize(
    deps: Deps, actor: Actor, role: Role, *, action: str, to: str, account: str | None
) -> None:
    """Raise ``Forbidden`` (and audit the refusal) unless ``actor`` holds ``role``."""
    try:
        actor.require(role, to=to)
    except Forbidden:
        record(
            deps,
            actor=actor,
            action=action,
            account=account,
            outcome="refused",
            details={"needed_role": role.value, "roles": sorted(r.value for r in actor.roles)},
        )
        raise Forbidden(role=role, action=to, contact=deps.policy.role_contact) from None
