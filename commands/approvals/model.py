"""What four-eyes approval deals in: its kinds, its orders, the request as read from the ledger,
and its refusals (``commands.approvals.requests`` acts on them)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from audit.models import ApprovalBase, ApprovalRequest, ApprovalState
from commands.actor import Role
from commands.errors import CommandError, Conflict, InvalidInput
from integrations.clock import local_time

if TYPE_CHECKING:
    from sqlmodel import Session

    from commands.deps import Deps
    from commands.runs.kinds import RunView


UTC_ZONE = ZoneInfo("UTC")
# The account of a request over several accounts (they are listed in its preview).
MANY_ACCOUNTS = "-"
SYSTEM_ACTOR = "system"  # who decided when nobody did (a withdrawal, a lost role)

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
    """A click on a request that is no longer pending: its state in plain words, who, when."""

    def __init__(
        self, request: ApprovalView, zone: ZoneInfo = UTC_ZONE, *, became: str | None = None
    ) -> None:
        """``became``: what the approved request's run has become, from its record ("the
        deactivation is done."); without one, the click is said to have done nothing."""
        self.request = request
        by = request.decided_by
        self.mentions = (by,) if by and by != SYSTEM_ACTOR else ()
        if by == SYSTEM_ACTOR:
            who = " by the bot"
        elif by:
            who = f" by <@{by}>"
        else:
            who = ""
        when = f" on {local_time(request.decided_at, zone)}" if request.decided_at else ""
        why = f" ({request.decision_reason})" if request.decision_reason else ""
        state = request.state.value
        if request.state is ApprovalState.EXPIRED:
            text = (
                f"This request expired on {local_time(request.expires_at, zone)} without a "
                "decision; nothing was done."
            )
        else:
            after = f"{became} Your click changed nothing." if became else "nothing was done."
            text = f"This request was already *{state}*{who}{when}{why}; {after}"
        super().__init__(text)


class RequestExpired(ApprovalError):
    def __init__(self, request: ApprovalView, zone: ZoneInfo = UTC_ZONE) -> None:
        self.request = request
        super().__init__(
            f"This request expired on {local_time(request.expires_at, zone)} without a "
            "decision, so it can no longer be approved. Ask again if it is still needed."
        )


TYPED_FIELD = "confirm"  # the field a typed confirmation is refused on


class NotTyped(InvalidInput):
    """An approval of a kind confirmed by typing, without the account number (or with another):
    nothing was approved."""

    def __init__(self, request: ApprovalView, label: str, typed: str | None) -> None:
        if typed is None:
            text = (
                f"A {label} is approved by typing its account number: click Approve again and "
                "type it in the dialog. Nothing was approved."
            )
        else:
            text = f"Type the account number {request.account} exactly to approve."
        super().__init__(TYPED_FIELD, text)


class ApprovedAlready(ApprovalError):
    """The same approver again on a request that needs several: one person counts once."""

    def __init__(self, request: ApprovalView) -> None:
        super().__init__(
            f"You have approved this already ({request.quorum_text}): a *different* approver "
            "has to give the next approval."
        )


class NotInPolicy(ApprovalError):
    """The approval policy names who may ask for (or approve) this kind, and not this person."""

    def __init__(self, kind: str, label: str, part: str) -> None:
        doing = "request" if part == "requesters" else "approve"
        super().__init__(
            f"The approval policy lets only the people it names {doing} a {label} "
            f"(JETHUB_APPROVAL_POLICY, [{kind}].{part}), and you are not one of them."
        )


class NotYourRequest(ApprovalError):
    def __init__(self) -> None:
        super().__init__("Only the person who asked can cancel this request.")


class UnknownKind(ApprovalError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"Approvals of kind {kind!r} are not known to this build.")


# -- kinds --------------------------------------------------------------------------------------

RunParams = Callable[[ApprovalRequest], dict[str, Any]]
# What a kind does besides (or instead of) its one run when approved, in the decision's
# transaction: a bulk suspension writes one run per account it lists.
OnApproved = Callable[["Session", "Deps", ApprovalRequest], None]


@dataclass(frozen=True)
class ApprovalKind:
    """What can be approved: ``name`` is stored in ``approval_request.kind``; ``run`` names the
    run kind an approval starts, with ``params`` taken from the request; ``on_approved``, when
    given, is called in the winning approval's transaction (a kind whose approval starts several
    runs writes them there)."""

    name: str
    label: str  # "deactivation": used in messages
    request_role: Role = Role.OPERATOR
    decide_role: Role = Role.APPROVER
    run: str | None = None
    params: RunParams | None = None
    on_approved: OnApproved | None = None
    exclusive: bool = False  # holds the account's destructive-action lock
    # An admin may carry it out at once with a reason, reviewed afterwards (the approval
    # policy's ``break_glass`` decides when it says).
    break_glass: bool = False
    # The approver types the account number to approve (a modal): a click alone approves nothing.
    confirm_by_typing: bool = False
    # What an approval policy's conditions may weigh, each read from the request's preview
    # (a deactivation's ``numbers``: ``[[deactivate.more]] when_above = { numbers = 50 }``).
    measures: Mapping[str, Callable[[Mapping[str, Any]], int]] = field(default_factory=dict)

    def measured(self, preview: Mapping[str, Any]) -> dict[str, int]:
        return {name: measure(preview) for name, measure in self.measures.items()}


class ActionInProgress(Conflict):
    """The account already has an active action of this kind: a pointer to it."""

    def __init__(
        self,
        account: str,
        label: str,
        *,
        request: ApprovalView | None = None,
        run: RunView | None = None,
    ) -> None:
        self.account = account
        self.request = request
        self.run = run
        who = request.requested_by if request else (run.requested_by if run else None)
        self.mentions = (who,) if who else ()
        by = f" from <@{who}>" if who else ""
        if request is not None and request.state is ApprovalState.PENDING:
            state = "pending"
        elif run is not None and run.state.value == "failed":
            state = "failed (an approver can Retry it)"
        elif request is not None and request.state is ApprovalState.APPROVED:
            approver = f" by <@{request.decided_by}>" if request.decided_by else ""
            waiting = (
                run is not None and run.not_before is not None and run.state.value == "pending"
            )
            state = f"approved{approver} and " + (
                "scheduled (it can still be cancelled)" if waiting else "being carried out"
            )
            self.mentions = (*self.mentions, *((request.decided_by,) if request.decided_by else ()))
        else:
            state = "in progress"
        where = ""
        if request is not None and request.channel and request.message_ts:
            link = permalink(request.channel, request.message_ts)
            where = f" See <{link}|the request>."
            self.links = (f"<{link}|the request>",)
        super().__init__(
            f"Account {account} already has a {label}{by} that is {state}; nothing new was "
            f"requested.{where}"
        )


def permalink(channel: str, ts: str) -> str:
    """Slack's archive link to a message (what chat.getPermalink answers, without the call)."""
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"


# -- models -------------------------------------------------------------------------------------


class ApprovalView(ApprovalBase):
    """A detached, read-only copy of an ``approval_request`` row (its table shares the base)."""

    model_config = ConfigDict(frozen=True)  # type: ignore[assignment]  # SQLModel types it narrower

    @classmethod
    def of(cls, row: ApprovalRequest) -> ApprovalView:
        return cls.model_validate(row, from_attributes=True)

    @property
    def quorum_text(self) -> str:
        """ "1 of 2 approvals" (of a request that needs more than one)."""
        return f"{len(self.approved_by)} of {self.approvals_needed} approvals"


class RequestApproval(BaseModel):
    """Order: ask for a second person's approval of ``kind`` on ``account``."""

    kind: str
    account: str = Field(pattern=r"^(\d{1,20}|-)$")  # or MANY_ACCOUNTS
    reason: str
    preview: dict[str, Any] = Field(default_factory=dict)
    origin: str | None = None


class DecideApproval(BaseModel):
    """Order: approve or deny the request with this id (from a button: untrusted text)."""

    request_id: str
    decision: Literal["approve", "deny"]
    reason: str | None = None
    message_ts: str | None = None  # where the click came from, cross-checked when known
    typed_account: str | None = None  # what the approver typed, for a kind confirmed by typing


class CancelApproval(BaseModel):
    request_id: str


@dataclass(frozen=True)
class ApprovalDecided:
    """The decision made; ``request`` is the row as it stands after it — still pending after
    an approval short of the quorum ("1 of 2")."""

    request: ApprovalView
    decision: Literal["approve", "deny"]
    by: str
