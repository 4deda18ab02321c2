"""The sweeper, called by the clock as it starts and every 30 s: expire due approval requests
(updating their messages and telling their requesters), remind the approvers of a request 75 %
of whose time has gone (once, in its thread), resume runs of every kind whose worker is gone (lease
lapsed or never taken: a process that died right after an approval committed), and
forget Slack delivery ids old enough that Slack can no longer retry them.

Safe on any number of clock processes at once: expiry is a compare-and-set per request, a
reminder is a ``job_run`` claim keyed by the request id, and a run is worked only by whoever
claims its lease.
"""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta

from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from audit import prune
from bot.approvals.requests import expire_and_announce, remind_approvers
from bot.jobs.schedule import Job
from bot.runs.runner import work_run
from bot.runtime.services import Services
from bot.runtime.settings import Settings
from commands.runs.records import resumable_runs

log = logging.getLogger(__name__)

# Slack retries a delivery within minutes (the table holds only delivery ids now: confirmations
# have their own table). A week keeps every key that can still matter and stops it growing.
KEEP_DELIVERY_KEYS = timedelta(days=7)


def sweep(services: Services, client: WebClient, *, owner: str | None = None) -> None:
    """One pass; ``owner`` names this clock in the claims it takes (the clock passes its own)."""
    try:
        expired = expire_and_announce(services, client)
        if expired:
            log.info("expired %d approval request(s)", len(expired))
    except Exception:
        log.exception("sweeper: expiring approval requests failed")
    try:
        who = owner or f"sweeper:{os.getpid()}:{secrets.token_hex(3)}"
        reminded = remind_approvers(services, client, owner=who)
        if reminded:
            log.info("reminded the approvers of %d request(s)", len(reminded))
    except Exception:
        log.exception("sweeper: reminding approvers failed")
    for run_id in resumable_runs(services.deps):  # every kind: none is left undone
        try:
            outcome = work_run(services, client, run_id)
            log.info("sweeper: run %s → %s", run_id, outcome.state if outcome else "gone")
        except Exception:
            log.exception("sweeper: resuming run %s failed", run_id)
    try:
        deps = services.deps
        with deps.ledger.session() as session:
            forgotten = prune(session=session, older_than=deps.now() - KEEP_DELIVERY_KEYS)
        if forgotten:
            log.info("forgot %d old Slack delivery id(s)", forgotten)
    except Exception:
        log.exception("sweeper: pruning old delivery ids failed")


SWEEP_EVERY = timedelta(seconds=30)


def _every_thirty_seconds(settings: Settings) -> IntervalTrigger:
    return IntervalTrigger(seconds=int(SWEEP_EVERY.total_seconds()), timezone=settings.zone)


JOB = Job(
    id="sweeper",
    name="expire approvals, remind approvers, resume runs, forget old delivery ids",
    run=sweep,
    trigger=_every_thirty_seconds,
    failed="the sweeper failed",
    at_start=True,
)
