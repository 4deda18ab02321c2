"""Suspending an account for non-payment, and lifting a suspension, each behind a confirmation.

``prepare_suspension`` / ``prepare_unsuspension`` read the account (and, to suspend, its overdue
invoices), refuse at once when there is nothing to do, and store a *confirmation* in the ledger;
the person's Confirm and Cancel buttons carry only its id. ``confirm`` settles it exactly once,
re-reads the account and acts; ``cancel_confirmation`` settles it the other way. With
``Policy.suspend_requires_approval`` a confirmed suspension becomes a four-eyes request
(``commands.approvals``, kind ``suspend``) and ``suspend_approved`` carries it out once approved.

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

import re
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from audit import approvals as ledger_approvals
from audit import first_time, remember_result, result_for
from commands.accounts import resolve_account
from commands.actor import Actor, Role
from commands.approvals import (
    ApprovalKind,
    ApprovalView,
    RequestApproval,
    register_kind,
    request_approval,
)
from commands.digest import threshold_days
from commands.errors import CommandError, Conflict, InvalidInput, NothingToDo
from commands.trail import authorize, record
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from commands.deps import Deps
    from integrations.platform import Account

SUSPEND: Literal["suspend"] = "suspend"
UNSUSPEND: Literal["unsuspend"] = "unsuspend"
APPROVAL_KIND = "suspend"
CONFIRM_TTL = timedelta(minutes=30)
MAX_REASON = 500  # the platform's limit for a suspension reason
MAX_INVOICES_KEPT = 20
ORIGIN = re.compile(r"^digest:\d{4}-\d{2}-\d{2}$")
_KEY_PREFIX = "suspension:"

Action = Literal["suspend", "unsuspend"]

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
    "cancel_confirmation",
    "clean_origin",
    "confirm",
    "load_confirmation",
    "overdue_for",
    "prepare_suspension",
    "prepare_unsuspension",
    "settled",
    "suspend_approved",
]


# -- errors -------------------------------------------------------------------------------------


class NotOverdue(NothingToDo):
    """Nothing is overdue enough to suspend for (checked before asking to confirm)."""


class PaidSinceConfirmation(Conflict):
    """The overdue balance was paid between the confirmation (or digest) and the execution."""


class AwaitingApproval(NothingToDo):
    """A suspension request for the account is already waiting for an approver."""

    def __init__(self, account: str, request: ApprovalView) -> None:
        self.account = account
        self.request = request
        super().__init__(
            f"A suspension of account {account} requested by {request.requested_by} is already "
            "waiting for an approver. Nothing new was requested."
        )


class UnknownConfirmation(CommandError):
    def __init__(self) -> None:
        super().__init__(
            "That button does not match any suspension confirmation, so nothing was done."
        )


class NotYourConfirmation(CommandError):
    def __init__(self) -> None:
        super().__init__(
            "Only the person who asked can confirm or cancel this; nothing was done. "
            "Run the command yourself if it is needed."
        )


class ConfirmationExpired(CommandError):
    def __init__(self, confirmation: Confirmation) -> None:
        self.confirmation = confirmation
        super().__init__(
            f"This confirmation has expired, so nothing was done. Run "
            f"`/jethub {confirmation.action} {confirmation.account}` again if it is still needed."
        )


class AlreadySettled(CommandError):
    """The second click: the confirmation was already used (confirmed or cancelled)."""

    def __init__(self, confirmation: Confirmation, settled: Settled, zone: ZoneInfo) -> None:
        self.confirmation = confirmation
        self.settled = settled
        self.when = settled.at.astimezone(zone).strftime("%H:%M:%S %Z")
        super().__init__(
            f"Already done: this was {settled.state} by {settled.by} at {self.when}. "
            "Nothing more was done by this click."
        )


class AlreadySuspended(NothingToDo):
    def __init__(self, account: str, state: SuspensionState) -> None:
        self.account = account
        self.state = state
        super().__init__(
            f"Account {account} is already suspended (since {state.at:%d %b %Y}, by {state.by}: "
            f"“{state.reason}”). Nothing changed."
        )


# -- models -------------------------------------------------------------------------------------


class OverdueInvoice(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: str
    due_date: date
    balance: Decimal
    days_overdue: int


class OverdueSummary(BaseModel):
    """The invoices that make an account a suspension candidate, oldest first."""

    model_config = ConfigDict(frozen=True)

    as_of: date
    overdue_days: int
    count: int
    total: Decimal
    currency: str | None = None
    oldest_due: date | None = None
    invoices: list[OverdueInvoice] = Field(default_factory=list)  # at most MAX_INVOICES_KEPT

    @property
    def oldest_days(self) -> int | None:
        return None if self.oldest_due is None else (self.as_of - self.oldest_due).days

    def brief(self) -> dict[str, Any]:
        """For audit details: the figures without the invoice list."""
        return {
            "count": self.count,
            "total": str(self.total),
            "currency": self.currency,
            "oldest_due": self.oldest_due.isoformat() if self.oldest_due else None,
            "as_of": self.as_of.isoformat(),
        }


class SuspensionState(BaseModel):
    """The platform's ``suspended`` record: why, who, when."""

    model_config = ConfigDict(frozen=True)

    reason: str
    by: str
    at: datetime


class Confirmation(BaseModel):
    """What the person was shown and is confirming; stored in the ledger by id."""

    model_config = ConfigDict(frozen=True)

    id: str
    action: Action
    account: str
    name: str
    requested_by: str
    reason: str = ""
    origin: str | None = None
    created_at: datetime
    expires_at: datetime
    overdue: OverdueSummary | None = None  # suspend
    suspended: SuspensionState | None = None  # unsuspend: the suspension being lifted
    needs_approval: bool = False


class Settled(BaseModel):
    model_config = ConfigDict(frozen=True)

    state: Literal["confirmed", "cancelled"]
    by: str
    at: datetime


class PrepareSuspension(BaseModel):
    """Order: show the suspension of ``account`` for confirmation."""

    account: str = Field(min_length=1)
    reason: str = ""
    origin: str | None = None

    @field_validator("origin", mode="before")
    @classmethod
    def _origin(cls, value: object) -> str | None:
        return clean_origin(value)


class PrepareUnsuspension(BaseModel):
    account: str = Field(min_length=1)
    origin: str | None = None

    @field_validator("origin", mode="before")
    @classmethod
    def _origin(cls, value: object) -> str | None:
        return clean_origin(value)


class ConfirmAction(BaseModel):
    """Order: carry out the confirmation with this id (from a button: untrusted text).

    ``reason`` is what the reason box holds at the click; None keeps the one shown.
    """

    confirmation_id: str
    reason: str | None = None


class CancelConfirmation(BaseModel):
    confirmation_id: str


class Suspended(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    reason: str
    by: str
    at: datetime | None
    overdue: OverdueSummary
    origin: str | None = None
    approved_by: str | None = None


class Unsuspended(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    by: str
    was: SuspensionState | None
    note: str = ""


class SentForApproval(BaseModel):
    model_config = ConfigDict(frozen=True)

    request: ApprovalView
    confirmation: Confirmation


# -- reading the world --------------------------------------------------------------------------


def clean_origin(value: object) -> str | None:
    """Keep an origin only in the one shape buttons send (``digest:YYYY-MM-DD``)."""
    if isinstance(value, str) and ORIGIN.match(value):
        return value
    return None


def overdue_for(deps: Deps, account: Account) -> OverdueSummary:
    """The account's overdue invoices by the digest's rule (``commands.digest``): Posted, owing,
    at least ``overdue_days`` past due, and together owing ``overdue_min_balance`` or more —
    otherwise none. Oldest first."""
    today = deps.today()
    policy = deps.policy
    threshold = threshold_days(policy.overdue_days)
    found: list[OverdueInvoice] = []
    currency: str | None = None
    if account.zuora_account_number:
        for invoice in deps.zuora.invoices_for_account(account.zuora_account_number):
            if (invoice.status or "Posted") != "Posted" or invoice.balance <= 0:
                continue
            days = (today - invoice.due_date).days
            if days < threshold:
                continue
            currency = currency or invoice.currency
            found.append(
                OverdueInvoice(
                    number=invoice.invoice_number,
                    due_date=invoice.due_date,
                    balance=invoice.balance,
                    days_overdue=days,
                )
            )
    total = sum((inv.balance for inv in found), Decimal("0"))
    if total < Decimal(str(policy.overdue_min_balance)):
        found, total = [], Decimal("0")
    found.sort(key=lambda inv: (inv.due_date, inv.number))
    return OverdueSummary(
        as_of=today,
        overdue_days=threshold,
        count=len(found),
        total=total,
        currency=currency,
        oldest_due=found[0].due_date if found else None,
        invoices=found[:MAX_INVOICES_KEPT],
    )


def _state_of(account: Account) -> SuspensionState | None:
    s = account.suspended
    return None if s is None else SuspensionState(reason=s.reason, by=s.by, at=s.at)


def _already(account: Account) -> AlreadySuspended:
    state = _state_of(account)
    assert state is not None
    return AlreadySuspended(account.id, state)


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
    _settle(
        deps,
        actor,
        confirmation,
        state="confirmed",
        details={"reason": reason, "origin": confirmation.origin},
    )
    if confirmation.action == UNSUSPEND:
        return _lift(deps, actor, confirmation, note=reason)
    if confirmation.needs_approval or deps.policy.suspend_requires_approval:
        assert confirmation.overdue is not None
        request = request_approval(
            RequestApproval(
                kind=APPROVAL_KIND,
                account=confirmation.account,
                reason=reason,
                origin=confirmation.origin,
                preview={
                    "name": confirmation.name,
                    "confirmation_id": confirmation.id,
                    "overdue": confirmation.overdue.model_dump(mode="json"),
                },
            ),
            actor,
            deps,
        )
        return SentForApproval(request=request, confirmation=confirmation)
    assert confirmation.overdue is not None
    return _suspend(
        deps,
        actor.user_id,
        account_id=confirmation.account,
        reason=reason,
        shown=confirmation.overdue,
        origin=confirmation.origin,
        reference={"confirmation_id": confirmation.id},
    )


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
) -> None:
    """The compare-and-set: exactly one caller inserts the settled key; the rest are told."""
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
    if not won:
        done = settled(deps, confirmation.id)
        assert done is not None, "the settled key exists once first_time() says so"
        _refuser(
            deps, actor, f"{confirmation.action}.{verb}", confirmation.account, stage="confirmation"
        )({"problem": f"lost the race: already {done.state}", "confirmation_id": confirmation.id})
        raise AlreadySettled(confirmation, done, deps.zone)


# -- acting -------------------------------------------------------------------------------------


def _suspend(
    deps: Deps,
    by: str,
    *,
    account_id: str,
    reason: str,
    shown: OverdueSummary,
    origin: str | None,
    reference: dict[str, Any],
    approved_by: str | None = None,
) -> Suspended:
    """Re-read the account and its invoices, then suspend — or stop and say why."""
    base = {"reason": reason, "origin": origin, **reference}
    if approved_by:
        base["approved_by"] = approved_by

    def audit(outcome: Literal["ok", "refused", "failed"], details: dict[str, Any]) -> None:
        record(deps, actor=by, action=SUSPEND, account=account_id, outcome=outcome, details=details)

    try:
        account = deps.platform.get_account(account_id)
        if account.is_deactivated:
            audit("refused", {**base, "problem": "deactivated since"})
            raise Conflict(f"Account {account_id} was deactivated since; it was not suspended.")
        if account.is_suspended:
            audit("refused", {**base, "problem": "already suspended"})
            raise _already(account)
        now_overdue = overdue_for(deps, account)
        if now_overdue.count == 0:
            audit(
                "refused",
                {**base, "problem": "paid since confirmation", "overdue_shown": shown.brief()},
            )
            raise PaidSinceConfirmation(
                f"Account {account_id} has paid: no invoice is overdue any more (at the "
                f"{_origin_label(origin)}, {_owing(shown)}). It was *not* suspended."
            )
        after = deps.platform.suspend(account_id, reason=reason, by=by)
    except IntegrationError as exc:
        audit("failed", {**base, "error": str(exc)[:500]})
        raise
    state = _state_of(after)
    audit(
        "ok",
        {
            **base,
            "before": {"suspended": None},
            "after": {"suspended": state.model_dump(mode="json") if state else None},
            "overdue": now_overdue.brief(),
        },
    )
    return Suspended(
        account=after.id,
        name=after.name,
        reason=state.reason if state else reason,
        by=state.by if state else by,
        at=state.at if state else None,
        overdue=now_overdue,
        origin=origin,
        approved_by=approved_by,
    )


def _lift(deps: Deps, actor: Actor, confirmation: Confirmation, *, note: str) -> Unsuspended:
    base: dict[str, Any] = {"confirmation_id": confirmation.id, "note": note or None}

    def audit(outcome: Literal["ok", "refused", "failed"], details: dict[str, Any]) -> None:
        record(
            deps,
            actor=actor,
            action=UNSUSPEND,
            account=confirmation.account,
            outcome=outcome,
            details=details,
        )

    try:
        account = deps.platform.get_account(confirmation.account)
        if not account.is_suspended:
            audit("refused", {**base, "problem": "not suspended any more"})
            raise NothingToDo(
                f"Account {account.id} is not suspended any more (someone lifted it since). "
                "Nothing changed."
            )
        was = _state_of(account)
        deps.platform.unsuspend(account.id)
    except IntegrationError as exc:
        audit("failed", {**base, "error": str(exc)[:500]})
        raise
    audit(
        "ok",
        {
            **base,
            "before": {"suspended": was.model_dump(mode="json") if was else None},
            "after": {"suspended": None},
        },
    )
    return Unsuspended(account=account.id, name=account.name, by=actor.user_id, was=was, note=note)


# -- four-eyes ----------------------------------------------------------------------------------

SUSPEND_APPROVAL = register_kind(ApprovalKind(name=APPROVAL_KIND, label="suspension"))


def suspend_approved(deps: Deps, request: ApprovalView) -> Suspended:
    """Carry out an approved suspension request (called once, by the winning Approve click)."""
    if request.kind != APPROVAL_KIND or request.decided_by is None:
        raise UnknownConfirmation()
    preview = request.preview
    shown = OverdueSummary.model_validate(preview.get("overdue") or {})
    return _suspend(
        deps,
        request.requested_by,
        account_id=request.account,
        reason=request.reason,
        shown=shown,
        origin=clean_origin(request.origin),
        reference={"request_id": request.id},
        approved_by=request.decided_by,
    )


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


def _owing(overdue: OverdueSummary) -> str:
    money = f"{overdue.total:,.2f}" + (f" {overdue.currency}" if overdue.currency else "")
    noun = "invoice was" if overdue.count == 1 else "invoices were"
    return f"{overdue.count} {noun} overdue, {money}"


def _origin_label(origin: str | None) -> str:
    if origin and origin.startswith("digest:"):
        return f"overdue digest of {origin.removeprefix('digest:')}"
    return "confirmation"


def _key(confirmation_id: str) -> str:
    return f"{_KEY_PREFIX}{confirmation_id}"


def _settled_key(confirmation_id: str) -> str:
    return f"{_KEY_PREFIX}{confirmation_id}:settled"


def _plausible_id(value: str) -> bool:
    return 0 < len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value)
