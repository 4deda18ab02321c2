"""The overdue digest's scheduled job: today's digest posted to ``JETHUB_DIGEST_CHANNEL`` exactly
once a day, with its chart in the thread.

APScheduler 3 fires it at ``JETHUB_DIGEST_TIME`` in ``JETHUB_TIMEZONE`` (a cron trigger on the
local wall clock, so it follows daylight saving). Once a day is the ledger's doing, not the
scheduler's: the run claims the ``job_run`` row ``("digest", <local date>)`` before posting, so
any number of clocks (threads, processes, machines on one PostgreSQL) post one digest.

A clock also checks at start and every ten minutes whether today's digest is due and unclaimed,
so a clock that was down at the scheduled time posts when it comes back that same day, and a
digest that could not be built (a backend down) is tried again. The digest is built before the
claim: a failed build leaves the day unclaimed. Once claimed, the day is never posted again —
a crash half way through posting leaves that day's digest short rather than doubled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from audit import claim_period, finish_period, get_period
from bot.digest.chart import chart_alt_text, chart_filename, chart_title, render_chart
from bot.digest.views import DigestPost, digest_post
from bot.jobs.schedule import CLOCK_ACTOR, Job
from bot.runtime.settings import Settings
from commands.digest.overdue import Digest, build_digest
from commands.trail import record
from integrations.clock import business_date

if TYPE_CHECKING:
    from bot.runtime.services import Services

log = logging.getLogger(__name__)

DIGEST_JOB = "digest"
CATCH_UP_EVERY = timedelta(minutes=10)


def digest_trigger(settings: Settings) -> CronTrigger:
    at = settings.jethub_digest_time
    return CronTrigger(hour=at.hour, minute=at.minute, second=at.second, timezone=settings.zone)


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


def _catch_up(settings: Settings) -> IntervalTrigger:
    return IntervalTrigger(seconds=int(CATCH_UP_EVERY.total_seconds()), timezone=settings.zone)


def _no_channel(settings: Settings) -> str | None:
    if settings.jethub_digest_channel:
        return None
    return "JETHUB_DIGEST_CHANNEL is not set; the overdue digest is not scheduled"


_FAILED = "the overdue digest failed; it is tried again while the day is free"

JOBS = (
    Job(
        id="digest",
        name="overdue digest",
        run=run_digest,
        trigger=digest_trigger,
        failed=_FAILED,
        unless=_no_channel,
    ),
    Job(
        id="digest-catch-up",
        name="overdue digest, if due and not yet posted",
        run=run_digest,
        trigger=_catch_up,
        failed=_FAILED,
        unless=_no_channel,
        at_start=True,
    ),
)
