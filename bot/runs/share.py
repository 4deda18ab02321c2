"""The Share button a change's result ends with: it names the run, never the result, so what is
shared is the change as recorded (``bot.reading.share`` posts it)."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

SHARE_CHANGE_ACTION = "change.share"


def share_change_button(run_id: str) -> ButtonElement:
    """Share a change's result in the channel: the button names the run, never the result."""
    return ButtonElement(text="Share in channel", action_id=SHARE_CHANGE_ACTION, value=run_id)


def share_blocks(run_id: str | None) -> list[Block]:
    """The Share button a change's result ends with (nothing when no run made it)."""
    if run_id is None:
        return []
    return [ActionsBlock(block_id="change.result", elements=[share_change_button(run_id)])]
