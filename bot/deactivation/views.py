"""Block Kit for deactivation: the request modal with its blast radius, the radius in the
approval message, the live step list, the growth and failure notes, and the final summary."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    DividerBlock,
    InputBlock,
    Option,
    RadioButtonsElement,
)
from slack_sdk.models.views import View

from audit.models import StepState
from bot.deactivation.radius import MAX_NUMBERS_SHOWN as MAX_NUMBERS_SHOWN
from bot.deactivation.radius import children_text as children_text
from bot.deactivation.radius import numbers_text, radius_blocks
from bot.deactivation.radius import zuora_text as zuora_text
from bot.edge.blocks import esc, local_time, message, section, sentence_start
from bot.edge.codecs import AccountRef
from bot.edge.modals import modal, text_input
from bot.runs.retry import retry_button
from bot.runs.schedule import schedule_buttons
from commands.approvals.requests import MAX_REASON
from commands.deactivation.checks import CHILDREN_FIELD
from commands.deactivation.request import (
    DETACH,
    MARK,
    REVIEW,
    STEP_LABELS,
    BlastRadius,
    DeactivationPreview,
    DeactivationSummary,
    Growth,
    RunView,
    StepView,
)
from integrations.platform import Collection

REQUEST_MODAL = "deactivation.request"
LOADING_MODAL = "deactivation.loading"
REASON_BLOCK = "reason"
CONFIRM_BLOCK = "confirm"
CHILDREN_BLOCK = CHILDREN_FIELD
INPUT_ACTION = "value"
_COLLECTIONS = {c.value for c in Collection}

_STATE_ICON = {
    StepState.PENDING: ":white_small_square:",
    StepState.RUNNING: ":arrows_counterclockwise:",
    StepState.DONE: ":white_check_mark:",
    StepState.FAILED: ":x:",
}


def title(account: str, name: str) -> str:
    return f"Deactivate account {account} · {name}"


# -- the request modal --------------------------------------------------------------------------


def loading_modal(account: str) -> View:
    text = f":hourglass_flowing_sand: Reading everything account *{esc(account)}* holds…"
    return modal("Deactivate account", [section(text)], callback_id=LOADING_MODAL)


def request_modal(preview: DeactivationPreview) -> View:
    account, radius = preview.account, preview.radius
    blocks: list[Block] = [
        section(
            f":warning: *Deactivate {esc(account.name)}* (account {esc(account.id)})?\n"
            "This removes everything below from the Jet Hub platform, quarantines its numbers "
            "and marks the account deactivated. It needs a second person (an approver) to "
            "approve it first."
        ),
        *radius_blocks(radius),
        DividerBlock(),
        text_input(
            REASON_BLOCK,
            "Reason (shown to the approvers)",
            max_length=MAX_REASON,
            multiline=True,
            action_id=INPUT_ACTION,
        ),
        *_children_choice(radius),
        text_input(
            CONFIRM_BLOCK,
            f"Type the account number ({account.id}) to confirm",
            max_length=20,
            action_id=INPUT_ACTION,
        ),
    ]
    return modal(
        "Deactivate account",
        blocks,
        callback_id=REQUEST_MODAL,
        submit="Request approval",
        meta=AccountRef(account=account.id),
    )


CHILDREN_CHOICES = {
    "detach": "Detach them: they become accounts of their own",
    "keep": "Keep them: they stay active under the deactivated parent",
}


def _children_choice(radius: BlastRadius) -> list[Block]:
    """What becomes of the active child accounts: the request must say."""
    count = len(radius.active_children)
    if not count:
        return []
    options = [Option(value=v, label=label) for v, label in CHILDREN_CHOICES.items()]
    return [
        InputBlock(
            block_id=CHILDREN_BLOCK,
            label=f"The {count} active child account{'s' if count != 1 else ''}",
            element=RadioButtonsElement(action_id=INPUT_ACTION, options=options),
        )
    ]


# -- the run ------------------------------------------------------------------------------------


def steps_block(steps: Sequence[StepView], live: tuple[str, int, int] | None = None) -> Block:
    lines = []
    for step in steps:
        label = sentence_start(esc(STEP_LABELS.get(step.name, step.name)))
        line = f"{_STATE_ICON[step.state]} {label}"
        if step.state is StepState.DONE and step.detail:
            line += f" — {step_result(step.name, step.detail)}"
        elif live and live[0] == step.name and step.state is StepState.RUNNING:
            line += f" — {live[1]}/{live[2]}"
        lines.append(line)
    return section("*Progress*\n" + "\n".join(lines))


def step_result(name: str, detail: dict[str, Any]) -> str:
    """What a finished step did, in a few words."""
    if name == REVIEW:
        grew = detail.get("grew")
        return "grew since the request (see thread)" if grew else "unchanged since the request"
    if name == MARK:
        return f"status {esc(detail.get('status', '?'))}"
    if name == DETACH:
        if detail.get("plan") == "detach":
            return f"{detail.get('detached', 0)} detached"
        return "none detached (kept under the deactivated parent, as the request said)"
    if name == Collection.PHONE_NUMBERS.value:
        until = f" until {_day(detail['until'])}" if detail.get("until") else ""
        return (
            f"{detail.get('quarantined', 0)} quarantined{until}, "
            f"{detail.get('already_quarantined', 0)} already were"
        )
    text = f"{detail.get('removed', 0)} removed"
    if detail.get("already_gone"):
        text += f", {detail['already_gone']} already gone"
    return text


def step_reply(name: str, detail: dict[str, Any]) -> str:
    label = sentence_start(esc(STEP_LABELS.get(name, name)))
    return f":white_check_mark: {label}: {step_result(name, detail)}"


def growth_reply(growth: Growth) -> dict[str, Any]:
    parts = [f"+{esc(Collection(name).counted(count))}" for name, count in growth.added.items()]
    text = (
        ":warning: The account grew since the request was approved: "
        + ", ".join(parts)
        + ". Those are included in the deactivation."
    )
    blocks: list[Block] = [section(text)]
    if growth.new_numbers:
        blocks.append(section("*New numbers to quarantine:* " + numbers_text(growth.new_numbers)))
    return message(text, blocks)


def failure_blocks(run_id: str, step: str, error: str) -> list[Block]:
    label = esc(STEP_LABELS.get(step, step))
    return [
        section(
            f":x: *Stopped at “{label}”.* The backend said: {esc(error)}\n"
            "Nothing after this step was done. Retry resumes from this step."
        ),
        ActionsBlock(
            block_id="deactivation.failed",
            elements=[
                retry_button(run_id, style="primary"),
            ],
        ),
    ]


def failure_reply(step: str, error: str) -> dict[str, Any]:
    """The thread's line when a run stops. Its Retry button lives only on the request message,
    which is redrawn from the run's record, so no stale Retry is left in the thread."""
    label = esc(STEP_LABELS.get(step, step))
    text = (
        f":x: *Stopped at “{label}”.* The backend said: {esc(error)}\n"
        "Nothing after this step was done. An approver can *Retry* on the request message "
        "above; it resumes from this step."
    )
    return message(f"Deactivation stopped at {STEP_LABELS.get(step, step)}", [section(text)])


def requester_update(
    account: str, state: str, *, link: str | None, step: str | None = None, detail: str = ""
) -> dict[str, Any]:
    """A direct message that keeps the requester's view of their deactivation true: it
    ``stopped`` at a step, is ``running`` again after a Retry, or ``finished`` (or ``refused``)."""
    where = f" (<{link}|the request>)" if link else ""
    what = f"Your deactivation of account *{esc(account)}*{where}"
    if state == "stopped":
        label = esc(STEP_LABELS.get(step or "", step or "?"))
        text = (
            f":x: {what} *stopped* at “{label}”: {esc(detail)}. It is approved but not finished; "
            "an approver can Retry it from that step."
        )
    elif state == "running":
        text = f":repeat: {what} is *running again*: {detail} retried it from the step that failed."
    elif state == "refused":
        text = f":no_entry: {what} did nothing: {esc(detail)}"
    else:
        text = f":white_check_mark: {what} is *finished*: the account is deactivated."
    return message(text, [section(text)])


def scheduled_dm(account: str, run: RunView, zone: ZoneInfo, *, link: str | None) -> dict[str, Any]:
    """The requester's DM when the deactivation is approved into its cancel window."""
    assert run.not_before is not None
    where = f" (<{link}|the request>)" if link else ""
    text = (
        f":alarm_clock: Your deactivation of account *{esc(account)}*{where} is approved and "
        f"*scheduled for {local_time(run.not_before, zone)}*. Until then you can cancel it: "
        "nothing is removed before that time."
    )
    return message(
        text,
        [section(text), schedule_buttons(run.id, run_now=False, block_id="deactivation.dm")],
    )


def summary_text(summary: DeactivationSummary) -> str:
    removed = ", ".join(
        esc(Collection(t.name).counted(t.count))
        if t.name in _COLLECTIONS
        else f"{t.count} {esc(t.label)}"
        for t in summary.removed
        if t.name != Collection.SUBSCRIPTIONS.value
    )
    unlinked = ", ".join(esc(s) for s in summary.unlinked[:40]) or "none"
    if len(summary.unlinked) > 40:
        unlinked += f" … and {len(summary.unlinked) - 40} more"
    already = (
        f" ({summary.already_quarantined} were already quarantined)"
        if summary.already_quarantined
        else ""
    )
    until = (
        f", held until {summary.quarantine_until:%d %b %Y} (reusable from then)"
        if summary.quarantine_until
        else ""
    )
    detached = (
        f"\n*Detached child accounts:* {', '.join(esc(c) for c in summary.detached)}."
        if summary.detached
        else ""
    )
    return (
        f":white_check_mark: *Account {esc(summary.account)} ({esc(summary.name)}) is "
        f"deactivated.*\n*Removed:* {removed}.\n*Quarantined:* {summary.quarantined} phone "
        f"numbers{already}{until}.\n*Unlinked Zuora subscription ids:* {unlinked}.{detached}"
    )


def _day(iso: str) -> str:
    try:
        return f"{date.fromisoformat(iso):%d %b %Y}"
    except ValueError:
        return esc(iso)


def summary_blocks(summary: DeactivationSummary) -> list[Block]:
    return [section(summary_text(summary))]


def summary_reply(summary: DeactivationSummary) -> dict[str, Any]:
    return message(f"Account {summary.account} is deactivated", summary_blocks(summary))


def refused_blocks(text: str) -> list[Block]:
    """A run that found it must not act (the account was already deactivated)."""
    return [section(f":no_entry: {esc(text)}")]
