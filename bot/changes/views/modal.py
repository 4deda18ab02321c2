"""What every account-change modal shares: the modal shell (``bot.edge.modals``; its
``private_metadata`` is a ``bot.edge.codecs.ModalContext``), its inputs and buttons.

The change modals themselves live with their feature (``edit``, ``invoice_email``, ``pbx``,
``emergency``). Every outside string goes through ``esc()`` in mrkdwn (plain-text fields —
titles, labels, initial values — are never parsed).
"""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ButtonElement

from bot.edge.blocks import esc, section

# The shell and its text field, re-exported for the change modals. Input block ids are the
# command's field names, so an ``InvalidInput(field)`` lands on its field.
from bot.edge.modals import INPUT_ACTION as INPUT_ACTION
from bot.edge.modals import modal as modal
from bot.edge.modals import text_input as text_input

SECTION_CHARS = 2900


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=text[:75], action_id=action_id, value=value, style=style)


def heading(page: str, account: str, name: str) -> Block:
    return section(f"*{page}* — {esc(name)} (`{esc(account)}`)")


def plain(text: str) -> str:
    """A notification fallback: the same words without mrkdwn emphasis."""
    return text.replace("*", "")
