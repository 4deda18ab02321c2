"""Block Kit for the emergency (IPND) address: the emergency view's Pull button, the modal that
shows Zuora's Sold To address with its IPND findings and lets it be corrected, and the reply
that says what was saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextObject,
    RadioButtonsElement,
)
from slack_sdk.models.views import View

from bot.changes.views.modal import (
    INPUT_ACTION,
    SECTION_CHARS,
    button,
    heading,
    modal,
    plain,
    text_input,
)
from bot.edge.blocks import context, esc, message, section
from bot.edge.codecs import AccountRef, ModalContext
from bot.runs.share import share_blocks
from commands.changes.emergency import MAX_FIELD, EmergencyDraft, EmergencySaved, address_digest
from integrations.ipnd import ADDRESS_FIELDS, FIELD_LABELS, Finding, Severity

EMERGENCY_PULL_ACTION = "changes.emergency_pull"
EMERGENCY_MODAL = "changes.emergency_modal"
SOLD_TO_BLOCK, SOLD_TO_UPDATE, SOLD_TO_KEEP = "sold_to", "update", "keep"
# The emergency fields every street address uses; the others show only when they hold something.
COMMON_FIELDS = frozenset(
    {"house_number", "street_name", "street_type", "locality", "state", "postcode"}
)
SEVERITY_MARK = {Severity.HARD: ":x:", Severity.SOFT: ":warning:", Severity.WARNING: ":bulb:"}
MAX_FINDINGS_SHOWN = 25


def emergency_action_buttons(account: str) -> list[ButtonElement]:
    """The emergency view's button: read the Sold To contact from Zuora and check it."""
    return [
        button(
            "Pull from Zuora",
            EMERGENCY_PULL_ACTION,
            AccountRef(account=account).encode(),
            style="primary",
        )
    ]


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
        heading("Emergency details", draft.account, draft.account_name),
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
            text_input(
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
    meta = meta.model_copy(update={"pulled": address_digest(draft.address)})
    return modal("Emergency details", blocks, callback_id=EMERGENCY_MODAL, submit="Save", meta=meta)


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
    return message(plain(text), blocks + share_blocks(result.run_id))


def _one_line(fields: dict[str, str]) -> str:
    return " ".join(fields[name] for name in ADDRESS_FIELDS if fields.get(name))
