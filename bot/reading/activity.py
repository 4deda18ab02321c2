"""The activity channel (``JETHUB_ACTIVITY_CHANNEL``): one line per finished change.

A ledger observer: the ledger calls it with every committed audit event, in the process and on
the thread that committed it. It picks the events that finish a change
(``commands.reading.activity.finished_change``) and posts their line from the worker pool, so a
slow or failing Slack never holds up, undoes or changes the action; the action's outcome is already
committed when the line is posted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from audit.models import AuditEvent
from bot.edge.slack_limits import SlackClient
from bot.reading.views.activity import activity_line
from bot.runtime.workers import WorkPool
from commands.deps import Deps
from commands.reading.activity import FinishedChange, finished_change, people

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
            by, approved_by = people(self.deps, change)
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
