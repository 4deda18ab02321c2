"""The modal shell every modal is built in, and the two that only wait or say something: the
loading modal a slow answer opens at once, and the notice a refusal or failure replaces it with."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, PlainTextObject
from slack_sdk.models.views import View

from bot.edge.blocks import MAX_VIEW_BLOCKS, section
from bot.edge.codecs import JsonValue, PipeValue


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


def loading_modal(title: str) -> View:
    """Opened at once with the trigger id; replaced when the backends have answered."""
    return modal(title, [section(":hourglass_flowing_sand: Loading…")])


def notice_modal(title: str, text: str) -> View:
    """A modal that only says something (a refusal, a failure) and can be closed."""
    return modal(title, [section(text)])
