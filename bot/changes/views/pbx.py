"""Block Kit for the PBX changes: the PBX view's buttons, the modals that change the group's
billing subscription or its name, and the reply that says what changed.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.changes.views.modal import (
    INPUT_ACTION,
    button,
    heading,
    modal,
    plain,
    text_input,
)
from bot.edge.blocks import esc, message, section
from bot.edge.codecs import ModalContext, PbxRef
from bot.runs.share import share_blocks
from commands.changes.pbx import MAX_GROUP_NAME, PbxChanged, PbxForm, group_name_consequence

# Buttons (block_actions) and modals (view_submission).
PBX_SUBSCRIPTION_ACTION = "changes.pbx_subscription"
PBX_NAME_ACTION = "changes.pbx_name"
PBX_SUBSCRIPTION_MODAL = "changes.pbx_subscription_modal"
PBX_NAME_MODAL = "changes.pbx_name_modal"
MAX_SELECT_OPTIONS = 100  # Slack's limit for a static select
ACKNOWLEDGE_VALUE = "acknowledged"


def pbx_action_buttons(account: str, pbx_id: str) -> list[ButtonElement]:
    """The PBX view's buttons for one group (operators; the click is role-checked again)."""
    value = PbxRef(account=account, pbx_id=pbx_id).encode()
    return [
        button("Edit billing subscription", PBX_SUBSCRIPTION_ACTION, value),
        button("Update group name", PBX_NAME_ACTION, value),
    ]


def pbx_subscription_modal(form: PbxForm, meta: ModalContext) -> View:
    """A select of the account's *active* Zuora subscriptions (a cancelled or expired one is
    not offered, and is refused if sent anyway)."""
    current = f"`{esc(form.billing_subscription)}`" if form.billing_subscription else "none"
    if form.billed_on_status:
        current += f" — :warning: *{esc(form.billed_on_status)}* in Zuora"
    blocks: list[Block] = [
        heading("PBX billing subscription", form.account, form.account_name),
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
        return modal("PBX billing", blocks, callback_id=PBX_SUBSCRIPTION_MODAL, meta=meta)
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
    return modal(
        "PBX billing", blocks, callback_id=PBX_SUBSCRIPTION_MODAL, submit="Save", meta=meta
    )


def pbx_name_modal(form: PbxForm, meta: ModalContext) -> View:
    blocks: list[Block] = [
        heading("PBX group name", form.account, form.account_name),
        section(f"*Group name now* {esc(form.name)}"),
        section(f":rotating_light: *Read this first.* {group_name_consequence(form.extensions)}"),
        text_input("name", "New group name", initial=form.name, max_length=MAX_GROUP_NAME),
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
    return modal("PBX group name", blocks, callback_id=PBX_NAME_MODAL, submit="Update", meta=meta)


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
    return message(plain(text), [section(text), *share_blocks(result.run_id)])
