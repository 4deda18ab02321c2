"""What every account-change modal shares: the modal shell (its ``private_metadata`` is a
``bot.edge.codecs.ModalContext``), the loading and notice modals, its inputs and buttons.

The change modals themselves live with their feature (``edit``, ``invoice_email``, ``pbx``,
``emergency``). Every outside string goes through ``esc()`` in mrkdwn (plain-text fields —
titles, labels, initial values — are never parsed).
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    InputBlock,
    PlainTextInputElement,
    PlainTextObject,
)
from slack_sdk.models.views import View

from bot.edge.blocks import MAX_VIEW_BLOCKS, esc, section
from bot.edge.codecs import ModalContext

# Input block ids are the command's field names, so an ``InvalidInput(field)`` lands on its field.
INPUT_ACTION = "value"
SECTION_CHARS = 2900


def modal(
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
        private_metadata=meta.encode() if meta else None,
        blocks=list(blocks),
    )


def loading_modal(title: str) -> View:
    """Opened at once with the trigger id; replaced when the backends have answered."""
    return modal(title, [section(":hourglass_flowing_sand: Loading…")])


def notice_modal(title: str, text: str) -> View:
    """A modal that only says something (a refusal, a failure) and can be closed."""
    return modal(title, [section(text)])


def text_input(
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


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=text[:75], action_id=action_id, value=value, style=style)


def heading(page: str, account: str, name: str) -> Block:
    return section(f"*{page}* — {esc(name)} (`{esc(account)}`)")


def plain(text: str) -> str:
    """A notification fallback: the same words without mrkdwn emphasis."""
    return text.replace("*", "")
