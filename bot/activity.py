"""The activity channel (``JETHUB_ACTIVITY_CHANNEL``): one line per finished change.

A ledger observer: the ledger calls it with every committed audit event, in the process and on
the thread that committed it. It picks the events that finish a change
(``commands.activity.finished_change``) and posts their line from the worker pool, so a slow or
failing Slack never holds up, undoes or changes the action; the action's outcome is already
committed when the line is posted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from audit.models import AuditEvent
from bot.slack_limits import SlackClient
from bot.views.activity import activity_line
from bot.workers import WorkPool
from commands.activity import FinishedChange, finished_change
from commands.deps import Deps
from commands.engine import SYSTEM, load_run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActivityFeed:
    channel: str
    deps: Deps
    slack: SlackClient
    executor: WorkPool

    def __call__(self, event: AuditEvent) -> None:
        change = finished_change(event, self.deps.actions)
        if change is not None:
            self.executor.submit(self.post, change)

    def post(self, change: FinishedChange) -> None:
        try:
            by, approved_by = self._people(change)
            self.slack.chat_postMessage(
                channel=self.channel,
                **activity_line(change, by, approved_by=approved_by),
            )
        except (SlackClientError, OSError, SQLAlchemyError) as exc:
            # The change is recorded and its requester told; only the announcement is lost.
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else repr(exc)
            log.warning(
                "could not announce a finished change in the activity channel",
                extra={"seq": change.seq, "error": error},
            )

    def _people(self, change: FinishedChange) -> tuple[str | None, str | None]:
        """Who asked for the change (None: the bot itself) and who approved it, as recorded."""
        by, approved_by = change.actor, None
        if change.run_id is not None:
            run = load_run(self.deps, change.run_id)
            if run is not None:
                by = run.requested_by
                decided = run.p.get("decided_by") or run.p.get("approved_by")
                approved_by = decided if isinstance(decided, str) else None
        return (None if by in (None, SYSTEM) else by), approved_by
