"""The sweeper, called by the clock every 30 s: expire due approval requests (updating their
messages and telling their requesters) and resume runs whose worker is gone (lease lapsed).

Safe on any number of clock processes at once: expiry is a compare-and-set per request and a
run is worked only by whoever claims its lease.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.listeners.approvals import expire_and_announce
from bot.listeners.deactivation import run_deactivation
from bot.services import Services
from commands.deactivation import KIND, load_run, resumable_runs

log = logging.getLogger(__name__)


def sweep(services: Services, client: WebClient) -> None:
    try:
        expired = expire_and_announce(services, client)
        if expired:
            log.info("expired %d approval request(s)", len(expired))
    except Exception:
        log.exception("sweeper: expiring approval requests failed")
    for run_id in resumable_runs(services.deps):
        run = load_run(services.deps, run_id)
        if run is None or run.kind != KIND:
            continue
        try:
            outcome = run_deactivation(services, client, run_id)
            log.info("sweeper: run %s → %s", run_id, outcome.state if outcome else "gone")
        except Exception:
            log.exception("sweeper: resuming run %s failed", run_id)
