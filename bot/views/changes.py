"""Block Kit for the account changes: the modals that show what will change, the buttons the
read views include, and the replies that say what changed.

Pure functions from command results to ``slack_sdk.models``; every outside string goes through
``esc()`` in mrkdwn (plain-text fields — titles, labels, initial values — are never parsed).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import MAX_MESSAGE_BLOCKS, MAX_VIEW_BLOCKS, context, esc, message, section
from bot.views.activity import share_blocks
from commands.auth_rules import AuthRefreshed
from commands.changes import PLATFORM, ZUORA
from commands.edit import MAX_NAME, EditForm, EditIncomplete, EditKind, EditResult
from commands.emergency import MAX_FIELD, EmergencyDraft, EmergencySaved, address_digest
from commands.invoice_email import MAX_EMAIL, InvoiceContacts, InvoiceEmailChanged
from commands.pbx import (
    MAX_GROUP_NAME,
    PbxChanged,
    PbxForm,
    group_name_consequence,
)
from integrations.ipnd import ADDRESS_FIELDS, FIELD_LABELS, Finding, Severity

# Buttons (block_actions) and modals (view_submission): one namespace per feature.
PBX_SUBSCRIPTION_ACTION = "changes.pbx_subscription"
PBX_NAME_ACTION = "changes.pbx_name"
EMERGENCY_PULL_ACTION = "changes.emergency_pull"
EDIT_RETRY_ACTION = "changes.edit_retry"

EDIT_MODAL = "changes.edit_modal"
INVOICE_EMAIL_MODAL = "changes.invoice_email_modal"
PBX_SUBSCRIPTION_MODAL = "changes.pbx_subscription_modal"
PBX_NAME_MODAL = "changes.pbx_name_modal"
EMERGENCY_MODAL = "changes.emergency_modal"

# Input block ids are the command's field names, so an ``InvalidInput(field)`` lands on its field.
INPUT_ACTION = "value"
MAX_SELECT_OPTIONS = 100  # Slack's limit for a static select
REMOVE_PARENT_BLOCK, REMOVE_PARENT_VALUE = "no_parent", "remove"
SOLD_TO_BLOCK, SOLD_TO_UPDATE, SOLD_TO_KEEP = "sold_to", "update", "keep"
# The emergency fields every street address uses; the others show only when they hold something.
COMMON_FIELDS = frozenset(
    {"house_number", "street_name", "street_type", "locality", "state", "postcode"}
)
ACKNOWLEDGE_VALUE = "acknowledged"

SEVERITY_MARK = {Severity.HARD: ":x:", Severity.SOFT: ":warning:", Severity.WARNING: ":bulb:"}
MAX_FINDINGS_SHOWN = 25
SECTION_CHARS = 2900


@dataclass(frozen=True)
class ModalContext:
    """What a modal carries in ``private_metadata``: ids only, resolved again on submit."""

    account: str
    channel: str = ""
    pbx_id: str = ""
    pulled: str = ""  # the emergency modal: fingerprint of the address pulled from Zuora

    def dump(self) -> str:
        data = {"a": self.account, "c": self.channel, "p": self.pbx_id}
        if self.pulled:
            data["d"] = self.pulled
        return json.dumps(data)

    @classmethod
    def load(cls, raw: str | None) -> ModalContext:
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        return cls(
            str(data.get("a") or ""),
            str(data.get("c") or ""),
            str(data.get("p") or ""),
            str(data.get("d") or "")[:32],
        )


# -- shared shapes --------------------------------------------------------------------------------


def _modal(
    title: str,
    blocks: Sequence[Block],
    *,
    callback_id: str | None = None,
    submit: str | None = None,
    meta: ModalContext | None = None,
) -> View:
    if len(blocks) > MAX_VIEW_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks; a modal may have {MAX_VIEW_BLOCKS}")
    return View(
        type="modal",
        title=PlainTextObject(text=title[:24]),
        close=PlainTextObject(text="Cancel" if submit else "Close"),
        submit=PlainTextObject(text=submit) if submit else None,
        callback_id=callback_id,
        private_metadata=meta.dump() if meta else None,
        blocks=list(blocks),
    )


def loading_modal(title: str) -> View:
    """Opened at once with the trigger id; replaced when the backends have answered."""
    return _modal(title, [section(":hourglass_flowing_sand: Loading…")])


def notice_modal(title: str, text: str) -> View:
    """A modal that only says something (a refusal, a failure) and can be closed."""
    return _modal(title, [section(text)])


def _text_input(
    block_id: str,
    label: str,
    *,
    initial: str | None = None,
    max_length: int | None = None,
    optional: bool = False,
    hint: str | None = None,
    placeholder: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=label),
        element=PlainTextInputElement(
            action_id=INPUT_ACTION,
            initial_value=initial or None,
            max_length=max_length,
            placeholder=PlainTextObject(text=placeholder) if placeholder else None,
        ),
        optional=optional,
        hint=PlainTextObject(text=hint) if hint else None,
    )


def _button(text: str, action_id: str, value: str, *, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=text[:75], action_id=action_id, value=value, style=style)


def _lines_blocks(lines: Sequence[str], *, room: int) -> list[Block]:
    """``lines`` packed into sections of at most ``SECTION_CHARS`` and ``room`` blocks; what
    does not fit is counted in a last context line."""
    blocks: list[Block] = []
    chunk = ""
    for index, line in enumerate(lines):
        if len(chunk) + len(line) + 1 > SECTION_CHARS:
            if len(blocks) == room - 1:
                blocks.append(context(f"… and {len(lines) - index} more."))
                return blocks
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
    return blocks


def _heading(page: str, account: str, name: str) -> Block:
    return section(f"*{page}* — {esc(name)} (`{esc(account)}`)")


# -- edit: name and parent ------------------------------------------------------------------------


def edit_modal(form: EditForm, meta: ModalContext) -> View:
    if form.zuora_account is None:
        zuora = "No Zuora account is linked: only the Jet Hub platform is renamed."
    elif form.zuora_name == form.name:
        zuora = f"Zuora account `{esc(form.zuora_account)}` has the same name."
    else:
        zuora = (
            f":warning: Zuora account `{esc(form.zuora_account)}` is called "
            f"*{esc(form.zuora_name)}*: saving gives both systems the name below."
        )
    parent = (
        f"`{esc(form.parent)}` {esc(form.parent_name or '')}".rstrip() if form.parent else "none"
    )
    zuora_link = (
        "Its Zuora account has a parent link, so Zuora's hierarchy is changed too."
        if form.zuora_has_parent_link
        else "Its Zuora account has no parent link: only the platform's hierarchy changes."
    )
    blocks: list[Block] = [
        _heading("Edit account", form.account, form.name),
        section(f"*Name on the Jet Hub platform* {esc(form.name)}\n{zuora}"),
        _text_input(
            "name",
            "Account name",
            initial=form.name,
            max_length=MAX_NAME,
            hint="Renamed on the Jet Hub platform and in Zuora together.",
        ),
        section(f"*Parent account* {parent}"),
        _text_input(
            "parent",
            "Parent account number",
            initial=form.parent,
            optional=True,
            max_length=20,
            placeholder="e.g. 1001",
            hint=f"Leave empty for no parent. {zuora_link}",
        ),
    ]
    if form.parent:
        blocks.append(
            InputBlock(
                block_id=REMOVE_PARENT_BLOCK,
                label=PlainTextObject(text="Remove the parent"),
                element=CheckboxesElement(
                    action_id=INPUT_ACTION,
                    options=[
                        Option(
                            value=REMOVE_PARENT_VALUE,
                            text=PlainTextObject(
                                text=f"No parent: {form.account} becomes a top-level account"[:75]
                            ),
                        )
                    ],
                ),
                optional=True,
            )
        )
    blocks.append(
        context("Nothing changes until you press Save; a field left as it is stays as it is.")
    )
    return _modal("Edit account", blocks, callback_id=EDIT_MODAL, submit="Save", meta=meta)


def edit_done(result: EditResult) -> dict[str, Any]:
    where = _systems(result.written)
    # A Retry writes only Zuora: its before and after are Zuora's, not the platform's.
    side = "zuora" if result.written == [ZUORA] else "platform"
    before, after = getattr(result.before, side), getattr(result.after, side)
    if result.kind == "name":
        text = (
            f":white_check_mark: Account `{esc(result.account)}` renamed "
            f"*{esc(before)}* → *{esc(after)}* on {where}."
        )
    else:
        text = (
            f":white_check_mark: Account `{esc(result.account)}` ({esc(result.account_name)}): "
            f"parent {_parent(before)} → {_parent(after)} on {where}."
        )
    blocks: list[Block] = [section(text)]
    if result.zuora_note:
        blocks.append(context(f"Zuora not changed: {esc(result.zuora_note)}."))
    return message(_plain(text), blocks + share_blocks(result.run_id))


def _systems(written: Sequence[str]) -> str:
    """``["platform", "Zuora"]`` → "the Jet Hub platform and Zuora"."""
    names = {PLATFORM: "the Jet Hub platform", ZUORA: "Zuora"}
    return " and ".join(names.get(name, name) for name in written)


def _parent(value: str | None) -> str:
    return f"`{esc(value)}`" if value else "none"


def retry_value(kind: EditKind, account: str, target: str | None) -> str:
    return json.dumps({"k": kind, "a": account, "t": target})


def edit_incomplete(exc: EditIncomplete) -> dict[str, Any]:
    """The split state, each system with what it holds, and a Retry that finishes it."""
    if exc.kind == "name":
        platform, zuora = f"*{esc(exc.now.platform)}*", f"*{esc(exc.now.zuora)}*"
        what = "rename"
    else:
        platform, zuora = f"parent {_parent(exc.now.platform)}", "its *old* parent link"
        what = "parent change"
    text = (
        f":warning: The {what} of account `{esc(exc.account)}` is *only half done* — "
        f"nothing is finished until both systems agree.\n"
        f"• Jet Hub platform: {platform} (changed)\n"
        f"• Zuora: {zuora} (*not* changed — {esc(exc.error)})"
    )
    blocks: list[Block] = [
        section(text),
        ActionsBlock(
            elements=[
                _button(
                    "Retry Zuora",
                    EDIT_RETRY_ACTION,
                    retry_value(exc.kind, exc.account, exc.target),
                    style="primary",
                )
            ]
        ),
        context("Retry writes only the system that does not have the new value yet."),
    ]
    return message(esc(str(exc)), blocks)


def change_failed(what: str, account: str, error: object) -> dict[str, Any]:
    """A change that did not happen at all (a backend refused or was down before any write)."""
    text = f":x: The {what} of account `{esc(account)}` failed; nothing was changed. {esc(error)}"
    return message(_plain(text), [section(text)])


# -- invoice email --------------------------------------------------------------------------------


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
        _heading("Invoice email", contacts.account, contacts.account_name),
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
        _text_input(
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
    return _modal(
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
    return message(_plain(text), blocks + share_blocks(result.run_id))


# -- PBX ------------------------------------------------------------------------------------------


def pbx_action_buttons(account: str, pbx_id: str) -> list[ButtonElement]:
    """The PBX view's buttons for one group (operators; the click is role-checked again)."""
    value = f"{account}|{pbx_id}"
    return [
        _button("Edit billing subscription", PBX_SUBSCRIPTION_ACTION, value),
        _button("Update group name", PBX_NAME_ACTION, value),
    ]


def parse_pbx_value(value: str) -> tuple[str, str] | None:
    account, _, pbx_id = value.partition("|")
    return (account, pbx_id) if account.isdigit() and pbx_id else None


def pbx_subscription_modal(form: PbxForm, meta: ModalContext) -> View:
    """A select of the account's *active* Zuora subscriptions (a cancelled or expired one is
    not offered, and is refused if sent anyway)."""
    current = f"`{esc(form.billing_subscription)}`" if form.billing_subscription else "none"
    if form.billed_on_status:
        current += f" — :warning: *{esc(form.billed_on_status)}* in Zuora"
    blocks: list[Block] = [
        _heading("PBX billing subscription", form.account, form.account_name),
        section(f"*Group name* {esc(form.name)}\n*Billing subscription now* {current}"),
    ]
    options = [
        Option(
            value=choice.number,
            text=PlainTextObject(
                text=f"{choice.number} · {choice.plans}"[:75] if choice.plans else choice.number
            ),
        )
        for choice in form.active_subscriptions[:MAX_SELECT_OPTIONS]
    ]
    if not options:
        blocks.append(
            section(
                "This account has no active Zuora subscription to bill the PBX on. Add or "
                "reactivate one in Zuora first."
            )
        )
        return _modal("PBX billing", blocks, callback_id=PBX_SUBSCRIPTION_MODAL, meta=meta)
    initial = next((o for o in options if o.value == form.billing_subscription), None)
    blocks.append(
        InputBlock(
            block_id="subscription",
            label=PlainTextObject(text="Bill the PBX on"),
            element=StaticSelectElement(
                action_id=INPUT_ACTION,
                options=options,
                initial_option=initial,
                placeholder=PlainTextObject(text="Pick an active subscription"),
            ),
            hint=PlainTextObject(text="The account's active Zuora subscriptions."),
        )
    )
    return _modal(
        "PBX billing", blocks, callback_id=PBX_SUBSCRIPTION_MODAL, submit="Save", meta=meta
    )


def pbx_name_modal(form: PbxForm, meta: ModalContext) -> View:
    blocks: list[Block] = [
        _heading("PBX group name", form.account, form.account_name),
        section(f"*Group name now* {esc(form.name)}"),
        section(f":rotating_light: *Read this first.* {group_name_consequence(form.extensions)}"),
        _text_input("name", "New group name", initial=form.name, max_length=MAX_GROUP_NAME),
        InputBlock(
            block_id="acknowledged",
            label=PlainTextObject(text="Acknowledgement"),
            element=CheckboxesElement(
                action_id=INPUT_ACTION,
                options=[
                    Option(
                        value=ACKNOWLEDGE_VALUE,
                        text=PlainTextObject(
                            text=(
                                "Every extension must log in again; the customer has been told"
                                if form.extensions != 1
                                else "The extension must log in again; the customer has been told"
                            )
                        ),
                    )
                ],
            ),
            # Required: Slack refuses an unticked box; the server checks it again on submit.
        ),
    ]
    return _modal("PBX group name", blocks, callback_id=PBX_NAME_MODAL, submit="Update", meta=meta)


def pbx_done(result: PbxChanged) -> dict[str, Any]:
    if result.field == "name":
        text = (
            f":white_check_mark: PBX group of account `{esc(result.account)}` renamed "
            f"*{esc(result.before)}* → *{esc(result.after)}*. Every extension must log in again."
        )
    else:
        before = f"`{esc(result.before)}`" if result.before else "none"
        text = (
            f":white_check_mark: PBX of account `{esc(result.account)}` is now billed on "
            f"`{esc(result.after)}` (was {before})."
        )
    return message(_plain(text), [section(text), *share_blocks(result.run_id)])


# -- emergency ------------------------------------------------------------------------------------


def emergency_action_buttons(account: str) -> list[ButtonElement]:
    """The emergency view's button: read the Sold To contact from Zuora and check it."""
    return [_button("Pull from Zuora", EMERGENCY_PULL_ACTION, account, style="primary")]


def findings_text(findings: Sequence[Finding]) -> str:
    if not findings:
        return ":white_check_mark: Passes IPND validation."
    shown = [
        f"{SEVERITY_MARK[f.severity]} *{esc(FIELD_LABELS[f.field])}*: {esc(f.message)}"
        for f in findings[:MAX_FINDINGS_SHOWN]
    ]
    if len(findings) > MAX_FINDINGS_SHOWN:
        shown.append(f"… and {len(findings) - MAX_FINDINGS_SHOWN} more.")
    return "\n".join(shown)[:SECTION_CHARS]


def emergency_modal(draft: EmergencyDraft, meta: ModalContext) -> View:
    sold = draft.sold_to
    lines = [sold.address1, sold.address2, sold.city, sold.state, sold.zip_code, sold.country]
    read = esc(", ".join(part for part in lines if part) or "(empty)")
    hard = any(f.severity is Severity.HARD for f in draft.findings)
    verdict = (
        ":x: *Hard errors*: IPND would reject this. Fix the Sold To contact in Zuora and pull "
        "again (or fix the fields below); Save is refused until they are gone."
        if hard
        else "No hard errors: check the fields and Save."
    )
    blocks: list[Block] = [
        _heading("Emergency details", draft.account, draft.account_name),
        section(f"*Sold To in Zuora* (`{esc(draft.zuora_account)}`)\n{esc(sold.name)}\n{read}"),
        section(f"*Findings*\n{findings_text(draft.findings)}"),
        section(verdict),
    ]
    # The common case on one screen: the street address, plus whatever the pulled address or
    # a finding uses. Empty rarely-used fields stay out (they are submitted empty).
    flagged = {f.field for f in draft.findings}
    shown = [
        name
        for name in ADDRESS_FIELDS
        if name in COMMON_FIELDS or getattr(draft.address, name) or name in flagged
    ]
    for name in shown:
        blocks.append(
            _text_input(
                name,
                FIELD_LABELS[name],
                initial=getattr(draft.address, name) or None,
                max_length=MAX_FIELD,
                optional=True,
            )
        )
    hidden = [FIELD_LABELS[name].lower() for name in ADDRESS_FIELDS if name not in shown]
    if hidden:
        blocks.append(
            context(
                f"Not shown because Zuora's Sold To has none: {', '.join(hidden)}. If the site "
                "needs one, add it to the Sold To contact in Zuora and pull again."
            )
        )
    blocks.append(
        InputBlock(
            block_id=SOLD_TO_BLOCK,
            label=PlainTextObject(text="If you changed the address above"),
            element=RadioButtonsElement(
                action_id=INPUT_ACTION,
                options=[
                    Option(value=SOLD_TO_UPDATE, label="Update Zuora's Sold To to match"),
                    Option(value=SOLD_TO_KEEP, label="Leave Zuora's Sold To as it is"),
                ],
            ),
            optional=True,
            hint=PlainTextObject(
                text="The guide: fix the address in Zuora first, then pull. An address edited "
                "here differs from Zuora's Sold To unless Zuora is updated too."
            ),
        )
    )
    blocks.append(context("Saving replaces the emergency (IPND) record on the Jet Hub platform."))
    meta = dataclasses.replace(meta, pulled=address_digest(draft.address))
    return _modal(
        "Emergency details", blocks, callback_id=EMERGENCY_MODAL, submit="Save", meta=meta
    )


def emergency_done(result: EmergencySaved) -> dict[str, Any]:
    after = _one_line(result.after.model_dump())
    before = _one_line(result.before.model_dump()) if result.before else "none"
    text = (
        f":white_check_mark: Emergency (IPND) address of account `{esc(result.account)}` saved: "
        f"*{esc(after)}* (was {esc(before)})."
    )
    blocks: list[Block] = [section(text)]
    if result.sold_to is not None and result.sold_to.error is None:
        blocks.append(
            section(
                f":white_check_mark: Zuora's Sold To contact updated to match: "
                f"{esc(result.sold_to.address1)}."
            )
        )
    elif result.sold_to is not None:
        blocks.append(
            section(
                ":warning: Zuora's Sold To could *not* be updated, so it now differs from the "
                f"platform: {esc(result.sold_to.error or '')}. Change it in Zuora."
            )
        )
    if result.findings:
        blocks.append(section(f"*Still worth a look*\n{findings_text(result.findings)}"))
    return message(_plain(text), blocks + share_blocks(result.run_id))


def _one_line(fields: dict[str, str]) -> str:
    return " ".join(fields[name] for name in ADDRESS_FIELDS if fields.get(name))


# -- refresh auth rules ---------------------------------------------------------------------------


def auth_refreshed(result: AuthRefreshed) -> dict[str, Any]:
    head = _heading("Auth rules", result.account, result.account_name)
    checked = f"{result.numbers} in-service number{'s' if result.numbers != 1 else ''} checked"
    if not result.changes:
        text = f":white_check_mark: Nothing to do: every auth rule was already correct ({checked})."
        return message(_plain(text), [head, section(text), *share_blocks(result.run_id)])
    reload = "; the SBC reloaded its rules" if result.reloaded else ""
    summary = (
        f":wrench: Fixed {len(result.changes)} auth rule"
        f"{'s' if len(result.changes) != 1 else ''} ({checked}){reload}:"
    )
    lines = [f"• {esc(change)}" for change in result.changes]
    blocks: list[Block] = [head, section(summary)]
    share = share_blocks(result.run_id)
    blocks += _lines_blocks(lines, room=MAX_MESSAGE_BLOCKS - len(blocks) - len(share))
    fallback = f"{summary} " + "; ".join(result.changes[:20])
    return message(_plain(fallback), blocks + share)


def _plain(text: str) -> str:
    """A notification fallback: the same words without mrkdwn emphasis."""
    return text.replace("*", "")


__all__ = [
    "EDIT_MODAL",
    "EDIT_RETRY_ACTION",
    "EMERGENCY_MODAL",
    "EMERGENCY_PULL_ACTION",
    "INVOICE_EMAIL_MODAL",
    "PBX_NAME_ACTION",
    "PBX_NAME_MODAL",
    "PBX_SUBSCRIPTION_ACTION",
    "PBX_SUBSCRIPTION_MODAL",
    "ModalContext",
    "auth_refreshed",
    "change_failed",
    "edit_done",
    "edit_incomplete",
    "edit_modal",
    "emergency_action_buttons",
    "emergency_done",
    "emergency_modal",
    "findings_text",
    "invoice_email_done",
    "invoice_email_modal",
    "loading_modal",
    "notice_modal",
    "pbx_action_buttons",
    "pbx_done",
    "pbx_name_modal",
    "pbx_subscription_modal",
]
