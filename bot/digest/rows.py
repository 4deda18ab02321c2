"""The posted digest follows its rows: once an account it lists is suspended, snoozed or promised
to pay, its row's buttons give way to "Suspended by @x 10:42" / "Snoozed until … by @x" /
"Promised …", for everyone; a Take names who is chasing it; a suspension lifted after payment
adds "· lifted after payment P-… 14:05" to the row's line.

A ledger observer (like ``bot.reading.activity``): the action's audit event, once committed, has
the digest's message redrawn from the worker pool. Every open row of that message
is redrawn from the ledger (``commands.digest.rows``), not just the one acted on, so two people
acting on two rows at once both end up shown; the redraws of one process are serialised.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from audit import get_take
from audit.models import AuditEvent
from bot.digest.views import (
    ROW_BLOCK,
    ROW_DONE_BLOCK,
    chased_rows,
    open_rows,
    settled_rows,
    stale_row_text,
)
from bot.edge.payloads import BlockAction
from bot.edge.slack_limits import SlackClient
from bot.edge.turns import VerbCall
from bot.runtime.workers import WorkPool
from commands.deps import Deps
from commands.digest.rows import (
    ROW_ACTIONS,
    PostedDigest,
    acted_on,
    lift_of,
    lifted_after_payment,
    posted_digest,
)
from commands.digest.take import TAKE
from commands.suspension.models import ORIGIN as DIGEST_ORIGIN
from commands.suspension.models import UNSUSPEND

LIFTED = "lifted after payment"

log = logging.getLogger(__name__)


@dataclass
class DigestRows:
    deps: Deps
    slack: SlackClient
    executor: WorkPool
    zone: ZoneInfo
    _redrawing: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, event: AuditEvent) -> None:
        if event.action in ROW_ACTIONS and str(event.outcome) == "ok" and event.account:
            self.executor.submit(self.settle, event.account)
        if event.action == TAKE and str(event.outcome) == "ok" and event.account:
            self.executor.submit(self.settle, event.account, event.actor)
        lifted = event.action == UNSUSPEND and str(event.outcome) == "ok"
        if lifted and event.account and lifted_after_payment(event.details or {}):
            self.executor.submit(self.settle, event.account, None, True)

    def settle(self, account: str, chaser: str | None = None, lifted: bool = False) -> None:
        """Redraw the row of ``account`` from the ledger; with ``chaser``, name who took it;
        ``lifted``: say its suspension was lifted after payment."""
        try:
            with self._redrawing:
                digest = posted_digest(self.deps)
                if digest is None:
                    return
                if lifted:
                    self._lifted(digest, account)
                elif chaser is None:
                    self._redraw(digest, account)
                else:
                    self._chase(digest, account, chaser)
        except (SlackClientError, OSError, SQLAlchemyError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else repr(exc)
            log.warning("could not redraw the digest's row for %s: %s", account, error)

    def _chase(self, digest: PostedDigest, account: str, chaser: str) -> None:
        with self.deps.ledger.read_session() as session:  # the newest take wins, in any order
            held = get_take(session=session, account=account)
            chaser = held.by if held is not None else chaser
        for message in self._messages(digest):
            blocks = message.get("blocks") or []
            if any(b.get("block_id") == f"{ROW_BLOCK}{account}" for b in blocks):
                self.slack.chat_update(
                    channel=digest.channel,
                    ts=message["ts"],
                    text=message.get("text", ""),
                    blocks=chased_rows(blocks, account, chaser),
                )
                return

    def _redraw(self, digest: PostedDigest, account: str) -> None:
        for message in self._messages(digest):
            blocks = message.get("blocks") or []
            rows = open_rows(blocks)
            if account not in rows:
                continue
            acted = {
                row: action
                for row in rows
                if (action := acted_on(self.deps, row, digest.at)) is not None
            }
            if acted:
                self.slack.chat_update(
                    channel=digest.channel,
                    ts=message["ts"],
                    text=message.get("text", ""),
                    blocks=settled_rows(blocks, acted, self.zone),
                )
            return

    def _lifted(self, digest: PostedDigest, account: str) -> None:
        lift = lift_of(self.deps, account, digest.at)
        if lift is None:
            return
        numbers = ", ".join(lift.payments)
        at = lift.at.astimezone(self.zone).strftime("%H:%M")
        note = f"{LIFTED} {numbers} {at}"
        for message in self._messages(digest):
            blocks = message.get("blocks") or []
            done = f"{ROW_DONE_BLOCK}{account}"
            if not any(b.get("block_id") == done for b in blocks):
                continue
            redrawn = []
            for block in blocks:
                if block.get("block_id") == done and block.get("elements"):
                    first = dict(block["elements"][0])
                    first["text"] = str(first.get("text", "")).split(f" · {LIFTED}")[0]
                    first["text"] += f" · {note}"
                    block = {**block, "elements": [first, *block["elements"][1:]]}
                redrawn.append(block)
            self.slack.chat_update(
                channel=digest.channel,
                ts=message["ts"],
                text=message.get("text", ""),
                blocks=redrawn,
            )
            return

    def _messages(self, digest: PostedDigest) -> list[dict[str, Any]]:
        """The digest's first message and its thread (the pages of a long digest)."""
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.slack.conversations_replies(
                channel=digest.channel, ts=digest.ts, limit=200, cursor=cursor
            )
            found.extend(page.get("messages") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return found


def shown_at(clicked: BlockAction) -> datetime | None:
    """When the message a button was clicked on was posted (its ts), if the click says."""
    ts = clicked.message_ts
    try:
        return datetime.fromtimestamp(float(ts), UTC) if ts else None
    except (TypeError, ValueError, OverflowError):
        return None


def stale_row(deps: Deps, zone: ZoneInfo, account: str, clicked: BlockAction) -> str | None:
    """What a digest row's button answers when someone suspended or snoozed the account after
    the row was shown (who, when, in plain words); None when the button still applies."""
    since = shown_at(clicked)
    action = acted_on(deps, account, since) if since is not None else None
    return stale_row_text(account, action, zone) if action is not None else None


def unless_stale(handler: Callable[[VerbCall], None]) -> Callable[[VerbCall], None]:
    """``handler``, except that a digest row's button someone acted on since the row was shown
    says so (who, when) instead of asking again."""

    def answer(call: VerbCall) -> None:
        if call.button is not None and call.origin and DIGEST_ORIGIN.match(call.origin):
            stale = stale_row(call.deps, call.deps.zone, call.account, call.button)
            if stale is not None:
                call.tell(stale)
                return
        handler(call)

    return answer
