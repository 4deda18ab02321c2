"""How the suspension's refusals are told: ``WORDS`` are registered with the one error boundary
(``bot.edge.boundary.render_error``) by the composition root, so every process words them alike."""

from __future__ import annotations

from bot.edge.blocks import esc, local_time, who
from bot.edge.boundary import Message, said
from bot.suspension.views import suspension_line
from commands.suspension.models import AlreadySettled, AlreadySuspended, AwaitingApproval


def _already_suspended(exc: AlreadySuspended, verb: str | None = None) -> Message:
    return said(
        f"Account {esc(exc.account)} is already suspended. Nothing changed.\n"
        + suspension_line(exc.state, exc.zone)
    )


def _awaiting_approval(exc: AwaitingApproval, verb: str | None = None) -> Message:
    return said(
        f"A suspension of account {esc(exc.account)} requested by "
        f"{who(exc.request.requested_by)} is already waiting for an approver "
        f"(until {local_time(exc.request.expires_at, exc.zone)}). Nothing new was requested."
    )


def _already_settled(exc: AlreadySettled, verb: str | None = None) -> Message:
    return said(
        f"Already done: this was {exc.settled.state} by {who(exc.settled.by)} at "
        f"{local_time(exc.settled.at, exc.zone)}. Nothing more was done by this click."
    )


WORDS = (_already_suspended, _awaiting_approval, _already_settled)
