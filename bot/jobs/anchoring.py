"""Publishing the ledger's head to ``JETHUB_AUDIT_CHANNEL``, and reading it back for ``verify``.

The clock posts one anchor a UTC day (claimed in ``job_run``, so however many clocks run, one
post); ``jethub audit anchor`` posts one on demand. Each post is also an audit event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from audit import Anchor, current_anchor, parse_anchors
from bot.edge.blocks import message
from bot.jobs.schedule import CLOCK_ACTOR, Job, once_per_period
from bot.runtime.services import Services
from bot.runtime.settings import Settings
from commands.trail import record

log = logging.getLogger(__name__)

ANCHOR_JOB = "audit-anchor"
ANCHOR_ACTOR = CLOCK_ACTOR
_HISTORY_PAGE = 200


@dataclass(frozen=True)
class Posted:
    anchor: Anchor
    channel: str
    ts: str


def post_anchor(services: Services, client: WebClient, *, actor: str = ANCHOR_ACTOR) -> Posted:
    """Post the head as it is now to the audit channel, and audit the post."""
    channel = services.settings.jethub_audit_channel
    if not channel:
        raise ValueError("JETHUB_AUDIT_CHANNEL is not set")
    deps = services.deps
    with deps.ledger.read_session() as session:
        anchor = current_anchor(session=session)
    when = deps.now().strftime("%Y-%m-%d %H:%M UTC")
    text = f"{anchor.line()} (the audit log's head at {when}; keep this message)"
    reply = client.chat_postMessage(channel=channel, **message(text))
    ts = str(reply["ts"])
    details = {"seq": anchor.seq, "hash": anchor.hash, "channel": channel, "ts": ts}
    record(deps, actor=actor, action="audit.anchor", account=None, outcome="ok", details=details)
    return Posted(anchor, channel, ts)


def run_daily_anchor(services: Services, client: WebClient, *, owner: str) -> Posted | None:
    """Post today's anchor (UTC day) unless some clock already has; None when nothing to do."""
    deps = services.deps
    if not services.settings.jethub_audit_channel:
        return None
    period = deps.now().date().isoformat()
    posted = once_per_period(
        deps, job=ANCHOR_JOB, period=period, owner=owner, work=lambda: post_anchor(services, client)
    )
    if posted is None:
        return None
    log.info("posted the audit anchor", extra={"seq": posted.anchor.seq, "period": period})
    return posted


def anchors_from_slack(client: WebClient, channel: str) -> list[Anchor]:
    """Every anchor this bot posted in ``channel`` (its whole history, paged)."""
    me: Any = client.auth_test()
    mine = {me.get("user_id"), me.get("bot_id")} - {None, ""}
    texts: list[str] = []
    cursor: str | None = None
    while True:
        page: Any = client.conversations_history(
            channel=channel, limit=_HISTORY_PAGE, cursor=cursor
        )
        for item in page.get("messages", []):
            if item.get("user") in mine or item.get("bot_id") in mine:
                texts.append(str(item.get("text") or ""))
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not page.get("has_more") or not cursor:
            break
    return parse_anchors(texts)


TRY_EVERY = timedelta(minutes=10)


def _every_ten_minutes(settings: Settings) -> IntervalTrigger:
    return IntervalTrigger(seconds=int(TRY_EVERY.total_seconds()), timezone=settings.zone)


def _no_channel(settings: Settings) -> str | None:
    if settings.jethub_audit_channel:
        return None
    return "JETHUB_AUDIT_CHANNEL is not set; the audit log's head is not anchored"


# Once a UTC day (the job_run claim decides which clock), soon after midnight or start.
JOB = Job(
    id="audit-anchor",
    name="post the audit log's head to JETHUB_AUDIT_CHANNEL, once a day",
    run=run_daily_anchor,
    trigger=_every_ten_minutes,
    failed="posting the audit anchor failed; the next day's anchor covers it",
    unless=_no_channel,
    at_start=True,
)
