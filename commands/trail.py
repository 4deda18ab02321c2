"""Writing the audit trail: every command records what it did, refused or failed to do.

A command that changes something runs inside ``audited``, which records exactly one event for
it, under the command's action and account::

    with audited(deps, actor, "pbx.subscription", cmd.account) as trail:
        trail.require(Role.OPERATOR, to="change a PBX's billing subscription")
        trail.details["before"] = ...        # the details grow as the command learns things
        ...

How the block ends decides the event:

- **it ends normally** → ``ok`` with the details, unless the body already wrote it with
  ``trail.ok(session=…)`` (inside its own unit of work) or said with
  ``trail.recorded_elsewhere()`` that from there on the outcome is another recorder's: a run in
  the engine records its own step and end events (ok, refused or failed), an approval request its
  own. After that the trail writes nothing, whatever happens.
- **a refusal** — ``Forbidden``, ``InvalidInput``, ``Conflict`` or any other ``CommandError``
  not named below → ``refused`` with the details and ``problem`` (the message, unless the body
  set a ``problem`` of its own), plus what the error adds (``CommandError.audit_details``). A
  ``Forbidden`` records ``needed_role`` and ``roles`` instead of a problem (as ``require``
  does).
- **a ``CommandError`` that is not a refusal** → nothing: ``NothingToDo`` (the state asked for
  already holds, so nothing was refused and nothing done — the edit modal, for one, tries a
  rename and a parent change and skips the one that changes nothing); ``AccountNotFound`` and
  ``AmbiguousAccount`` (no one account was named: the person is asked again, with a pick-list
  for an ambiguous name); and an error a run's outcome became (``ActionFailed``, ``InProgress``,
  or ``NothingToDo`` from a run a step refused), which the engine has recorded already. A
  command that does audit an answer as its refusal says so: ``raise trail.refuse(error)``
  (deactivating an account that is deactivated already is refused, and recorded).
- **an ``IntegrationError``** or a ``PartialFailure`` → ``failed`` with the details and the
  ``error``.
- **anything else** (a bug, the ledger out of reach) → nothing: it is not an outcome of the
  command, and the ledger may be what failed.

The error is always re-raised. An error recorded once is marked, so blocks nested inside one
another (a command calling another audited command) record it once, in the innermost. Each
event is counted in ``jethub_actions_total{action,outcome}`` by the ledger's observer once its
transaction commits (``bot.runtime.metrics.count_action``), never here.

A read only audits who was refused it: ``authorize`` (the same refusal as ``trail.require``,
without a block). ``record`` appends one event directly, for the engine and the processes that
record on their own behalf (the clock, the anchoring job).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from sqlalchemy import event
from sqlmodel import Session

from audit import append
from commands.actor import Actor, Role
from commands.context import current_correlation_id
from commands.errors import (
    AccountNotFound,
    AmbiguousAccount,
    CommandError,
    Forbidden,
    MembershipUnknown,
    NothingToDo,
    PartialFailure,
    RecordedByRun,
    RoleWithdrawn,
)
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from commands.deps import Deps

Outcome = Literal["ok", "refused", "failed"]
T = TypeVar("T")

MAX_ERROR = 2000  # as much of a backend's error as an event keeps (as the engine's do)
_RECORDED = "_jethub_audited"  # set on an error once a trail has recorded it
_NOT_REFUSALS = (AccountNotFound, AmbiguousAccount, NothingToDo)


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


class Trail:
    """The audit trail of one command; ``audited`` opens it (see the module's docstring)."""

    def __init__(
        self,
        deps: Deps,
        actor: Actor,
        action: str,
        account: str | None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self.deps = deps
        self.actor = actor
        self.action = action
        self.account = account  # set it to the resolved number once the command knows it
        self.details: dict[str, Any] = dict(details or {})
        self._closed = False  # the outcome is written, or another recorder's

    def require(self, role: Role, *, to: str) -> None:
        """Raise ``Forbidden`` (``to``: what the person tried to do, for the message), recorded
        as ``refused``, unless the actor holds ``role``."""
        if self.actor.has(role):
            return
        raise self._refused(Forbidden(role=role, action=to, contact=self.deps.policy.role_contact))

    def require_now(self, role: Role, *, to: str) -> None:
        """``require``, then the role re-read at its source (``Deps.membership``: one Slack call
        for a role held through a user group), for a destructive decision about to commit: a
        member removed since is refused now (``RoleWithdrawn``), and when Slack cannot answer
        the decision is refused (``MembershipUnknown``) rather than made on an old membership."""
        self.require(role, to=to)
        held = self.deps.membership(self.actor.user_id, role)
        if held is None:
            raise self.refuse(
                MembershipUnknown(role=role, action=to),
                problem="membership could not be confirmed with Slack",
                needed_role=role.value,
            )
        if not held:
            withdrawn = RoleWithdrawn(role=role, action=to, contact=self.deps.policy.role_contact)
            raise self.refuse(withdrawn, checked="usergroups.users.list")

    def refuse(self, error: CommandError, **details: Any) -> CommandError:
        """Record ``error`` as the command's refusal now, with ``details`` (a ``problem`` among
        them replaces the message), and return it to raise: for an error that is not recorded
        on its own (``NothingToDo``), or a refusal with details of its own."""
        self.details.update(details)
        return self._refused(error)

    def ok(self, *, session: Session | None = None, **details: Any) -> None:
        """Record ``ok`` now with the details (and ``details``), inside ``session`` when given:
        the event then commits with the caller's unit of work. If that unit of work rolls back
        instead, the ok is undone and the error it rolled back for is recorded on leaving the
        block."""
        self._close()
        self.details.update(details)
        self._write("ok", self.details, session=session)
        if session is not None:
            event.listen(session, "after_rollback", self._reopen, once=True)

    def _reopen(self, _session: Session) -> None:
        self._closed = False

    def recorded_elsewhere(self) -> None:
        """From here on the outcome is another recorder's (a run in the engine, an approval
        request): the trail writes nothing more. Say it once that recorder exists — right after
        the run is created — so what fails before is still recorded here."""
        self._close()

    def _close(self) -> None:
        if self._closed:
            raise RuntimeError(f"the outcome of {self.action} is recorded already")
        self._closed = True

    def _end(self, error: BaseException | None) -> None:
        """Record how the block ended (the error, if any, is re-raised by the caller)."""
        if self._closed or (error is not None and getattr(error, _RECORDED, False)):
            return
        if error is None:
            self.ok()
        elif isinstance(error, IntegrationError | PartialFailure):
            self._closed = True
            self._write("failed", {**self.details, "error": str(error)[:MAX_ERROR]})
            setattr(error, _RECORDED, True)
        elif isinstance(error, CommandError) and not (
            isinstance(error, _NOT_REFUSALS) or _by_the_engine(error)
        ):
            self._refused(error)

    def _refused(self, error: CommandError) -> CommandError:
        if isinstance(error, Forbidden):
            why: dict[str, Any] = {
                "needed_role": error.role.value,
                "roles": sorted(r.value for r in self.actor.roles),
            }
        else:
            why = {"problem": self.details.get("problem", str(error)), **error.audit_details}
        self._close()
        self._write("refused", {**self.details, **why})
        setattr(error, _RECORDED, True)
        return error

    def _write(
        self, outcome: Outcome, details: Mapping[str, Any], *, session: Session | None = None
    ) -> None:
        record(
            self.deps,
            actor=self.actor,
            action=self.action,
            account=self.account,
            outcome=outcome,
            details=details,
            session=session,
        )


@contextmanager
def audited(
    deps: Deps,
    actor: Actor,
    action: str,
    account: str | None,
    *,
    details: Mapping[str, Any] | None = None,
) -> Iterator[Trail]:
    """The block of a command that changes something: records its one outcome (refused, failed
    or ok) under ``action`` and ``account``; see the module's docstring."""
    trail = Trail(deps, actor, action, account, details)
    try:
        yield trail
    except BaseException as error:
        trail._end(error)
        raise
    trail._end(None)


def authorize(
    deps: Deps, actor: Actor, role: Role, *, action: str, to: str, account: str | None
) -> None:
    """A read's check: raise ``Forbidden``, recorded as ``refused``, unless ``actor`` holds
    ``role``. A read that is let through records nothing."""
    Trail(deps, actor, action, account).require(role, to=to)


def _by_the_engine(error: CommandError) -> bool:
    """Is ``error`` what a run's outcome became? Its run recorded it (step and end events)."""
    return isinstance(error, RecordedByRun)
