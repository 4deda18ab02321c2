"""The clock: the daily overdue digest and audit anchor, each exactly once a day, and the
sweeper as soon as it starts, then every 30 seconds (a clock back from a restart expires
overdue requests and resumes interrupted runs at once, not half a minute later).

APScheduler 3 fires the digest at ``JETHUB_DIGEST_TIME`` in ``JETHUB_TIMEZONE`` (a cron trigger
on the local wall clock, so it follows daylight saving). Once a day is the ledger's doing, not
the scheduler's: the run claims the ``job_run`` row ``("digest", <local date>)`` before posting,
so any number of clocks (threads, processes, machines on one PostgreSQL) post one digest.

A clock also checks at start and every ten minutes whether today's digest is due and unclaimed,
so a clock that was down at the scheduled time posts when it comes back that same day, and a
digest that could not be built (a backend down) is tried again. The digest is built before the
claim: a failed build leaves the day unclaimed. Once claimed, the day is never posted again —
a crash half way through posting leaves that day's digest short rather than doubled.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from audit import claim_period, finish_period, get_period
from bot.digest.chart import chart_alt_text, chart_filename, chart_title, render_chart
from bot.digest.views import DigestPost, digest_post
from bot.jobs.anchoring import run_daily_anchor
from bot.jobs.sweeper import sweep
from bot.runtime.services import Services
from bot.runtime.settings import Settings
from commands.context import correlation_id, new_correlation_id
from commands.digest.overdue import Digest, build_digest
from commands.trail import record
from integrations.clock import business_date

log = logging.getLogger(__name__)

DIGEST_JOB = "digest"
CLOCK_ACTOR = "jethub-clock"
CATCH_UP_EVERY = timedelta(minutes=10)
SWEEP_EVERY = timedelta(seconds=30)


def digest_trigger(settings: Settings) -> CronTrigger:
    at = settings.jethub_digest_time
    return CronTrigger(hour=at.hour, minute=at.minute, second=at.second, timezone=settings.zone)


def clock_owner() -> str:
    """Who holds a claim: host, process and a random tag (two clocks in one process differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def post_digest(client: WebClient, channel: str, post: DigestPost) -> list[str]:
    """Post the summary, then each thread page under it; the messages' timestamps. The bot's
    client (`bot.edge.slack_limits.SlackClient`) paces posts to the channel."""
    first = client.chat_postMessage(channel=channel, **post.first)
    parent = str(first["ts"])
    posted = [parent]
    for page in post.thread:
        reply = client.chat_postMessage(channel=channel, thread_ts=parent, **page)
        posted.append(str(reply["ts"]))
    return posted


def post_chart(client: WebClient, channel: str, thread_ts: str, digest: Digest) -> str:
    """Upload the digest's chart into its thread (files.getUploadURLExternal, the upload,
    files.completeUploadExternal); the file's id."""
    png = render_chart(digest)
    uploaded = client.files_upload_v2(
        content=png,
        filename=chart_filename(digest.day),
        title=chart_title(digest),
        alt_txt=chart_alt_text(digest.aging, digest.currency),
        channel=channel,
        thread_ts=thread_ts,
        request_file_info=False,
    )
    return str(uploaded["files"][0]["id"])


@dataclass(frozen=True)
class DigestRun:
    """A digest this clock posted."""

    period: str
    channel: str
    digest: Digest
    messages: list[str] = field(default_factory=list)


def run_digest(services: Services, client: WebClient, *, owner: str) -> DigestRun | None:
    """Post today's digest if it is due (local time past the digest time) and nobody has.

    Returns what was posted, or None when there was nothing to do. Raises when building or
    posting failed (the clock logs it); a failed build leaves the day free for the next try.
    """
    settings, deps = services.settings, services.deps
    channel = settings.jethub_digest_channel
    if not channel:
        return None
    now = deps.now()
    if now.astimezone(deps.zone).time() < settings.jethub_digest_time:
        return None
    today = business_date(now, deps.zone)
    period = today.isoformat()
    with deps.ledger.read_session() as session:
        if get_period(session=session, job=DIGEST_JOB, period=period) is not None:
            return None
    digest = build_digest(deps, today)
    with deps.ledger.session() as session:
        if not claim_period(
            session=session, job=DIGEST_JOB, period=period, owner=owner, now=deps.now()
        ):
            return None
    details: dict[str, Any] = {
        "period": period,
        "channel": channel,
        "owner": owner,
        "accounts": len(digest.rows),
        "total_overdue": str(digest.total_overdue),
        "newly_overdue": digest.newly_overdue,
        "suspended": digest.suspended,
        "snoozed": digest.snoozed,
    }
    try:
        messages = post_digest(client, channel, digest_post(digest, at=now, zone=deps.zone))
    except Exception as exc:
        with deps.ledger.session() as session:
            finish_period(
                session=session,
                job=DIGEST_JOB,
                period=period,
                owner=owner,
                now=deps.now(),
                outcome="failed",
            )
            details["error"] = type(exc).__name__
            record(
                deps,
                actor=CLOCK_ACTOR,
                action="digest.post",
                account=None,
                outcome="failed",
                details=details,
                session=session,
            )
        raise
    if digest.rows:
        # The chart adds to a digest already posted: failing to upload it is logged and
        # recorded, and does not make the day's digest a failure.
        try:
            details["chart"] = post_chart(client, channel, messages[0], digest)
        except Exception as exc:
            log.warning("could not post the digest's chart: %s", type(exc).__name__)
            details["chart"] = f"failed: {type(exc).__name__}"
    with deps.ledger.session() as session:
        finish_period(session=session, job=DIGEST_JOB, period=period, owner=owner, now=deps.now())
        details["messages"] = len(messages)
        details["ts"] = messages[0]
        record(
            deps,
            actor=CLOCK_ACTOR,
            action="digest.post",
            account=None,
            outcome="ok",
            details=details,
            session=session,
        )
    log.info(
        "posted the overdue digest for %s: %d accounts in %d messages",
        period,
        len(digest.rows),
        len(messages),
    )
    return DigestRun(period, channel, digest, messages)


def _digest_job(services: Services, client: WebClient, owner: str) -> Callable[[], None]:
    def job() -> None:
        correlation_id.set(new_correlation_id())
        try:
            run_digest(services, client, owner=owner)
        except Exception:
            log.exception("the overdue digest failed; it is tried again while the day is free")

    return job


def _sweep_job(services: Services, client: WebClient, owner: str) -> Callable[[], None]:
    def job() -> None:
        correlation_id.set(new_correlation_id())
        try:
            sweep(services, client, owner=owner)
        except Exception:
            log.exception("the sweeper failed")

    return job


def _anchor_job(services: Services, client: WebClient, owner: str) -> Callable[[], None]:
    def job() -> None:
        correlation_id.set(new_correlation_id())
        try:
            run_daily_anchor(services, client, owner=owner)
        except Exception:
            log.exception("posting the audit anchor failed; the next day's anchor covers it")

    return job


def schedule(
    scheduler: BackgroundScheduler, services: Services, client: WebClient, *, owner: str
) -> None:
    """Add the clock's jobs to ``scheduler`` (not started)."""
    settings = services.settings
    if settings.jethub_digest_channel:
        digest = _digest_job(services, client, owner)
        scheduler.add_job(digest, digest_trigger(settings), id="digest", name="overdue digest")
        scheduler.add_job(
            digest,
            IntervalTrigger(seconds=int(CATCH_UP_EVERY.total_seconds()), timezone=settings.zone),
            id="digest-catch-up",
            name="overdue digest, if due and not yet posted",
            next_run_time=datetime.now(settings.zone),
        )
    else:
        log.warning("JETHUB_DIGEST_CHANNEL is not set; the overdue digest is not scheduled")
    if settings.jethub_audit_channel:
        # Once a UTC day (the job_run claim decides which clock), soon after midnight or start.
        scheduler.add_job(
            _anchor_job(services, client, owner),
            IntervalTrigger(seconds=int(CATCH_UP_EVERY.total_seconds()), timezone=settings.zone),
            id="audit-anchor",
            name="post the audit log's head to JETHUB_AUDIT_CHANNEL, once a day",
            next_run_time=datetime.now(settings.zone),
        )
    else:
        log.warning("JETHUB_AUDIT_CHANNEL is not set; the audit log's head is not anchored")
    scheduler.add_job(
        _sweep_job(services, client, owner),
        IntervalTrigger(seconds=int(SWEEP_EVERY.total_seconds()), timezone=settings.zone),
        id="sweeper",
        name="expire approvals, remind approvers, resume runs, forget old delivery ids",
        next_run_time=datetime.now(settings.zone),
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
