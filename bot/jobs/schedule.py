"""What a scheduled job declares — its id, when it fires, what it runs and when its settings
leave it out — so the feature that owns a job declares it, ``bot.jobs.catalogue`` lists it and
``bot.clock`` schedules it. Exactly once across clocks is the job's own doing (a ledger claim)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from audit import claim_period, finish_period

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger
    from slack_sdk import WebClient

    from bot.runtime.services import Services
    from bot.runtime.settings import Settings
    from commands.deps import Deps

T = TypeVar("T")

CLOCK_ACTOR = "jethub-clock"  # who the audit says did what a scheduled job did


class JobRun(Protocol):
    def __call__(self, services: Services, client: WebClient, *, owner: str) -> object: ...


@dataclass(frozen=True)
class Job:
    id: str
    name: str
    run: JobRun  # ``owner`` names this clock in the job's claims
    trigger: Callable[[Settings], BaseTrigger]
    failed: str  # what the log says when a run raises (the job is tried again on its trigger)
    # Why these settings leave the job out (logged once), or None to schedule it.
    unless: Callable[[Settings], str | None] | None = None
    at_start: bool = False  # also run as soon as the clock starts


def once_per_period(
    deps: Deps, *, job: str, period: str, owner: str, work: Callable[[], T]
) -> T | None:
    """``work()`` if this clock claims ``(job, period)`` in the ledger — exactly once across
    clocks — then the claim finished ``ok`` or, if ``work`` raised, ``failed`` (and re-raised);
    None when another clock has it."""
    with deps.ledger.session() as session:
        if not claim_period(session=session, job=job, period=period, owner=owner, now=deps.now()):
            return None
    outcome = "failed"
    try:
        done = work()
        outcome = "ok"
    finally:
        with deps.ledger.session() as session:
            finish_period(
                session=session, job=job, period=period, owner=owner, now=deps.now(),
                outcome=outcome,
            )  # fmt: skip
    return done
