"""What every account-change modal shares: the ids it carries in ``private_metadata``
(``ModalContext``), the modal shell, the loading and notice modals, its inputs and buttons, and
the reply when a change did not happen at all.

The change modals themselves live with their feature (``edit``, ``invoice_email``, ``pbx``,
``emergency``). Every outside string goes through ``esc()`` in mrkdwn (plain-text fields —
titles, labels, initial values — are never parsed).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    InputBlock,
    PlainTextInputElement,
    PlainTextObject,
)
from slack_sdk.models.views import View

from bot.blocks import MAX_VIEW_BLOCKS, esc, message, section

# Input block ids are the command's field names, so an ``InvalidInput(field)`` lands on its field.
INPUT_ACTION = "value"
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
        private_metadata=meta.dump() if meta else None,
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


def change_failed(what: str, account: str, error: object) -> dict[str, Any]:
    """A change that did not happen at all (a backend refused or was down before any write)."""
    text = f":x: The {what} of account `{esc(account)}` failed; nothing was changed. {esc(error)}"
    return message(plain(text), [section(text)])


def plain(text: str) -> str:
    """A notification fallback: the same words without mrkdwn emphasis."""
    return text.replace("*", "")
