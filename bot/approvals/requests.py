"""An approval request's Slack message, for every kind: how it looks (``RequestLooks``, built
once by the composition root), posting it, redrawing it from the ledger, its thread, and telling
its requester.

A Slack call that fails here never changes an outcome: posting a request is retried and, if it
still fails, the request is withdrawn (so no invisible request blocks the account); a redraw
that fails is logged and the next one shows the recorded state.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ActionsBlock, Block

from audit.models import ApprovalState
from bot.approvals import views
from bot.edge.blocks import esc, section, verb_button
from bot.edge.verbs import VERBS
from commands.approvals.breakglass import allows_break_glass
from commands.approvals.expiry import claim_reminders, expire_due, finish_reminder
from commands.approvals.model import ApprovalView
from commands.approvals.requests import load_approval, set_approval_message
from commands.approvals.withdrawal import withdraw_approval
from commands.errors import CommandError
from commands.runs.records import recorded_outcome, run_for_approval

if TYPE_CHECKING:
    from bot.runtime.services import Services
    from commands.deps import Deps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KindUI:
    """How one kind of request looks: its title, its body, and what follows it (a run's
    progress and outcome). ``approved``, when given, carries out an approved request in Slack
    in place of working its one run (a bulk suspension works its runs under a summary)."""

    kind: str  # the approval kind it draws: "deactivate"
    label: str  # "deactivation"
    verb: str  # the /jethub verb that asks for one again
    title: Callable[[ApprovalView], str]
    body: Callable[[ApprovalView], list[Block]]
    after: Callable[[Deps, ApprovalView], list[Block]] = field(default=lambda deps, request: [])
    approved: Callable[[Services, WebClient, ApprovalView], None] | None = None


@dataclass(frozen=True)
class RequestLooks:
    """Every kind's ``KindUI``, each declared by its feature and listed by ``bot.catalogue``:
    built once by the composition root (``Services.looks``), so every process — web, clock,
    worker — draws a request the same way."""

    kinds: Mapping[str, KindUI]

    @classmethod
    def of(cls, looks: Iterable[KindUI]) -> RequestLooks:
        return cls({look.kind: look for look in looks})

    def __call__(self, kind: str) -> KindUI:
        found = self.kinds.get(kind)
        if found is None:
            return KindUI(
                kind=kind,
                label=kind,
                verb=kind,
                title=lambda r: f"{r.kind} of account {r.account}",
                body=lambda r: [],
            )
        return found


def run_outcome_blocks(deps: Deps, request: ApprovalView) -> list[Block]:
    """A one-step run's state under its request: in progress, done, refused or failed."""
    run = run_for_approval(deps, request.id)
    if run is None:
        return []
    outcome = recorded_outcome(deps, run)
    if outcome.state == "succeeded":
        text = ":white_check_mark: Done (see the thread)."
    elif outcome.state == "refused":
        text = f":no_entry: Not done: {esc(outcome.refused or 'refused')}"
    elif outcome.state == "failed":
        text = f":x: Failed: {esc(outcome.error or '')} (see the thread to Retry)."
    else:
        text = ":hourglass_flowing_sand: Being carried out; the thread will say when it is done."
    return [section(text)]


# -- the request's message ----------------------------------------------------------------------


def render_request(
    services: Services, request: ApprovalView, after: Sequence[Block] | None = None
) -> dict[str, Any]:
    ui = services.looks(request.kind)
    extra = list(after) if after is not None else ui.after(services.deps, request)
    return views.approval_message(
        request,
        ui.body(request),
        title=ui.title(request),
        label=ui.label,
        zone=services.settings.zone,
        after=extra,
        approvers=approvers_of(services, request.kind),
        typed=_typed(services, request.kind),
        break_glass=_break_glass(services, request.kind),
    )


def _break_glass(services: Services, kind: str) -> bool:
    found = services.deps.actions.approvals.get(kind)
    return found is not None and allows_break_glass(found, services.deps)


def approvers_of(services: Services, kind: str) -> tuple[str, ...]:
    """Who is asked to decide a request of ``kind``: the approval policy's approvers for it,
    else the approver role's (``JETHUB_APPROVERS``)."""
    named = services.deps.policy.approvals.of(kind).approvers
    return named if named is not None else services.settings.jethub_approvers


def _typed(services: Services, kind: str) -> bool:
    """Whether the kind is approved by typing its account number (its ``ApprovalKind`` says)."""
    found = services.deps.actions.approvals.get(kind)
    return found is not None and found.confirm_by_typing


POST_ATTEMPTS = (0.0, 0.5, 1.5, 3.0)  # pauses before each try of posting a request


class RequestNotPosted(CommandError):
    """The request could not be shown to approvers, so it was withdrawn: nothing is pending."""


def post_request(services: Services, client: WebClient, request: ApprovalView) -> ApprovalView:
    """Post a new request to the approvals channel and remember where it is.

    Posting is retried; if it still fails the request is withdrawn (audited) and
    ``RequestNotPosted`` says so — a pending request nobody can see would block the account.
    Telling the requester is best effort: it never changes the request.
    """
    channel = services.settings.jethub_approvals_channel
    assert channel, "checked before the request was created"
    answer = None
    for pause in POST_ATTEMPTS:
        time.sleep(pause * services.settings.jethub_retry_pause_scale)
        try:
            answer = client.chat_postMessage(channel=channel, **render_request(services, request))
            break
        except SlackApiError as exc:
            log.warning("could not post request %s: %s", request.id, exc.response.get("error"))
    ui = services.looks(request.kind)
    if answer is None:
        withdrawn = withdraw_approval(
            services.deps,
            request.id,
            why="the request could not be posted to the approvals channel",
        )
        if withdrawn is None:  # decided meanwhile (it cannot be: nobody saw it) — say so
            after = load_approval(services.deps, request.id) or request
            raise RequestNotPosted(
                f"The {ui.label} request could not be posted, and it is now {after.state.value}."
            )
        raise RequestNotPosted(
            f"The {ui.label} request for account {request.account} could not be posted to the "
            "approvals channel (Slack kept failing), so it was withdrawn: nothing is pending "
            "and nothing was done. Please try again."
        )
    set_approval_message(services.deps, request.id, channel=answer["channel"], ts=answer["ts"])
    try:
        client.chat_postMessage(
            channel=request.requested_by,
            **views.requester_confirmation(
                request, label=ui.label, zone=services.settings.zone, where=channel
            ),
        )
    except SlackApiError as exc:
        log.warning("could not tell the requester of %s: %s", request.id, exc.response.get("error"))
    return load_approval(services.deps, request.id) or request


def refresh_request(
    services: Services,
    client: WebClient,
    request: ApprovalView,
    after: Sequence[Block] | None = None,
) -> None:
    """Redraw the request's message from the ledger's state (buttons only while pending)."""
    if not request.channel or not request.message_ts:
        return
    client.chat_update(
        channel=request.channel, ts=request.message_ts, **render_request(services, request, after)
    )


REDRAW_ATTEMPTS = (0.0, 0.5, 1.5)  # pauses before each try of redrawing a decided request


def redraw(services: Services, client: WebClient, request: ApprovalView) -> None:
    """``refresh_request``, retried, then logged: a message that could not be redrawn never
    changes the outcome (the next redraw shows the recorded state)."""
    for pause in REDRAW_ATTEMPTS:
        time.sleep(pause * services.settings.jethub_retry_pause_scale)
        try:
            refresh_request(services, client, request)
            return
        except SlackApiError as exc:
            log.warning("could not update request %s: %s", request.id, exc.response.get("error"))


def thread_reply(client: WebClient, request: ApprovalView, payload: dict[str, Any]) -> None:
    if request.channel and request.message_ts:
        client.chat_postMessage(channel=request.channel, thread_ts=request.message_ts, **payload)


def tell_requester(services: Services, client: WebClient, request: ApprovalView) -> None:
    ui = services.looks(request.kind)
    text = views.outcome_notice(request, label=ui.label, zone=services.settings.zone)
    blocks: list[Block] = [section(text)]
    if request.state in (ApprovalState.DENIED, ApprovalState.EXPIRED) and ui.verb in VERBS:
        # Denied or expired: asking again is one click (the verb checks everything anew).
        again = verb_button(ui.verb, request.account, "Request again")
        blocks.append(ActionsBlock(block_id="approvals.again", elements=[again]))
    try:
        client.chat_postMessage(channel=request.requested_by, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.warning("could not tell the requester: %s", exc.response.get("error"))


def announce_outcome(services: Services, client: WebClient, request: ApprovalView) -> None:
    """A request left pending (decided, cancelled, expired): redraw its message, tell its
    requester."""
    redraw(services, client, request)
    tell_requester(services, client, request)


def expire_and_announce(services: Services, client: WebClient) -> list[ApprovalView]:
    """Expire every pending request past its time, update its message, tell its requester."""
    expired = expire_due(services.deps)
    for request in expired:
        announce_outcome(services, client, request)
    return expired


def remind_approvers(services: Services, client: WebClient, *, owner: str) -> list[ApprovalView]:
    """Post the one reminder in the thread of each request whose time is 75 % gone without a
    decision (claimed exactly once across clocks); the reminded requests.

    A post that fails leaves the claim open, so another sweep takes it over and tries again
    (``REMIND_TAKEOVER``) while the request is still pending."""
    reminded: list[ApprovalView] = []
    for request in claim_reminders(services.deps, owner=owner):
        now = load_approval(services.deps, request.id) or request
        if now.state is not ApprovalState.PENDING:
            finish_reminder(services.deps, now, owner=owner, outcome="skipped")
            continue
        ui = services.looks(request.kind)
        try:
            thread_reply(
                client,
                request,
                views.reminder_message(
                    request,
                    label=ui.label,
                    zone=services.settings.zone,
                    approvers=approvers_of(services, request.kind),
                    escalate_to=services.deps.policy.approvals.of(request.kind).escalate_to,
                ),
            )
        except SlackApiError as exc:
            log.warning("could not remind about %s: %s", request.id, exc.response.get("error"))
            continue
        finish_reminder(services.deps, request, owner=owner, outcome="ok")
        reminded.append(request)
    return reminded
