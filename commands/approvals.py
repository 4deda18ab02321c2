"""Four-eyes approval: one person asks, a different approver decides, exactly once.

Generic over what is being approved. A kind (``deactivate``, ``suspend``…) is an
``ApprovalKind``: which role may ask, which may decide, and an optional ``on_approved`` hook that
runs inside the same ledger transaction as the winning decision (deactivation creates its run
there, so an approval can never exist without its run). Every request, decision, refusal,
cancellation and expiry is an audit event.

The pending → approved | denied | cancelled | expired change is the ledger's compare-and-set
(``audit.approvals.decide``): of any number of concurrent clicks on any number of processes,
exactly one wins; the others get ``AlreadyDecided`` naming who decided.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from audit import approvals as ledger_approvals
from audit.models import ApprovalRequest, ApprovalState
from commands.actor import Actor, Role
from commands.errors import CommandError, InvalidInput
from commands.trail import authorize, record

if TYPE_CHECKING:
    from sqlmodel import Session

    from commands.deps import Deps

MAX_REASON = 1000
SYSTEM = "system"

__all__ = [
    "AlreadyDecided",
    "ApprovalDecided",
    "ApprovalError",
    "ApprovalKind",
    "ApprovalView",
    "CancelApproval",
    "DecideApproval",
    "NotYourRequest",
    "RequestApproval",
    "RequestExpired",
    "SelfApproval",
    "UnknownKind",
    "UnknownRequest",
    "cancel_approval",
    "decide_approval",
    "expire_due",
    "get_kind",
    "load_approval",
    "register_kind",
    "request_approval",
    "set_approval_message",
    "vet_decision",
]


# -- errors -------------------------------------------------------------------------------------


class ApprovalError(CommandError):
    """Base of the approval refusals."""


class UnknownRequest(ApprovalError):
    def __init__(self) -> None:
        super().__init__(
            "That approval button does not match any pending request, so nothing was done."
        )


class SelfApproval(ApprovalError):
    def __init__(self) -> None:
        super().__init__(
            "You asked for this yourself: a *different* approver has to approve it (four eyes)."
        )


class AlreadyDecided(ApprovalError):
    def __init__(self, request: ApprovalView) -> None:
        self.request = request
        who = f" by <@{request.decided_by}>" if request.decided_by else ""
        self.mentions = (request.decided_by,) if request.decided_by else ()
        state = request.state.value
        super().__init__(f"This request was already *{state}*{who}; nothing was done.")


class RequestExpired(ApprovalError):
    def __init__(self, request: ApprovalView) -> None:
        self.request = request
        super().__init__(
            "This request has expired, so it can no longer be approved. Ask again if it is "
            "still needed."
        )


class NotYourRequest(ApprovalError):
    def __init__(self) -> None:
        super().__init__("Only the person who asked can cancel this request.")


class UnknownKind(ApprovalError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"Approvals of kind {kind!r} are not known to this build.")


# -- kinds --------------------------------------------------------------------------------------

OnApproved = Callable[["Session", ApprovalRequest, "Deps"], None]


@dataclass(frozen=True)
class ApprovalKind:
    """What can be approved: ``name`` is stored in ``approval_request.kind``."""

    name: str
    label: str  # "deactivation": used in messages
    request_role: Role = Role.OPERATOR
    decide_role: Role = Role.APPROVER
    on_approved: OnApproved | None = None


_KINDS: dict[str, ApprovalKind] = {}


def register_kind(kind: ApprovalKind) -> ApprovalKind:
    """Make ``kind`` known (idempotent for the same definition)."""
    existing = _KINDS.get(kind.name)
    if existing is not None and existing != kind:
        raise ValueError(f"approval kind {kind.name!r} is already registered differently")
    _KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> ApprovalKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKind(name) from None


# -- models -------------------------------------------------------------------------------------


class ApprovalView(BaseModel):
    """A detached, read-only copy of an ``approval_request`` row."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: str
    account: str
    requested_by: str
    reason: str
    preview: dict[str, Any]
    state: ApprovalState
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    created_at: datetime
    expires_at: datetime
    channel: str | None
    message_ts: str | None
    origin: str | None

    @classmethod
    def of(cls, row: ApprovalRequest) -> ApprovalView:
        return cls.model_validate(row, from_attributes=True)


class RequestApproval(BaseModel):
    """Order: ask for a second person's approval of ``kind`` on ``account``."""

    kind: str
    account: str = Field(pattern=r"^\d{1,20}$")
    reason: str
    preview: dict[str, Any] = Field(default_factory=dict)
    origin: str | None = None


class DecideApproval(BaseModel):
    """Order: approve or deny the request with this id (from a button: untrusted text)."""

    request_id: str
    decision: Literal["approve", "deny"]
    reason: str | None = None
    message_ts: str | None = None  # where the click came from, cross-checked when known


class CancelApproval(BaseModel):
    request_id: str


@dataclass(frozen=True)
class ApprovalDecided:
    """The winning decision; ``request`` is the row as it stands after it."""

    request: ApprovalView
    decision: Literal["approve", "deny"]
    by: str


# -- actions ------------------------------------------------------------------------------------


def clean_reason(reason: str | None, *, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(field, "Please give a reason.")
    if len(text) > MAX_REASON:
        raise InvalidInput(
            field, f"The reason is {len(text)} characters; the limit is {MAX_REASON}."
        )
    return text


def request_approval(cmd: RequestApproval, actor: Actor, deps: Deps) -> ApprovalView:
    """Create a pending request (and its audit event) in one transaction."""
    kind = get_kind(cmd.kind)
    authorize(
        deps,
        actor,
        kind.request_role,
        action=f"{kind.name}.request",
        to=f"request a {kind.label}",
        account=cmd.account,
    )
    reason = clean_reason(cmd.reason)
    now = deps.now()
    with deps.ledger.session() as session:
        row = ledger_approvals.create(
            session=session,
            kind=kind.name,
            account=cmd.account,
            requested_by=actor.user_id,
            reason=reason,
            preview=cmd.preview,
            now=now,
            ttl=deps.policy.approval_ttl,
            origin=cmd.origin,
        )
        view = ApprovalView.of(row)
        record(
            deps,
            actor=actor,
            action=f"{kind.name}.request",
            account=cmd.account,
            outcome="ok",
            session=session,
            details={
                "request_id": view.id,
                "reason": reason,
                "expires_at": view.expires_at,
                "preview": _summary(cmd.preview),
            },
        )
    return view


def load_approval(deps: Deps, request_id: str) -> ApprovalView | None:
    if not _plausible_id(request_id):
        return None
    with deps.ledger.session() as session:
        row = ledger_approvals.get(session=session, request_id=request_id)
        return None if row is None else ApprovalView.of(row)


def set_approval_message(deps: Deps, request_id: str, *, channel: str, ts: str) -> None:
    with deps.ledger.session() as session:
        ledger_approvals.set_message(session=session, request_id=request_id, channel=channel, ts=ts)


def vet_decision(cmd: DecideApproval, actor: Actor, deps: Deps) -> ApprovalView:
    """Every check of a decision short of making it (the Deny button runs these before asking
    for a reason). Each refusal is audited, then raised."""
    request, _kind, _action = _vet(cmd, actor, deps)
    return request


def _vet(cmd: DecideApproval, actor: Actor, deps: Deps) -> tuple[ApprovalView, ApprovalKind, str]:
    request = load_approval(deps, cmd.request_id)
    if request is None or (
        cmd.message_ts and request.message_ts and cmd.message_ts != request.message_ts
    ):
        _refuse(
            deps,
            actor,
            "approval.decide",
            request.account if request else None,
            {
                "problem": "no such pending request",
                "value": cmd.request_id[:64],
                "decision": cmd.decision,
            },
        )
        raise UnknownRequest()
    kind = get_kind(request.kind)
    action = f"{kind.name}.{cmd.decision}"
    authorize(
        deps,
        actor,
        kind.decide_role,
        action=action,
        to=f"{cmd.decision} a {kind.label}",
        account=request.account,
    )
    if request.state is ApprovalState.EXPIRED:
        _refuse(
            deps, actor, action, request.account, {"request_id": request.id, "problem": "expired"}
        )
        raise RequestExpired(request)
    if request.state is not ApprovalState.PENDING:
        _refuse(
            deps,
            actor,
            action,
            request.account,
            {
                "request_id": request.id,
                "problem": f"already {request.state.value}",
                "decided_by": request.decided_by,
            },
        )
        raise AlreadyDecided(request)
    if cmd.decision == "approve" and actor.user_id == request.requested_by:
        _refuse(
            deps,
            actor,
            action,
            request.account,
            {"request_id": request.id, "problem": "self-approval"},
        )
        raise SelfApproval()
    if deps.now() >= request.expires_at:
        # Left pending for the sweeper, which expires it and updates its message.
        _refuse(
            deps,
            actor,
            action,
            request.account,
            {"request_id": request.id, "problem": "expired", "expired_at": request.expires_at},
        )
        raise RequestExpired(request)
    return request, kind, action


def decide_approval(cmd: DecideApproval, actor: Actor, deps: Deps) -> ApprovalDecided:
    """Approve or deny, as a compare-and-set; every refusal is audited before it is raised."""
    request, kind, action = _vet(cmd, actor, deps)
    now = deps.now()
    reason = clean_reason(cmd.reason) if cmd.decision == "deny" else None
    to_state = ApprovalState.APPROVED if cmd.decision == "approve" else ApprovalState.DENIED
    with deps.ledger.session() as session:
        won = ledger_approvals.decide(
            session=session,
            request_id=request.id,
            to_state=to_state,
            by=actor.user_id,
            reason=reason,
            now=now,
        )
        if won:
            row = ledger_approvals.get(session=session, request_id=request.id)
            assert row is not None
            record(
                deps,
                actor=actor,
                action=action,
                account=request.account,
                outcome="ok",
                session=session,
                details={
                    "request_id": request.id,
                    "requested_by": request.requested_by,
                    "reason": reason,
                },
            )
            if to_state is ApprovalState.APPROVED and kind.on_approved is not None:
                kind.on_approved(session, row, deps)
            decided = ApprovalView.of(row)
    if not won:
        after = load_approval(deps, request.id) or request
        if after.state is ApprovalState.PENDING:  # the deadline passed while we checked
            _refuse(
                deps,
                actor,
                action,
                request.account,
                {"request_id": request.id, "problem": "expired"},
            )
            raise RequestExpired(after)
        _refuse(
            deps,
            actor,
            action,
            request.account,
            {
                "request_id": request.id,
                "problem": f"lost the race: already {after.state.value}",
                "decided_by": after.decided_by,
            },
        )
        raise AlreadyDecided(after)
    return ApprovalDecided(request=decided, decision=cmd.decision, by=actor.user_id)


def cancel_approval(cmd: CancelApproval, actor: Actor, deps: Deps) -> ApprovalView:
    """The requester withdraws a pending request."""
    request = load_approval(deps, cmd.request_id)
    if request is None:
        _refuse(
            deps,
            actor,
            "approval.cancel",
            None,
            {"problem": "no such request", "value": cmd.request_id[:64]},
        )
        raise UnknownRequest()
    action = f"{request.kind}.cancel"
    if actor.user_id != request.requested_by:
        _refuse(
            deps,
            actor,
            action,
            request.account,
            {"request_id": request.id, "problem": "not the requester"},
        )
        raise NotYourRequest()
    now = deps.now()
    with deps.ledger.session() as session:
        won = ledger_approvals.cancel(
            session=session, request_id=request.id, by=actor.user_id, now=now
        )
        if won:
            record(
                deps,
                actor=actor,
                action=action,
                account=request.account,
                outcome="ok",
                session=session,
                details={"request_id": request.id},
            )
    after = load_approval(deps, request.id) or request
    if not won:
        _refuse(
            deps,
            actor,
            action,
            request.account,
            {"request_id": request.id, "problem": f"already {after.state.value}"},
        )
        raise AlreadyDecided(after)
    return after


def expire_due(deps: Deps) -> list[ApprovalView]:
    """Expire every pending request past its time; returns only those this caller expired."""
    now = deps.now()
    with deps.ledger.session() as session:
        rows = ledger_approvals.expire_due(session=session, now=now)
        views = [ApprovalView.of(row) for row in rows]
        for view in views:
            record(
                deps,
                actor=SYSTEM,
                action=f"{view.kind}.expire",
                account=view.account,
                outcome="ok",
                session=session,
                details={
                    "request_id": view.id,
                    "requested_by": view.requested_by,
                    "expired_at": view.expires_at,
                },
            )
    return views


# -- helpers ------------------------------------------------------------------------------------


def _refuse(
    deps: Deps, actor: Actor, action: str, account: str | None, details: Mapping[str, Any]
) -> None:
    record(deps, actor=actor, action=action, account=account, outcome="refused", details=details)


def _plausible_id(value: str) -> bool:
    return 0 < len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value)


def _summary(preview: Mapping[str, Any]) -> dict[str, Any]:
    """What of a preview goes in the audit event: counts, not long lists."""
    return {key: value for key, value in preview.items() if not isinstance(value, list)}
