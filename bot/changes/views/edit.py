"""Block Kit for ``edit``: the modal that renames an account or changes its parent on the Jet Hub
platform and in Zuora, the reply that says what changed, and the warning (with a Retry) when only
one system took the change; ``edit_answer`` draws whichever a step came to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextObject,
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
from bot.edge.blocks import context, esc, message, section
from bot.edge.boundary import render_error
from bot.edge.codecs import EditRetry, ModalContext
from bot.runs.share import share_blocks
from commands.changes.common import PLATFORM, ZUORA
from commands.changes.edit import MAX_NAME, EditForm, EditIncomplete, EditResult
from commands.changes.edit_modal import Answer

EDIT_RETRY_ACTION = "changes.edit_retry"
EDIT_MODAL = "changes.edit_modal"
REMOVE_PARENT_BLOCK, REMOVE_PARENT_VALUE = "no_parent", "remove"


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
        heading("Edit account", form.account, form.name),
        section(f"*Name on the Jet Hub platform* {esc(form.name)}\n{zuora}"),
        text_input(
            "name",
            "Account name",
            initial=form.name,
            max_length=MAX_NAME,
            hint="Renamed on the Jet Hub platform and in Zuora together.",
        ),
        section(f"*Parent account* {parent}"),
        text_input(
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
    return modal("Edit account", blocks, callback_id=EDIT_MODAL, submit="Save", meta=meta)


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
    return message(plain(text), blocks + share_blocks(result.run_id))


def _systems(written: Sequence[str]) -> str:
    """``["platform", "Zuora"]`` → "the Jet Hub platform and Zuora"."""
    names = {PLATFORM: "the Jet Hub platform", ZUORA: "Zuora"}
    return " and ".join(names.get(name, name) for name in written)


def _parent(value: str | None) -> str:
    return f"`{esc(value)}`" if value else "none"


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
                button(
                    "Retry Zuora",
                    EDIT_RETRY_ACTION,
                    EditRetry(kind=exc.kind, account=exc.account, target=exc.target).encode(),
                    style="primary",
                )
            ]
        ),
        context("Retry writes only the system that does not have the new value yet."),
    ]
    return message(esc(str(exc)), blocks)


def edit_answer(answer: Answer) -> dict[str, Any]:
    """One step of an edit: done, half done (with its Retry), or what stopped it."""
    if isinstance(answer, EditResult):
        return edit_done(answer)
    if isinstance(answer, EditIncomplete):
        return edit_incomplete(answer)
    return render_error(answer)
