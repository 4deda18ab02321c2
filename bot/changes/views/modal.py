"""What every account-change modal shares: the modal shell (``bot.edge.modals``; its
``private_metadata`` is a ``bot.edge.codecs.ModalContext``), its inputs and buttons.

The change modals themselves live with their feature (``edit``, ``invoice_email``, ``pbx``,
``emergency``). Every outside string goes through ``esc()`` in mrkdwn (plain-text fields —
titles, labels, initial values — are never parsed).
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    InputBlock,
    PlainTextInputElement,
    PlainTextObject,
)

from bot.edge.blocks import esc, section
from bot.edge.modals import modal as modal  # the shell, re-exported for the change modals

# Input block ids are the command's field names, so an ``InvalidInput(field)`` lands on its field.
INPUT_ACTION = "value"
SECTION_CHARS = 2900


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
