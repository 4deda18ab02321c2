"""How a deactivation shows in Slack: its request (the blast radius, then the run's steps as
they go) and its run (it works itself, drawing its progress; a Retry also tells the requester)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from bot.approvals.requests import KindUI
from bot.deactivation import views
from bot.deactivation.progress import run_blocks, run_deactivation
from bot.runs.faces import RunFace
from commands.approvals.model import ApprovalView, permalink
from commands.deactivation.radius import BlastRadius
from commands.deactivation.run import KIND

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.runtime.services import Services

log = logging.getLogger(__name__)


def _title(request: ApprovalView) -> str:
    return views.title(request.account, str(request.preview.get("name") or ""))


def _body(request: ApprovalView) -> list[Block]:
    try:
        return views.radius_blocks(BlastRadius.model_validate(request.preview))
    except ValueError:
        return []


def tell_requester_retried(
    services: Services, client: WebClient, request: ApprovalView, by: str
) -> None:
    """The requester's DM after a Retry of their stopped deactivation: running again."""
    link = (
        permalink(request.channel, request.message_ts)
        if request.channel and request.message_ts
        else None
    )
    payload = views.requester_update(request.account, "running", link=link, detail=f"<@{by}>")
    try:
        client.chat_postMessage(channel=request.requested_by, **payload)
    except SlackApiError as exc:
        log.warning("could not tell the requester: %s", exc.response.get("error"))


LOOK = KindUI(
    kind=KIND, label="deactivation", verb="deactivate", title=_title, body=_body, after=run_blocks
)
FACE = RunFace(kind=KIND, works=run_deactivation, retried=tell_requester_retried)
