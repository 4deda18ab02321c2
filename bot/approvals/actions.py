"""Approve / Deny / Cancel for every kind of four-eyes request.

Buttons carry only the request id (``RecordRef``); the request is read from the ledger and the
clicker's roles from the settings, and every refusal is audited by the command. A winning
approval has already created the request's run (same transaction); the click then redraws the
message, tells the requester and works the run (``bot.runs.runner``). If this process dies in
between, the sweeper of any process works the run instead. The reason for a Deny is asked in a
modal (``bot.approvals.submissions``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

from slack_sdk import WebClient

from audit.models import ApprovalState, RunState
from bot.approvals.requests import announce_outcome, expire_and_announce, redraw
from bot.approvals.views import APPROVE, CANCEL, DENY, approve_modal, deny_modal, outcome_notice
from bot.edge.boundary import said
from bot.edge.codecs import RecordRef
from bot.edge.turns import Click
from bot.runs.runner import work_run
from commands.approvals.decisions import RequesterLostRole, decide_approval, vet_decision
from commands.approvals.model import (
    AlreadyDecided,
    ApprovalView,
    CancelApproval,
    DecideApproval,
    RequestExpired,
)
from commands.approvals.requests import load_approval
from commands.approvals.withdrawal import cancel_approval
from commands.runs.records import run_for_approval

if TYPE_CHECKING:
    from bot.runtime.services import Services


def on_approve(click: Click) -> None:
    """Decided at once, or — a kind confirmed by typing — checked as a decision, then the
    account number asked in a modal whose submission approves."""
    order = _decision(click, "approve")
    shown = load_approval(click.deps, order.request_id)
    kind = click.deps.actions.approvals.get(shown.kind) if shown else None
    if kind is not None and kind.confirm_by_typing:
        with _stale_requests_settled(click):
            request = vet_decision(order, click.actor, click.deps)
        label = click.services.looks(request.kind).label
        click.client.views_open(
            trigger_id=click.trigger_id, view=approve_modal(request, label=label)
        )
        return
    with _stale_requests_settled(click):
        decided = decide_approval(order, click.actor, click.deps)
    approved(click.services, click.client, decided.request)


def approved(services: Services, client: WebClient, request: ApprovalView) -> None:
    """After an approval: the message redrawn ("1 of 2 approvals" while short of the quorum);
    once approved, the requester told and the run worked."""
    if request.state is ApprovalState.PENDING:
        redraw(services, client, request)
        return
    announce_outcome(services, client, request)
    carry_out = services.looks(request.kind).approved
    if carry_out is not None:
        carry_out(services, client, request)
        return
    run = run_for_approval(services.deps, request.id)
    if run is not None:
        work_run(services, client, run.id)


def on_deny(click: Click) -> None:
    """Checked as a decision at once; the reason is then asked in a modal."""
    with _stale_requests_settled(click):
        request = vet_decision(_decision(click, "deny"), click.actor, click.deps)
    label = click.services.looks(request.kind).label
    click.client.views_open(trigger_id=click.trigger_id, view=deny_modal(request, label=label))


def on_cancel(click: Click) -> None:
    """The requester takes their request back; their confirmation says so in its place."""
    order = CancelApproval(request_id=click.value(RecordRef).id)
    request = cancel_approval(order, click.actor, click.deps)
    redraw(click.services, click.client, request)
    label, zone = click.services.looks(request.kind).label, click.services.settings.zone
    click.replace(said(outcome_notice(request, label=label, zone=zone)))


def _decision(click: Click, decision: Literal["approve", "deny"]) -> DecideApproval:
    """The decision the button asks for, on the request as shown in the message clicked."""
    request_id = click.value(RecordRef).id
    return DecideApproval(
        request_id=request_id, decision=decision, message_ts=click.clicked.message_ts
    )


@contextmanager
def _stale_requests_settled(click: Click) -> Iterator[None]:
    """A click that finds its request out of date settles it for everyone before the refusal
    is told: an expired request is expired (and every other one due), a request whose
    requester lost the role shows its cancellation and its requester is told, and a request
    decided already is redrawn as recorded when nothing else will redraw it."""
    try:
        yield
    except AlreadyDecided as exc:
        # The message may still show Approve because its redraw was lost (the process died
        # after the decision): a run that has ended draws no more, so redraw it from the record.
        run = run_for_approval(click.deps, exc.request.id)
        if run is None or run.state in (RunState.SUCCEEDED, RunState.FAILED):
            redraw(click.services, click.client, exc.request)
        raise
    except RequestExpired:
        expire_and_announce(click.services, click.client)
        raise
    except RequesterLostRole as exc:
        announce_outcome(click.services, click.client, exc.request)
        raise


LISTENERS = {APPROVE: on_approve, DENY: on_deny, CANCEL: on_cancel}
