"""What a digest row's Take answers: that you are chasing the account now, or who already is,
with an explicit *Take over*."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.digest.views import TAKE_OVER_ACTION
from bot.edge.blocks import esc, message, section, who
from bot.edge.codecs import TakeOverRef
from commands.digest.take import Taken, TakenAlready


def taken_message(result: Taken) -> dict[str, Any]:
    over = f" (taken over from {who(result.before.by)})" if result.before else ""
    text = (
        f":telephone_receiver: You are chasing *{esc(result.name)}* (`{esc(result.account)}`)"
        f"{over}: the digest's row and the account card say so."
    )
    return message(f"You are chasing {result.account}", [section(text)])


def taken_already_message(error: TakenAlready) -> dict[str, Any]:
    text = (
        f"{who(error.holder.by)} is already chasing *{esc(error.name)}* "
        f"(`{esc(error.account)}`), so nothing changed. Take it over only if they agree."
    )
    over = ButtonElement(
        text="Take over",
        action_id=TAKE_OVER_ACTION,
        value=TakeOverRef(account=error.account, holder=error.holder.by).encode(),
    )
    blocks = [section(text), ActionsBlock(block_id="digest.take_over", elements=[over])]
    return message(f"{error.holder.by} is already chasing {error.account}", blocks)
