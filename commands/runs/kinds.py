"""What a run is made of: its kind (ordered steps, who may retry it, whether it holds the
account's lock), what a step returns (its detail and its audit event), the views of the ledger's
rows, a run's outcome, and how progress is reported. ``commands.runs.engine`` works them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import ConfigDict

from audit.models import ActionRun, ActionStep, RunBase, RunState, StepBase
from commands.actor import Role
from commands.errors import CommandError, Conflict, RecordedByRun
from commands.trail import Outcome
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from commands.deps import Deps, Policy
    from commands.runs.engine import StepContext

DEFAULT_LEASE = timedelta(seconds=60)
SYSTEM = "system"


# -- errors -------------------------------------------------------------------------------------


class LedgerUnavailable(Exception):
    """The ledger could not be written even after the backoff; the run stays non-terminal."""


class UnknownRun(CommandError):
    def __init__(self, label: str = "action") -> None:
        super().__init__(f"That button does not match any {label} run, so nothing was done.")


class RunNotRetryable(CommandError):
    pass


class AccountLocked(Conflict):
    """Another action of an exclusive kind holds the account: nothing of this one was done."""

    def __init__(self, account: str, label: str) -> None:
        super().__init__(
            f"Account {account} already has a {label} under way; nothing more was done. "
            f"`/jethub account {account}` shows it."
        )


class StepFailed(Exception):
    """A backend failed in the middle of a step (after its client's own retries)."""

    def __init__(self, error: IntegrationError) -> None:
        super().__init__(str(error))
        self.error = error


class InProgress(RecordedByRun):
    """The action is recorded and will finish without anyone's help."""


# -- what a kind is made of ---------------------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    """The audit event a step writes with its result (actor: the run's requester by default)."""

    action: str
    outcome: Outcome
    details: Mapping[str, Any]
    actor: str | None = None


@dataclass(frozen=True)
class StepResult:
    """What a step did (kept on the step) and its audit event. ``refused`` ends the run there,
    with that message: the step found that the action must not go ahead, and did nothing."""

    detail: dict[str, Any]
    effect: Effect | None = None
    refused: str | None = None


@dataclass(frozen=True)
class Step:
    name: str
    label: str  # "quarantine phone numbers": how people read it
    do: Callable[[StepContext], StepResult]


@dataclass(frozen=True)
class RunKind:
    """A kind of action: its ordered steps, who may retry it, whether it holds the account's
    destructive-action lock, and what its finished run says (``summarise``)."""

    name: str
    label: str
    steps: tuple[Step, ...]
    retry_role: Role = Role.OPERATOR
    request_role: Role = Role.OPERATOR  # what its requester must still hold when it takes effect
    also_role: Role | None = None  # a second role that may start it too (an approver's override)
    exclusive: bool = False
    announce: bool = False  # audit <kind>.start and <kind>.done besides each step's event
    summarise: Callable[[Deps, RunView, list[StepView]], dict[str, Any]] | None = None
    # What the failure event adds (which system holds which value...), given the failed step.
    failure_details: Callable[[Deps, RunView, list[StepView], str], dict[str, Any]] | None = None
    lease_for: timedelta = DEFAULT_LEASE
    # What a person may rely on after a failed one-step run ("the system does not show it").
    failure_note: str = ""
    # How long a run waits after the decision that creates it before anyone works it (a cancel
    # window, from the policy); None or zero: at once.
    delay: Callable[[Policy], timedelta] | None = None

    @property
    def step_names(self) -> list[str]:
        return [step.name for step in self.steps]

    def step(self, name: str) -> Step:
        return next(step for step in self.steps if step.name == name)

    def step_label(self, name: str) -> str:
        found = next((step for step in self.steps if step.name == name), None)
        return found.label if found else name


# -- views of the ledger's rows -----------------------------------------------------------------


class RunView(RunBase):
    """A detached, read-only copy of an ``action_run`` row (its table shares the base)."""

    model_config = ConfigDict(frozen=True)  # type: ignore[assignment]  # SQLModel types it narrower

    @classmethod
    def of(cls, row: ActionRun) -> RunView:
        return cls.model_validate(row, from_attributes=True)

    @property
    def terminal(self) -> bool:
        return self.state in (RunState.SUCCEEDED, RunState.FAILED)

    @property
    def p(self) -> dict[str, Any]:
        return dict(self.params or {})

    def waiting(self, now: datetime) -> bool:
        """Scheduled for later and not started: it may still be cancelled or run now."""
        return (
            self.state is RunState.PENDING and self.not_before is not None and self.not_before > now
        )

    @property
    def cancelled(self) -> dict[str, Any] | None:
        """Who cancelled it before it started, when and why (``outcome`` cancelled)."""
        if self.outcome != "cancelled":
            return None
        return dict(self.p.get("cancelled") or {})


class StepView(StepBase):
    """A detached, read-only copy of an ``action_step`` row (its table shares the base)."""

    model_config = ConfigDict(frozen=True)  # type: ignore[assignment]  # SQLModel types it narrower

    @classmethod
    def of(cls, row: ActionStep) -> StepView:
        return cls.model_validate(row, from_attributes=True)


@dataclass(frozen=True)
class RunOutcome:
    """How far a call to ``execute`` got: the run's recorded state, or why it did not say.

    ``busy``: another worker holds the lease; ``lost``: the lease was taken over mid-way (that
    worker carries on); ``interrupted``: the ledger was out of reach, the run will be resumed;
    ``scheduled``: it is not due yet (a cancel window): the clock's sweeper starts it then.
    """

    run_id: str
    state: Literal["succeeded", "refused", "failed", "busy", "lost", "interrupted", "scheduled"]
    failed_step: str | None = None
    error: str | None = None
    refused: str | None = None
    summary: dict[str, Any] | None = None
    results: dict[str, dict[str, Any]] = field(default_factory=dict)


class Progress(Protocol):
    """How a run reports as it goes (the Slack layer draws it on a message)."""

    def step_started(self, position: int, name: str) -> None: ...
    def step_progress(self, name: str, done: int, total: int) -> None: ...
    def step_done(self, position: int, name: str, detail: dict[str, Any]) -> None: ...
    def failed(self, run_id: str, name: str, error: str) -> None: ...
    def finished(self, outcome: RunOutcome) -> None: ...


class QuietProgress:
    """Reports nowhere (console, tests of the command layer)."""

    def step_started(self, position: int, name: str) -> None:
        pass

    def step_progress(self, name: str, done: int, total: int) -> None:
        pass

    def step_done(self, position: int, name: str, detail: dict[str, Any]) -> None:
        pass

    def failed(self, run_id: str, name: str, error: str) -> None:
        pass

    def finished(self, outcome: RunOutcome) -> None:
        pass
