"""The modal shell every modal is built in, its text field, and the two modals that only wait
or say something: the loading modal a slow answer opens at once, and the notice a refusal or
failure replaces it with."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, InputBlock, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View

from bot.edge.blocks import MAX_VIEW_BLOCKS, section
from bot.edge.codecs import JsonValue, PipeValue

INPUT_ACTION = "value"  # the action id of a modal's inputs: the block id tells them apart


def modal(
    title: str,
    blocks: Sequence[Block],
    *,
    callback_id: str | None = None,
    submit: str | None = None,
    close: str | None = None,
    meta: JsonValue | PipeValue | None = None,
) -> View:
    """``close`` defaults to Cancel on a modal that submits, else Close; ``meta`` is what the
    submission reads back (its ``private_metadata``)."""
    if len(blocks) > MAX_VIEW_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks; a modal may have {MAX_VIEW_BLOCKS}")
    return View(
        type="modal",
        title=PlainTextObject(text=title[:24]),
        close=PlainTextObject(text=close or ("Cancel" if submit else "Close")),
        submit=PlainTextObject(text=submit) if submit else None,
        callback_id=callback_id,
        private_metadata=meta.encode() if meta else None,
        blocks=list(blocks),
    )


def text_input(
    block_id: str,
    label: str,
    *,
    initial: str | None = None,
    max_length: int | None = None,
    multiline: bool = False,
    optional: bool = False,
    hint: str | None = None,
    placeholder: str | None = None,
    action_id: str = INPUT_ACTION,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=label),
        element=PlainTextInputElement(
            action_id=action_id,
            initial_value=initial or None,
            max_length=max_length,
            multiline=multiline or None,
            placeholder=PlainTextObject(text=placeholder) if placeholder else None,
        ),
        optional=optional,
        hint=PlainTextObject(text=hint) if hint else None,
    )


def loading_modal(title: str) -> View:
    """Opened at once with the trigger id; replaced when the backends have answered."""
    return modal(title, [section(":hourglass_flowing_sand: Loading…")])


def notice_modal(title: str, text: str) -> View:
    """A modal that only says something (a refusal, a failure) and can be closed."""
    return modal(title, [section(text)])
