"""Working a run from the Slack side, whatever its kind: after a Retry, or when the sweeper
resumes a run whose worker is gone. The outcome comes from the run's record and is told to the
people concerned: the approval's message and thread (for an approved action) and the requester.

A Slack call that fails here is logged; it never changes what the run did.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.approvals.requests import redraw
from bot.edge.blocks import esc
from bot.edge.boundary import render_error
from bot.runtime.services import Services
from commands.approvals.requests import load_approval
from commands.errors import CommandError
from commands.runs import engine
from commands.runs import records as run_records
from commands.runs.kinds import RunOutcome
from commands.runs.records import ActionFailed

log = logging.getLogger(__name__)


def work_run(services: Services, client: WebClient, run_id: str) -> RunOutcome | None:
    """Work the run (new, resumed or retried) and tell whoever should hear how it ended."""
    run = run_records.load_run(services.deps, run_id)
    if run is None:
        return None
    face = services.faces(run.kind)
    if face.works is not None:
        return face.works(services, client, run_id)
    outcome = engine.execute(services.deps, run_id)
    if outcome.state in ("busy", "lost", "interrupted", "scheduled"):
        return outcome  # whoever holds it (or the next sweep, or the one when it is due) tells
    tell(services, client, run, outcome)
    return outcome


def tell(services: Services, client: WebClient, run: engine.RunView, outcome: RunOutcome) -> None:
    """Post a finished run's outcome to its approval thread and to its requester, in its kind's
    words (``RunFace.told``) or, for a kind with none, in one line from its record."""
    told = services.faces(run.kind).told
    payload: dict[str, Any]
    try:
        payload = told(services, outcome) if told else _generic(services, run, outcome)
    except CommandError as exc:  # refused or failed: told as everywhere
        payload = render_error(exc)
    _post(services, client, run, payload)


def _generic(services: Services, run: engine.RunView, outcome: RunOutcome) -> dict[str, Any]:
    """Any other kind's outcome, in one line from its record."""
    label = services.deps.actions.label(run.kind)
    what = f"The {esc(label)} of account {esc(run.account)} that <@{run.requested_by}> asked for"
    if outcome.state == "succeeded":
        text = f":white_check_mark: {what} is done (it was finished after an interruption)."
    elif outcome.state == "refused":
        text = f":no_entry: {what} was not done: {esc(outcome.refused or 'refused')}"
    else:
        return render_error(ActionFailed.of(services.deps, outcome))
    return {"text": text}


def _post(
    services: Services, client: WebClient, run: engine.RunView, payload: dict[str, Any]
) -> None:
    request = load_approval(services.deps, run.approval_id) if run.approval_id else None
    targets: list[tuple[str, str | None]] = []
    if request is not None and request.channel and request.message_ts:
        targets.append((request.channel, request.message_ts))
    if run.requested_by:
        targets.append((run.requested_by, None))
    for channel, thread in targets:
        try:
            client.chat_postMessage(channel=channel, thread_ts=thread, **payload)
        except SlackApiError as exc:
            log.warning("could not report run %s: %s", run.id, exc.response.get("error"))
    if request is not None:
        redraw(services, client, request)
