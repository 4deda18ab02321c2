"""The Retry button a failed run shows wherever it is shown (its request, a reply, the account
card): it names the run only, and ``bot.runs.actions`` answers it for every kind."""

from __future__ import annotations

from slack_sdk.models.blocks import ButtonElement

from bot.edge.codecs import RecordRef

# The id predates Retry for every kind; buttons already posted in Slack still carry it.
RETRY = "deactivation.retry"


def retry_button(run_id: str, *, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text="Retry", action_id=RETRY, value=RecordRef(id=run_id).encode(), style=style
    )
