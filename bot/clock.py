"""The clock: every scheduled job a feature declares (``bot.jobs.catalogue``) — the daily
overdue digest and audit anchor, each exactly once a day, and the sweeper as soon as it starts,
then every 30 seconds (a clock back from a restart expires overdue requests and resumes
interrupted runs at once, not half a minute later).

Exactly once is each job's own doing, through the ledger's claims (``job_run``), never the
scheduler's: any number of clocks — threads, processes, machines on one PostgreSQL — may run.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from types import FrameType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient

from bot.jobs.catalogue import scheduled_jobs
from bot.jobs.schedule import Job
from bot.runtime.services import Services
from commands.context import correlation_id, new_correlation_id

log = logging.getLogger(__name__)


def clock_owner() -> str:
    """Who holds a claim: host, process and a random tag (two clocks in one process differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def _run(job: Job, services: Services, client: WebClient, owner: str) -> Callable[[], None]:
    def run() -> None:
        correlation_id.set(new_correlation_id())
        try:
            job.run(services, client, owner=owner)
        except Exception:
            log.exception(job.failed)

    return run


def schedule(
    scheduler: BackgroundScheduler,
    services: Services,
    client: WebClient,
    *,
    owner: str,
    jobs: Sequence[Job] | None = None,
) -> None:
    """Add the clock's jobs (every feature's, unless ``jobs`` are given) to ``scheduler``
    (not started); a job its settings leave out is logged as not scheduled."""
    settings = services.settings
    not_scheduled: list[str] = []  # a feature's jobs left out for one reason say it once
    for job in scheduled_jobs() if jobs is None else jobs:
        why_not = job.unless(settings) if job.unless else None
        if why_not is not None:
            if why_not not in not_scheduled:
                log.warning(why_not)
                not_scheduled.append(why_not)
            continue
        scheduler.add_job(
            _run(job, services, client, owner),
            job.trigger(settings),
            id=job.id,
            name=job.name,
            **({"next_run_time": datetime.now(settings.zone)} if job.at_start else {}),
        )


def make_clock(
    services: Services, client: WebClient, *, owner: str | None = None
) -> BackgroundScheduler:
    """The clock's scheduler with its jobs, not started yet."""
    scheduler = BackgroundScheduler(
        timezone=services.settings.zone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    schedule(scheduler, services, client, owner=owner or clock_owner())
    return scheduler


def start_clock(
    services: Services, client: WebClient, *, owner: str | None = None
) -> BackgroundScheduler:
    """Start the clock's scheduler on background threads (``jethub serve --all-in-one``)."""
    scheduler = make_clock(services, client, owner=owner)
    scheduler.start()
    return scheduler


def run_clock(services: Services, *, stop: threading.Event | None = None) -> None:
    """The ``clock`` process: run the scheduler until SIGTERM/SIGINT (or ``stop`` is set)."""
    stop = stop or threading.Event()
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("clock stopping on signal %s", signal.Signals(signum).name)
            stop.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, on_signal)
    scheduler = start_clock(services, services.slack)
    log.info("clock started", extra={"jobs": [job.id for job in scheduler.get_jobs()]})
    try:
        while not stop.wait(1.0):
            pass
    finally:
        scheduler.shutdown(wait=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        log.info("clock stopped")
