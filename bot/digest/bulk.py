"""The digest's "Suspend all eligible (N)": the one confirmation, then one ``suspend`` run per
account worked one after another, and the summary message redrawn from the ledger as each ends.
When suspensions need approval, confirming posts one four-eyes request for them all instead
(``LOOK``); its approval has written the runs, which are then worked the same way under a
summary in the request's thread.

The redraw is a ledger observer (like the rows that follow): each run's suspension event, once
committed in whichever process worked it — this one, or a sweeper finishing a bulk whose process
died — has the bulk's summary redrawn from its record.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from audit.models import AuditEvent
from bot.approvals.requests import KindUI, post_request
from bot.digest.bulk_views import (
    BULK_ACTION,
    BULK_CANCEL,
    BULK_CONFIRM,
    bulk_confirmation_message,
    bulk_summary_message,
    request_body,
    request_title,
    sent_for_approval_message,
)
from bot.edge.boundary import said
from bot.edge.codecs import RecordRef
from bot.edge.slack_limits import SlackClient
from bot.edge.turns import Click
from bot.runtime.services import Services
from bot.runtime.workers import WorkPool
from commands.approvals.model import ApprovalView
from commands.deps import Deps
from commands.digest.bulk import APPROVAL_KIND, BulkStarted, cancel_bulk, confirm_bulk, prepare_bulk
from commands.digest.bulk_progress import (
    bulk_of,
    bulk_progress,
    bulk_started,
    claim_summary,
    posted_at,
    record_posted,
    release_summary,
    summary_place,
)
from commands.runs import engine
from commands.suspension.models import SUSPEND

log = logging.getLogger(__name__)


def on_bulk(click: Click) -> None:
    where = click.channel_id or click.actor.user_id
    click.say(bulk_confirmation_message(prepare_bulk(click.actor, click.deps, reply_to=where)))


def on_bulk_confirm(click: Click) -> None:
    started = confirm_bulk(_id(click), click.actor, click.deps)
    if not isinstance(started, BulkStarted):
        post_request(click.services, click.client, started.request)  # RequestNotPosted: withdrawn
        channel = click.services.settings.jethub_approvals_channel
        click.replace(sent_for_approval_message(started, channel))
        return
    click.replace(said(f"Confirmed: suspending {len(started.runs)} accounts, one by one."))
    start(click.services, click.client, started, click.channel_id or click.actor.user_id)


def on_approved(services: Services, client: WebClient, request: ApprovalView) -> None:
    """An approved bulk request: its runs (written with the approval) worked under a summary
    in the request's thread."""
    started = bulk_started(services.deps, request.id)
    if started is not None:
        channel = request.channel or request.requested_by
        start(services, client, started, channel, request.message_ts)


def on_bulk_cancel(click: Click) -> None:
    cancel_bulk(_id(click), click.actor, click.deps)
    click.replace(said("Cancelled: nothing was suspended."))


def start(
    services: Services,
    client: WebClient,
    started: BulkStarted,
    channel: str,
    thread_ts: str | None = None,
) -> None:
    """Post the summary where it was confirmed, then work the runs in order (each redraws it).
    A summary that cannot be posted is logged and posted by the first run that ends after it
    (``BulkSummaries``): the suspensions go ahead all the same."""
    try:
        post(services.deps, client, started.id, channel, thread_ts)
    except (SlackClientError, OSError) as exc:
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else repr(exc)
        log.warning("could not post the bulk suspension %s's summary: %s", started.id, error)
    work(services.deps, started)


def post(
    deps: Deps,
    client: WebClient,
    bulk_id: str,
    channel: str,
    thread_ts: str | None = None,
) -> None:
    """Post the bulk's summary — once, in whichever process claims it first; a post that fails
    gives the claim back."""
    progress = bulk_progress(deps, bulk_id)
    if progress is None or not claim_summary(deps, bulk_id):
        return
    where: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
    try:
        posted = client.chat_postMessage(channel=channel, **where, **bulk_summary_message(progress))
    except BaseException:
        release_summary(deps, bulk_id)
        raise
    record_posted(deps, bulk_id, str(posted["channel"]), str(posted["ts"]))


def work(deps: Deps, started: BulkStarted) -> None:
    for run_id in started.runs.values():
        engine.execute(deps, run_id)  # its record says how it ended; the summary reads it


def _id(click: Click) -> str:
    return click.value(RecordRef).id


@dataclass
class BulkSummaries:
    """Redraws a bulk suspension's summary whenever one of its runs ends."""

    deps: Deps
    slack: SlackClient
    executor: WorkPool
    _redrawing: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, event: AuditEvent) -> None:
        bulk = bulk_of(event) if event.action == SUSPEND else None
        if bulk is not None:
            self.executor.submit(self.redraw, bulk)

    def redraw(self, bulk: str) -> None:
        try:
            with self._redrawing:
                where = posted_at(self.deps, bulk)
                if where is None:
                    # Never posted (Slack failed, or the process died first): post it now.
                    place = summary_place(self.deps, bulk)
                    if place is not None:
                        post(self.deps, self.slack, bulk, *place)
                    return
                progress = bulk_progress(self.deps, bulk)
                if progress is None:
                    return
                channel, ts = where
                self.slack.chat_update(channel=channel, ts=ts, **bulk_summary_message(progress))
        except (SlackClientError, OSError, SQLAlchemyError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else repr(exc)
            log.warning("could not redraw the bulk suspension %s: %s", bulk, error)


LISTENERS = {BULK_ACTION: on_bulk, BULK_CONFIRM: on_bulk_confirm, BULK_CANCEL: on_bulk_cancel}

LOOK = KindUI(
    kind=APPROVAL_KIND,
    label="bulk suspension",
    verb="",  # asked for again from the next digest, not a verb
    title=request_title,
    body=request_body,
    approved=on_approved,
)
