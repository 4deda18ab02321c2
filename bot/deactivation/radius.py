"""The blast radius in Block Kit, for the request modal and the approval message: per step how
many things go, the numbers to quarantine, and what the deactivation leaves — the child accounts
(and what becomes of them) and the Zuora account, with billing's warnings."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.edge.blocks import context, esc, money, section, sentence_start
from commands.deactivation.radius import BlastRadius, ZuoraLeft
from integrations.phone import format_au_number
from integrations.platform import Collection

MAX_NUMBERS_SHOWN = 60
MAX_CHILDREN_SHOWN = 10
_SECTION_TEXT = 2900


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
    """The child accounts, and what happens to them: detached (they become accounts of their
    own), or kept — active, under a deactivated parent; before the request says, the choice."""
    children = radius.children
    if not children:
        return "*Child accounts:* none."
    shown = ", ".join(
        f"{esc(c.name)} ({esc(c.id)}{'' if c.active else ', deactivated'})"
        for c in children[:MAX_CHILDREN_SHOWN]
    )
    more = len(children) - MAX_CHILDREN_SHOWN
    listed = shown + (f" … and {more} more" if more > 0 else "")
    one = len(children) == 1
    if radius.children_plan == "detach":
        fate = (
            "They are *not* deactivated: the deactivation first *detaches* the active ones, "
            "which become accounts of their own."
        )
    elif radius.children_plan == "keep" or not radius.active_children:
        fate = (
            "It is *not* deactivated: it stays active and will point"
            if one
            else "They are *not* deactivated: they stay active and will point"
        ) + " at a deactivated parent."
    else:
        fate = (
            "They are *not* deactivated with it: choose below whether the deactivation "
            "detaches them (they become accounts of their own) or keeps them, active, under "
            "the deactivated parent."
        )
    return f":warning: *Child accounts ({len(children)}):* {listed}.\n{fate}"


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
        f"*Zuora account{number}:* {owing}{_billing_warnings(left)}\n"
        "The bot does *not* cancel the Zuora account: it stays Active in Zuora (only the "
        "subscription ids above are unlinked on the platform). The billing team cancels it, "
        "and settles any balance, in Zuora."
    )


def _billing_warnings(left: ZuoraLeft) -> str:
    """What billing must settle after the deactivation: a credit owed to the customer (refund
    it), unpaid invoices (collect or write them off)."""
    lines = []
    if left.credit:
        lines.append(
            f":warning: The customer is owed a *credit of {money(left.credit, left.currency)}*: "
            "refund it in Zuora."
        )
    if left.unpaid_invoices:
        invoices = "invoice" if left.unpaid_invoices == 1 else "invoices"
        lines.append(
            f":warning: *{left.unpaid_invoices} unpaid {invoices}* "
            f"({money(left.unpaid_total, left.currency)}): collect or write them off in Zuora."
        )
    if left.invoices_problem:
        lines.append(f":warning: Unpaid invoices not known: {esc(left.invoices_problem)}")
    return "".join(f"\n{line}" for line in lines)
