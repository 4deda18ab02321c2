"""Block Kit for the overdue digest: the summary, one row per account with its buttons, the
pages a long digest is split into, the snooze modal and its reply, and a plain-text rendering
for ``jethub digest --dry-run``.

Pure functions from ``commands.digest.overdue`` / ``commands.digest.snooze`` results to
``slack_sdk.models``; every outside string (account names, reasons) goes through ``esc()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    Option,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.digest.bulk_views import bulk_button
from bot.digest.text import (
    broken_text,
    day_text,
    excluded_text,
    money,
    plural,
    promised_text,
    with_chaser,
)
from bot.edge.blocks import MAX_MESSAGE_BLOCKS, context, esc, message, section, verb_button, who
from bot.edge.codecs import SnoozeRef
from bot.edge.modals import modal, text_input
from commands.digest.overdue import Digest, DigestRow
from commands.digest.rows import RowAction
from commands.digest.snooze import (
    MAX_REASON,
    PRESET_FIELD,
    UNTIL_A_DATE,
    Snoozed,
    SnoozeForm,
    preset_label,
)

SNOOZE_ACTION = "digest.snooze"
TAKE_ACTION, TAKE_OVER_ACTION = "digest.take", "digest.take_over"
SNOOZE_MODAL = "digest.snooze_modal"
UNTIL_BLOCK, REASON_BLOCK = "until", "reason"  # the command's field names: errors land on them
FOR_BLOCK = PRESET_FIELD  # the preset lengths (3 days, 1 week, 2 weeks, until a date)
INPUT_ACTION = "value"

BLOCKS_PER_ROW = 2
SUMMARY_BLOCKS = 3  # header, summary section, policy context
# Rows per thread message: a context line plus two blocks a row stay within 50 blocks.
ROWS_PER_PAGE = (MAX_MESSAGE_BLOCKS - 1) // BLOCKS_PER_ROW


def summary_text(digest: Digest) -> str:
    if digest.rows:
        head = (
            f"*{plural(len(digest.rows), 'account')}* overdue for suspension, "
            f"*{money(digest.total_overdue, digest.currency)}* overdue in total; "
            f"*{digest.newly_overdue:,}* newly overdue since yesterday."
        )
    else:
        head = "*No accounts* are overdue for suspension today."
    held = [
        f"{plural(digest.suspended, 'account')} already suspended",
        f"{plural(digest.snoozed, 'account')} snoozed",
    ]
    if digest.excluded:
        held.append(f"{plural(len(digest.excluded), 'account')} excluded from suspension")
    if digest.promised:
        held.append(f"{plural(len(digest.promised), 'account')} promised to pay")
    text = f"{head}\nNot listed: {', '.join(held[:-1])} and {held[-1]}."
    text += excluded_text(digest) + promised_text(digest)
    if digest.unlinked_invoices:
        text += (
            f"\n:warning: {plural(digest.unlinked_invoices, 'overdue invoice')} in Zuora "
            "name no Jet Hub account (`JetHubAccount__c` is empty) and are not counted."
        )
    return text


def policy_text(digest: Digest, at: datetime | None, zone: ZoneInfo) -> str:
    when = f" as of {at.astimezone(zone):%H:%M %Z}" if at else ""
    return (
        f"Invoices at least {plural(digest.overdue_days, 'day')} past due, accounts owing at "
        f"least {money(digest.min_balance)} on them{when}. :new: = reached "
        f"{digest.overdue_days} days overdue today."
    )


def summary_blocks(digest: Digest, *, at: datetime | None, zone: ZoneInfo) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(text=f"Overdue invoices — {day_text(digest.day)}"),
        section(summary_text(digest)),
        context(policy_text(digest, at, zone)),
    ]
    return blocks + ([bulk_button(digest)] if digest.rows else [])


def row_text(row: DigestRow) -> str:
    new = " :new:" if row.newly_overdue else ""
    return (
        f"*{esc(row.name)}* · `{esc(row.account)}`{new}\n"
        f"{money(row.amount_overdue, row.currency)} overdue on "
        f"{plural(row.invoices, 'invoice')}; oldest due {day_text(row.oldest_due)} "
        f"({plural(row.days_overdue, 'day')} overdue)" + broken_text(row)
    )


ROW_ACTIONS_BLOCK = "digest.actions."  # + the account: the row's buttons
ROW_DONE_BLOCK = "digest.done."  # + the account: what became of the row, once acted on


def row_blocks(row: DigestRow, origin: str) -> list[Block]:
    return [
        SectionBlock(block_id=f"{ROW_BLOCK}{row.account}", text=row_text(row)[:3000]),
        ActionsBlock(
            block_id=f"{ROW_ACTIONS_BLOCK}{row.account}",
            elements=[
                verb_button("suspend", row.account, "Suspend", origin=origin, style="danger"),
                ButtonElement(text="Snooze", action_id=SNOOZE_ACTION, value=row.account),
                verb_button("promise", row.account, "Promise to pay", origin=origin),
                ButtonElement(text="Take", action_id=TAKE_ACTION, value=row.account),
                verb_button("account", row.account, "View account"),
            ],
        ),
    ]


def row_action_text(action: RowAction, zone: ZoneInfo) -> str:
    """ "Suspended by @x 10:42" / "Snoozed until Wed 3 Dec by @x" (local time)."""
    if action.done == "suspended":
        return f"Suspended by {who(action.by)} {action.at.astimezone(zone).strftime('%H:%M')}"
    if action.done == "promised":
        return f"Promised {_promise(action)} (recorded by {who(action.by)})"
    until = f" until {day_text(action.until)}" if action.until else ""
    return f"Snoozed{until} by {who(action.by)}"


def stale_row_text(account: str, action: RowAction, zone: ZoneInfo) -> str:
    """What a button on a row someone already acted on answers, in plain words."""
    at = action.at.astimezone(zone).strftime("%H:%M")
    if action.done == "suspended":
        done = f"was suspended by {who(action.by)} at {at}"
    elif action.done == "promised":
        done = f"was promised to pay {_promise(action)}, recorded by {who(action.by)} at {at}"
    else:
        until = f" until {day_text(action.until)}" if action.until else ""
        done = f"was snoozed{until} by {who(action.by)} at {at}"
    return f"Account {esc(account)} {done}, after this digest listed it. Nothing was done."


def _promise(action: RowAction) -> str:
    amount = money(action.amount) if action.amount is not None else "to pay"
    return f"{amount} by {day_text(action.until)}" if action.until else amount


ROW_BLOCK = "digest.row."  # + the account: the row's text


def chased_rows(blocks: Sequence[dict[str, Any]], account: str, by: str) -> list[dict[str, Any]]:
    """A posted digest message's blocks with ``account``'s row naming who is chasing it."""
    chased = []
    for block in blocks:
        if block.get("block_id") == f"{ROW_BLOCK}{account}" and isinstance(block.get("text"), dict):
            text = dict(block["text"])
            text["text"] = with_chaser(str(text.get("text", "")), by)[:3000]
            block = {**block, "text": text}
        chased.append(block)
    return chased


def open_rows(blocks: Sequence[dict[str, Any]]) -> list[str]:
    """The accounts whose row in a posted digest message still has its buttons."""
    return [
        str(block["block_id"]).removeprefix(ROW_ACTIONS_BLOCK)
        for block in blocks
        if str(block.get("block_id", "")).startswith(ROW_ACTIONS_BLOCK)
    ]


def settled_rows(
    blocks: Sequence[dict[str, Any]], acted: Mapping[str, RowAction], zone: ZoneInfo
) -> list[dict[str, Any]]:
    """A posted digest message's blocks with the buttons of each acted-on row replaced by what
    was done (the block count stays the same)."""
    settled = []
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        account = block_id.removeprefix(ROW_ACTIONS_BLOCK)
        action = acted.get(account) if block_id.startswith(ROW_ACTIONS_BLOCK) else None
        if action is None:
            settled.append(block)
            continue
        done = context(row_action_text(action, zone))
        done.block_id = f"{ROW_DONE_BLOCK}{account}"
        settled.append(done.to_dict())
    return settled


@dataclass(frozen=True)
class DigestPost:
    """A digest as chat messages: ``first`` goes to the channel, ``thread`` into its thread."""

    first: dict[str, Any]
    thread: list[dict[str, Any]]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [self.first, *self.thread]


def digest_post(
    digest: Digest, *, at: datetime | None, zone: ZoneInfo, listed: str = "in this thread"
) -> DigestPost:
    """One message when everything fits in 50 blocks; else the summary, rows in its thread."""
    summary = summary_blocks(digest, at=at, zone=zone)
    rows = [row_blocks(row, digest.origin) for row in digest.rows]
    fallback = f"Overdue invoices {digest.day.isoformat()}: " + _fallback(digest)
    if len(summary) + BLOCKS_PER_ROW * len(rows) <= MAX_MESSAGE_BLOCKS:
        return DigestPost(message(fallback, summary + [b for r in rows for b in r]), [])
    pages = [rows[i : i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)]
    summary.append(context(f"The {plural(len(rows), 'account')} are listed {listed}."))
    thread = []
    for number, page in enumerate(pages, start=1):
        first = (number - 1) * ROWS_PER_PAGE + 1
        label = f"Accounts {first} to {first + len(page) - 1} of {len(rows):,} (part {number})"
        blocks: list[Block] = [context(label), *[b for r in page for b in r]]
        thread.append(message(f"{fallback} — {label}", blocks))
    return DigestPost(message(fallback, summary), thread)


def ephemeral_pages(
    digest: Digest, *, at: datetime | None, zone: ZoneInfo, max_messages: int
) -> list[dict[str, Any]]:
    """``/jethub digest``: the same messages for one person, at most ``max_messages`` of them
    (a response URL takes five posts); the last says how many accounts were left out."""
    post = digest_post(digest, at=at, zone=zone, listed="below")
    pages = post.messages
    if len(pages) <= max_messages:
        return pages
    kept = pages[:max_messages]
    shown = (max_messages - 1) * ROWS_PER_PAGE
    left = len(digest.rows) - shown
    note = (
        f"…and {plural(left, 'more account')} not shown here. The daily digest lists them all "
        "in its thread; `jethub digest --dry-run` prints the whole list."
    )
    last = dict(kept[-1])
    # A thread page holds at most 49 blocks, so the note always fits.
    last["blocks"] = [*last.get("blocks", []), context(note).to_dict()]
    kept[-1] = last
    return kept


def _fallback(digest: Digest) -> str:
    return (
        f"{plural(len(digest.rows), 'account')} overdue, "
        f"{money(digest.total_overdue, digest.currency)} in total, "
        f"{digest.newly_overdue} newly overdue; {digest.suspended} suspended and "
        f"{digest.snoozed} snoozed not listed."
    )


# -- plain text (jethub digest --dry-run) ---------------------------------------------------


def digest_text(digest: Digest) -> str:
    lines = [
        f"Overdue invoices — {day_text(digest.day)}",
        _fallback(digest),
        f"(invoices at least {digest.overdue_days} days past due; accounts owing at least "
        f"{money(digest.min_balance)})",
    ]
    if digest.unlinked_invoices:
        lines.append(f"{digest.unlinked_invoices} overdue invoices name no Jet Hub account.")
    for ex in digest.excluded:
        lines.append(f"excluded from suspension: {ex.account} {ex.name[:40]} — {ex.reason}")
    for p in digest.promised:
        promise = f"{money(p.promise.amount)} by {p.promise.due.isoformat()} ({p.promise.by})"
        lines.append(f"promised to pay: {p.account} {p.name[:40]} — {promise}")
    lines.append("")
    for row in digest.rows:
        new = "  NEW" if row.newly_overdue else ""
        lines.append(
            f"{row.account:>8}  {row.name[:40]:<40}  "
            f"{money(row.amount_overdue, row.currency):>14}  "
            f"due {row.oldest_due.isoformat()} ({row.days_overdue} d)  "
            f"{plural(row.invoices, 'invoice')}{new}"
            + ("  PROMISE BROKEN" if row.broken_promise else "")
        )
    return "\n".join(lines)


# -- snooze -----------------------------------------------------------------------------------


SNOOZE_TITLE = "Snooze account"


def snooze_modal(form: SnoozeForm, meta: SnoozeRef) -> View:
    blocks: list[Block] = [
        section(
            f"Leave *{esc(form.name)}* (`{esc(form.account)}`) out of the overdue digest through "
            "the day you pick. It comes back the day after, if still overdue."
        )
    ]
    if form.current is not None:
        blocks.append(
            context(
                f"Already snoozed until {day_text(form.current.until)} by <@{esc(form.current.by)}>"
                f": “{esc(form.current.reason)}”. Snoozing again replaces that."
            )
        )
    presets = [
        Option(
            value=str(days),
            label=(
                f"{preset_label(days)} — through {day_text(form.today + timedelta(days=days))}"
                + (" (default)" if days == form.default_days else "")
            ),
        )
        for days in form.presets
    ]
    presets.append(Option(value=UNTIL_A_DATE, label="Until the date below"))
    default = next(o for o in presets if o.value == str(form.default_days))
    picked = form.current.until if form.current else form.today + timedelta(days=form.default_days)
    blocks += [
        InputBlock(
            block_id=FOR_BLOCK,
            label="Snooze for",
            element=RadioButtonsElement(
                action_id=INPUT_ACTION, options=presets, initial_option=default
            ),
        ),
        InputBlock(
            block_id=UNTIL_BLOCK,
            label="Date (with “Until the date below”; inclusive)",
            element=DatePickerElement(action_id=INPUT_ACTION, initial_date=picked.isoformat()),
            optional=True,
        ),
        text_input(
            REASON_BLOCK,
            "Why (a few words)",
            max_length=MAX_REASON,
            multiline=True,
            placeholder="e.g. payment plan agreed with the customer until the 30th",
            action_id=INPUT_ACTION,
        ),
    ]
    return modal(SNOOZE_TITLE, blocks, callback_id=SNOOZE_MODAL, submit="Snooze", meta=meta)


def snoozed_message(result: Snoozed) -> dict[str, Any]:
    text = (
        f":zzz: *{esc(result.name)}* (`{esc(result.account)}`) is snoozed until "
        f"{day_text(result.until)}: “{esc(result.reason)}”. It returns to the digest on "
        f"{day_text(result.back_on)} if still overdue."
    )
    blocks: list[Block] = [section(text)]
    if result.before is not None:
        blocks.append(
            context(
                f"Replaces the snooze until {day_text(result.before.until)} by "
                f"<@{esc(result.before.by)}>."
            )
        )
    return message(f"{result.account} snoozed until {result.until.isoformat()}", blocks)
