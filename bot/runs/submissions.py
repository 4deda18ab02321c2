"""The reason for cancelling a run waiting for its time: cancelled inside the ack (an empty
reason is told on its field, a run that started meanwhile in place of the modal), then told
after it — on its request and thread, and to its requester."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.approvals.requests import redraw, thread_reply
from bot.edge.codecs import RecordRef
from bot.edge.turns import Later, Submission
from bot.runs.schedule import CANCEL_MODAL, CANCEL_REASON_BLOCK, cancelled_notice
from commands.approvals.requests import load_approval
from commands.runs.kinds import RunView
from commands.runs.schedule import CancelScheduledRun, cancel_scheduled_run

log = logging.getLogger(__name__)


def on_cancel_submitted(sub: Submission) -> Later:
    reason = sub.submitted.view.state.text(CANCEL_REASON_BLOCK) or ""
    order = CancelScheduledRun(run_id=sub.meta(RecordRef).id, reason=reason)
    run = cancel_scheduled_run(order, sub.actor, sub.deps)
    return Later(lambda post: _tell(sub, run))


def _tell(sub: Submission, run: RunView) -> None:
    label = sub.deps.actions.label(run.kind)
    notice = cancelled_notice(label, run, sub.deps.zone)
    request = load_approval(sub.deps, run.approval_id) if run.approval_id else None
    if request is not None:
        try:
            thread_reply(sub.client, request, notice)
        except SlackApiError as exc:  # the request's message, redrawn below, says it too
            log.warning("could not reply in the request's thread: %s", exc.response.get("error"))
        redraw(sub.services, sub.client, request)
    for user in {run.requested_by, sub.actor.user_id} - {None}:
        try:
            sub.client.chat_postMessage(channel=str(user), **notice)
        except SlackApiError as exc:  # the request and the card show the cancellation
            log.warning(
                "could not tell %s of the cancellation: %s", user, exc.response.get("error")
            )


LISTENERS = {CANCEL_MODAL: on_cancel_submitted}
