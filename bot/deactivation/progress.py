"""A deactivation run's progress drawn on its approval message (paced chat.update) and in its
thread (a line per finished step); a Slack failure here is logged and never stops the run."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from audit.models import RunState
from bot.approvals.requests import refresh_request, thread_reply
from bot.deactivation import views
from bot.edge.blocks import esc, section
from bot.runs.schedule import cancelled_text, scheduled_blocks
from commands.approvals.model import ApprovalView, permalink
from commands.approvals.requests import load_approval
from commands.deactivation.request import (
    REVIEW,
    DeactivationSummary,
    Growth,
    RunOutcome,
    execute_run,
    load_run,
)
from commands.deactivation.run import summarise_steps
from commands.runs.records import run_for_approval, run_steps

if TYPE_CHECKING:
    from bot.runtime.services import Services
    from commands.deps import Deps

log = logging.getLogger(__name__)

UPDATE_EVERY_S = 1.5
FINAL_REDRAW = (0.0, 0.5, 1.5, 3.0)  # pauses before each try of a run's last redraw


class SlackProgress:
    """Draws a run's progress on its approval message; chat.update is paced, the thread gets
    one line per finished step."""

    def __init__(
        self,
        services: Services,
        client: WebClient,
        request: ApprovalView,
        *,
        every_s: float = UPDATE_EVERY_S,
    ) -> None:
        self.services = services
        self.client = client
        self.request = request
        self.every_s = every_s
        self._last = 0.0
        self._live: tuple[str, int, int] | None = None
        self._lock = threading.Lock()

    def _redraw(self, *, force: bool = False, final: bool = False) -> None:
        """Redraw from the ledger (paced unless forced). The last redraw of a run is retried:
        it is what the message will say from then on."""
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last < self.every_s:
                return
            self._last = now
        for pause in FINAL_REDRAW if final else (0.0,):
            time.sleep(pause * self.services.settings.jethub_retry_pause_scale)
            try:
                refresh_request(
                    self.services,
                    self.client,
                    self.request,
                    after=run_blocks(self.services.deps, self.request, self._live),
                )
                return
            except SlackApiError as exc:
                log.warning("could not update the approval message: %s", exc.response.get("error"))

    def _reply(self, payload: dict[str, Any]) -> None:
        try:
            thread_reply(self.client, self.request, payload)
        except SlackApiError as exc:
            log.warning("could not reply in the approval thread: %s", exc.response.get("error"))

    def grew(self, growth: Growth) -> None:
        self._reply(views.growth_reply(growth))

    def step_started(self, position: int, name: str) -> None:
        self._live = None
        self._redraw(force=position == 0)

    def step_progress(self, name: str, done: int, total: int) -> None:
        self._live = (name, done, total)
        self._redraw()

    def step_done(self, position: int, name: str, detail: dict[str, Any]) -> None:
        self._live = None
        if name == REVIEW and detail.get("grew"):
            self.grew(Growth.model_validate(detail["grew"]))
        self._reply({"text": views.step_reply(name, detail)})
        self._redraw()

    def _tell_requester(self, payload: dict[str, Any]) -> None:
        """Follow the requester's DM up, so "Approved" never stays their last word on a run that
        stopped, or that a Retry finished."""
        try:
            self.client.chat_postMessage(channel=self.request.requested_by, **payload)
        except SlackApiError as exc:
            log.warning("could not tell the requester: %s", exc.response.get("error"))

    def _link(self) -> str | None:
        if self.request.channel and self.request.message_ts:
            return permalink(self.request.channel, self.request.message_ts)
        return None

    def failed(self, run_id: str, name: str, error: str) -> None:
        self._reply(views.failure_reply(name, error))
        self._redraw(force=True, final=True)
        self._tell_requester(
            views.requester_update(
                self.request.account, "stopped", link=self._link(), step=name, detail=error
            )
        )

    def finished(self, outcome: RunOutcome) -> None:
        if outcome.state == "refused":
            self._reply({"text": f":no_entry: {esc(outcome.refused or 'Nothing was done.')}"})
        elif outcome.summary is not None:
            self._reply(views.summary_reply(DeactivationSummary.model_validate(outcome.summary)))
        self._redraw(force=True, final=True)
        state = "refused" if outcome.state == "refused" else "finished"
        self._tell_requester(
            views.requester_update(
                self.request.account,
                state,
                link=self._link(),
                detail=outcome.refused or "Nothing was done.",
            )
        )


def run_deactivation(services: Services, client: WebClient, run_id: str) -> RunOutcome | None:
    """Work a run (new, resumed or retried) with its progress on the approval message."""
    run = load_run(services.deps, run_id)
    if run is None or run.approval_id is None:
        return None
    request = load_approval(services.deps, run.approval_id)
    if request is None:
        return None
    outcome = execute_run(services.deps, run_id, progress=SlackProgress(services, client, request))
    if outcome.state == "scheduled":  # approved just now, with a cancel window
        tell_scheduled(services, client, request, run_id)
    return outcome


def tell_scheduled(
    services: Services, client: WebClient, request: ApprovalView, run_id: str
) -> None:
    """The requester's DM when their deactivation is approved into its cancel window: when it
    will run, and Cancel."""
    run = load_run(services.deps, run_id)
    if run is None or run.not_before is None:
        return
    link = (
        permalink(request.channel, request.message_ts)
        if request.channel and request.message_ts
        else None
    )
    payload = views.scheduled_dm(request.account, run, services.settings.zone, link=link)
    try:
        client.chat_postMessage(channel=request.requested_by, **payload)
    except SlackApiError as exc:
        log.warning("could not tell the requester: %s", exc.response.get("error"))


def run_blocks(
    deps: Deps, request: ApprovalView, live: tuple[str, int, int] | None = None
) -> list[Block]:
    """A deactivation run's part of its request message: steps, then the failure, refusal or
    summary — from the run's record."""
    run = run_for_approval(deps, request.id)
    if run is None:
        return []
    if run.waiting(deps.now()):
        return scheduled_blocks("deactivation", run, deps.zone)
    if run.cancelled is not None:
        return [section(cancelled_text("deactivation", run, deps.zone))]
    steps = run_steps(deps, run.id)
    blocks: list[Block] = [views.steps_block(steps, live)]
    if run.state is RunState.FAILED:
        failed = next((s for s in steps if s.error), None)
        blocks.extend(
            views.failure_blocks(
                run.id,
                failed.name if failed else "?",
                run.error or (failed.error if failed else "") or "",
            )
        )
    elif run.state is RunState.SUCCEEDED and run.outcome == "refused":
        refused = next(
            ((s.detail or {}).get("refused") for s in steps if (s.detail or {}).get("refused")),
            None,
        )
        text = str((refused or {}).get("message") or "Nothing was done.")
        blocks.extend(views.refused_blocks(text))
    elif run.state is RunState.SUCCEEDED:
        blocks.extend(views.summary_blocks(summarise_steps(run, steps)))
    return blocks
