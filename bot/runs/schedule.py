"""A run waiting for its time, wherever it is shown (its request, the requester's DM, the account
card): when it will run, **Cancel** (asks for a reason) and, for an admin, **Run now**. The
buttons name the run only; ``bot.runs.actions`` answers them for every kind."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
)
from slack_sdk.models.views import View

from bot.edge.blocks import esc, local_time, message, section, who
from bot.edge.codecs import RecordRef
from bot.edge.modals import modal, text_input
from commands.approvals.requests import MAX_REASON
from commands.runs.kinds import RunView

CANCEL_RUN = "run.cancel"
RUN_NOW = "run.run_now"
CANCEL_MODAL = "run.cancel_reason"
CANCEL_REASON_BLOCK = "reason"
CANCEL_REASON_ACTION = "value"


def scheduled_text(label: str, starts_at: datetime, zone: ZoneInfo) -> str:
    return (
        f":alarm_clock: The {esc(label)} is approved and *scheduled for "
        f"{local_time(starts_at, zone)}*. Until then it can be cancelled and nothing is removed."
    )


def cancelled_text(label: str, run: RunView, zone: ZoneInfo) -> str:
    """A run cancelled before it started, from its record."""
    note = run.cancelled or {}
    by = f" by {who(str(note['by']))}" if note.get("by") else ""
    why = f": {esc(note['reason'])}" if note.get("reason") else ""
    when = local_time(run.updated_at, zone)
    return (
        f":no_entry_sign: The {esc(label)} was *cancelled*{by} on {when}, before it started"
        f"{why}. Nothing was done."
    )


def schedule_buttons(run_id: str, *, run_now: bool, block_id: str) -> ActionsBlock:
    """Cancel (everyone it is shown to may try; the command checks), and Run now for admins."""
    value = RecordRef(id=run_id).encode()
    elements = [ButtonElement(text="Cancel", action_id=CANCEL_RUN, value=value, style="danger")]
    if run_now:
        elements.append(
            ButtonElement(
                text="Run now",
                action_id=RUN_NOW,
                value=value,
                confirm=ConfirmObject(
                    title="Run it now?",
                    text="It starts at once: the rest of the cancel window is skipped.",
                    confirm="Run now",
                    deny="Back",
                ),
            )
        )
    return ActionsBlock(block_id=block_id, elements=elements)


def scheduled_blocks(
    label: str, run: RunView, zone: ZoneInfo, *, run_now: bool = True
) -> list[Block]:
    """A run waiting for its time: when, and its buttons."""
    assert run.not_before is not None
    return [
        section(scheduled_text(label, run.not_before, zone)),
        schedule_buttons(run.id, run_now=run_now, block_id="run.scheduled"),
    ]


def cancel_modal(run: RunView, *, label: str) -> View:
    blocks = [
        section(
            f"Cancel the {esc(label)} of account *{esc(run.account)}* before it starts? "
            "Nothing of it will be done; asking again starts from the beginning."
        ),
        text_input(
            CANCEL_REASON_BLOCK,
            "Why? (shown on the request and to the requester)",
            max_length=MAX_REASON,
            multiline=True,
            action_id=CANCEL_REASON_ACTION,
        ),
    ]
    meta = RecordRef(id=run.id)
    return modal(
        "Cancel", blocks, callback_id=CANCEL_MODAL, submit="Cancel it", close="Back", meta=meta
    )


def cancelled_notice(label: str, run: RunView, zone: ZoneInfo) -> dict[str, Any]:
    text = cancelled_text(label, run, zone)
    return message(text, [section(text)])
