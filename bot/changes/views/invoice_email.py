"""Block Kit for ``invoice-email``: the modal that shows the account's Bill To and Sold To
contacts and changes the Bill To email, and the reply that says what changed.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.changes.views.modal import heading, modal, plain, text_input
from bot.edge.blocks import context, esc, message, section
from bot.edge.codecs import ModalContext
from bot.runs.share import share_blocks
from commands.changes.invoice_email import MAX_EMAIL, InvoiceContacts, InvoiceEmailChanged

INVOICE_EMAIL_MODAL = "changes.invoice_email_modal"


def invoice_email_modal(contacts: InvoiceContacts, meta: ModalContext) -> View:
    bill, sold = contacts.bill_to, contacts.sold_to
    bill_text = (
        f"*Bill To* (invoices go here)\n{esc(bill.name) or '—'}\n{esc(bill.email or 'no email')}"
        if bill
        else "*Bill To*\nnone"
    )
    if contacts.shared:
        sold_text = "*Sold To*\nthe same contact as Bill To"
    elif sold:
        sold_text = f"*Sold To*\n{esc(sold.name) or '—'}\n{esc(sold.email or 'no email')}"
    else:
        sold_text = "*Sold To*\nnone"
    blocks: list[Block] = [
        heading("Invoice email", contacts.account, contacts.account_name),
        SectionBlock(
            fields=[
                MarkdownTextObject(text=bill_text[:2000]),
                MarkdownTextObject(text=sold_text[:2000]),
            ]
        ),
    ]
    if contacts.shared:
        blocks.append(
            section(
                ":warning: *Bill To and Sold To are one contact in Zuora*: changing this email "
                "changes the Sold To contact's email too."
            )
        )
    blocks.append(
        text_input(
            "email",
            "Bill To email (where invoices are sent)",
            initial=bill.email if bill else None,
            max_length=MAX_EMAIL,
            placeholder="accounts@example.com.au",
        )
    )
    copies = ", ".join(esc(e) for e in contacts.additional_emails) or "none"
    blocks.append(
        context(
            f"Additional invoice-copy addresses in Zuora ({copies}) are *not* changed: edit "
            f"them on the Zuora account page (`{esc(contacts.zuora_account)}`)."
        )
    )
    return modal(
        "Invoice email", blocks, callback_id=INVOICE_EMAIL_MODAL, submit="Update", meta=meta
    )


def invoice_email_done(result: InvoiceEmailChanged) -> dict[str, Any]:
    before = esc(result.before) if result.before else "no email"
    text = (
        f":white_check_mark: Invoices for account `{esc(result.account)}` now go to "
        f"*{esc(result.after)}* (Bill To email was {before})."
    )
    blocks: list[Block] = [section(text)]
    notes = []
    if result.shared:
        notes.append("Bill To and Sold To are one contact: the Sold To email changed too.")
    if result.additional_emails:
        copies = ", ".join(esc(e) for e in result.additional_emails)
        notes.append(f"Invoice copies still go to {copies} — change those in Zuora.")
    if notes:
        blocks.append(context(" ".join(notes)))
    return message(plain(text), blocks + share_blocks(result.run_id))
