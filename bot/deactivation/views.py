"""Block Kit for deactivation: the request modal with its blast radius, the radius in the
approval message, the live step list, the growth and failure notes, and the final summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from audit.models import StepState
from bot.edge.blocks import context, esc, local_time, message, money, section, sentence_start
from bot.edge.codecs import AccountRef
from bot.runs.retry import retry_button
from bot.runs.schedule import schedule_buttons
from commands.approvals.requests import MAX_REASON
from commands.deactivation.request import (
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
from integrations.phone import format_au_number
from integrations.platform import Collection

REQUEST_MODAL = "deactivation.request"
LOADING_MODAL = "deactivation.loading"
REASON_BLOCK = "reason"
CONFIRM_BLOCK = "confirm"
INPUT_ACTION = "value"
MAX_NUMBERS_SHOWN = 60
MAX_CHILDREN_SHOWN = 10
_SECTION_TEXT = 2900
_COLLECTIONS = {c.value for c in Collection}

_STATE_ICON = {
    StepState.PENDING: ":white_small_square:",
    StepState.RUNNING: ":arrows_counterclockwise:",
    StepState.DONE: ":white_check_mark:",
    StepState.FAILED: ":x:",
}


def title(account: str, name: str) -> str:
    return f"Deactivate account {account} · {name}"


# -- the blast radius ---------------------------------------------------------------------------


def numbers_text(numbers: Sequence[str], *, limit: int = MAX_NUMBERS_SHOWN) -> str:
    """The numbers to quarantine, formatted; a long list is cut with how many more there are."""
    if not numbers:
        return "_no numbers in service_"
    shown: list[str] = []
    used = 0
    for number in numbers[:limit]:
        piece = format_au_number(number)
        if used + len(piece) + 2 > _SECTION_TEXT - 80:
            break
        shown.append(piece)
        used += len(piece) + 2
    text = ", ".join(esc(n) for n in shown)
    if len(shown) < len(numbers):
        text += f" … and {len(numbers) - len(shown)} more"
    return text


def radius_blocks(radius: BlastRadius) -> list[Block]:
    """Per step, how many things go; then the numbers to quarantine."""
    fields: list[str] = []
    for collection in Collection:
        count = radius.counts.get(collection.value, 0)
        if collection is Collection.PHONE_NUMBERS:
            fields.append(f"*Numbers to quarantine*\n{count}")
        else:
            fields.append(f"*{esc(sentence_start(collection.label))}*\n{count} to remove")
    blocks: list[Block] = []
    for start in range(0, len(fields), 10):
        blocks.append(
            SectionBlock(fields=[MarkdownTextObject(text=f) for f in fields[start : start + 10]])
        )
    numbers = numbers_text(radius.numbers)
    extra = (
        f" ({radius.already_quarantined} already quarantined)" if radius.already_quarantined else ""
    )
    blocks.append(
        section(f"*Phone numbers to quarantine ({len(radius.numbers)}){extra}:* {numbers}")
    )
    if radius.subscription_ids:
        ids = ", ".join(esc(s) for s in radius.subscription_ids[:40])
        more = len(radius.subscription_ids) - 40
        blocks.append(
            context(
                f"Zuora subscription ids to unlink: {ids}"
                + (f" … and {more} more" if more > 0 else "")
            )
        )
    blocks.append(section(children_text(radius)))
    blocks.append(section(zuora_text(radius)))
    return blocks


def children_text(radius: BlastRadius) -> str:
    """The child accounts, and what happens to them: nothing — they stay, under a deactivated
    parent."""
    children = radius.children
    if not children:
        return "*Child accounts:* none."
    shown = ", ".join(f"{esc(c.name)} ({esc(c.id)})" for c in children[:MAX_CHILDREN_SHOWN])
    more = len(children) - MAX_CHILDREN_SHOWN
    listed = shown + (f" … and {more} more" if more > 0 else "")
    fate = (
        "It is *not* deactivated: it stays active and will point"
        if len(children) == 1
        else "They are *not* deactivated: they stay active and will point"
    )
    return (
        f":warning: *Child accounts ({len(children)}):* {listed}.\n{fate} at a deactivated "
        "parent. Move or deactivate them separately if that is not wanted."
    )


def zuora_text(radius: BlastRadius) -> str:
    """The Zuora account the bot leaves Active, with the balance still owing."""
    left = radius.zuora
    if left is None:  # a request stored before this was read
        return "*Zuora:* the bot does not cancel the Zuora account; billing does that in Zuora."
    number = f" {esc(left.account_number)}" if left.account_number else ""
    if left.problem:
        owing = esc(left.problem)
    elif left.balance is not None and left.balance > 0:
        owing = f"Balance still owing: *{money(left.balance, left.currency)}*."
    else:
        owing = f"Balance: {money(left.balance, left.currency)} (nothing owing)."
    return (
        f"*Zuora account{number}:* {owing}\n"
        "The bot does *not* cancel the Zuora account: it stays Active in Zuora (only the "
        "subscription ids above are unlinked on the platform). The billing team cancels it, "
        "and settles any balance, in Zuora."
    )


# -- the request modal --------------------------------------------------------------------------


def loading_modal(account: str) -> View:
    return View(
        type="modal",
        callback_id=LOADING_MODAL,
        title="Deactivate account",
        close="Close",
        blocks=[
            section(f":hourglass_flowing_sand: Reading everything account *{esc(account)}* holds…")
        ],
    )


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
        InputBlock(
            block_id=REASON_BLOCK,
            label="Reason (shown to the approvers)",
            element=PlainTextInputElement(
                action_id=INPUT_ACTION, multiline=True, max_length=MAX_REASON
            ),
        ),
        InputBlock(
            block_id=CONFIRM_BLOCK,
            label=f"Type the account number ({account.id}) to confirm",
            element=PlainTextInputElement(action_id=INPUT_ACTION, max_length=20),
        ),
    ]
    return View(
        type="modal",
        callback_id=REQUEST_MODAL,
        private_metadata=AccountRef(account=account.id).encode(),
        title="Deactivate account",
        submit="Request approval",
        close="Cancel",
        blocks=blocks,
    )


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
    if name == Collection.PHONE_NUMBERS.value:
        return (
            f"{detail.get('quarantined', 0)} quarantined, "
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
    return (
        f":white_check_mark: *Account {esc(summary.account)} ({esc(summary.name)}) is "
        f"deactivated.*\n*Removed:* {removed}.\n*Quarantined:* {summary.quarantined} phone "
        f"numbers{already}.\n*Unlinked Zuora subscription ids:* {unlinked}."
    )


def summary_blocks(summary: DeactivationSummary) -> list[Block]:
    return [section(summary_text(summary))]


def summary_reply(summary: DeactivationSummary) -> dict[str, Any]:
    return message(f"Account {summary.account} is deactivated", summary_blocks(summary))


def refused_blocks(text: str) -> list[Block]:
    """A run that found it must not act (the account was already deactivated)."""
    return [section(f":no_entry: {esc(text)}")]
