"""Block Kit helpers shared by every view: escaping, and the few shapes every message uses.

Views are built from ``slack_sdk.models`` classes, which check Slack's limits when serialised;
``message()`` also enforces the 50-block message limit that slack_sdk leaves unchecked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from integrations.clock import local_time as local_time  # re-exported for the views

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

if TYPE_CHECKING:
    from commands.errors import CommandError

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100


# Bidirectional controls reorder what is shown ("1001" can read as "1001" but be another
# account, a reason can hide its end): they are shown as their code point instead.
_BIDI = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


class _Invisible(dict[int, "str | int | None"]):
    """``str.translate``'s table for the invisible characters: format (Cf), line/paragraph
    separator and control characters. A code point is classified the first time it is seen and
    remembered (scanning Unicode up front cost every process ~50 ms to start). Cf characters live
    in planes 0, 1 and 14 only, so only those are remembered: at most ~200k entries."""

    def __missing__(self, code: int) -> str | int | None:
        if 0x20000 <= code < 0xE0000 or code >= 0xE1000:
            return code  # shown as it is
        category = unicodedata.category(chr(code))
        value: str | int | None = code
        if code in _BIDI:
            value = f"[U+{code:04X}]"
        elif category == "Cf":
            value = None  # zero-width spaces and joiners, soft hyphens, tags: dropped
        elif category in ("Zl", "Zp"):
            value = " "
        elif category == "Cc" and chr(code) not in "\n\t":
            value = None
        self[code] = value
        return value


_INVISIBLE = _Invisible()


def display_safe(text: object) -> str:
    """Text from outside as it may be displayed: bidi controls made visible, other invisible
    formatting and control characters removed. Only for display; stored values stay exact."""
    return str(text).translate(_INVISIBLE)


def esc(text: object) -> str:
    """Escape text from outside for mrkdwn so it can never become a mention or a link, nor
    hide or reorder what is shown (``display_safe``)."""
    return display_safe(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def who(user: str) -> str:
    """A Slack user id as a mention (Slack shows the name); anything else escaped as text."""
    return f"<@{user}>" if _USER_ID.match(user) else esc(user)


def approver_mention(slack_id: str) -> str:
    """One of our own ``JETHUB_APPROVERS`` ids as a mention: a user group as ``<!subteam^S…>``,
    a user as ``<@U…>``. Only for ids from our settings (already validated as Slack ids)."""
    if slack_id.startswith("S"):
        return f"<!subteam^{slack_id}>"
    return who(slack_id)


def command_text(exc: CommandError, *, mask: Callable[[str], str] = str) -> str:
    """A command's message as mrkdwn: (masked,) escaped whole, then the mentions and links the
    command made on purpose (``exc.mentions``, ``exc.links``) turned back into real ones."""
    text = esc(mask(str(exc)))
    for user_id in exc.mentions:
        text = text.replace(f"&lt;@{user_id}&gt;", f"<@{user_id}>")
    for link in getattr(exc, "links", ()):
        text = text.replace(esc(link), link)
    return text


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:3000]))


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text[:3000])])


class TooManyBlocks(ValueError):
    pass


def message(text: str, blocks: Sequence[Block] = (), **extra: Any) -> dict[str, Any]:
    """A chat message payload: fallback text plus validated blocks (at most 50)."""
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        raise TooManyBlocks(f"{len(blocks)} blocks; a message may have {MAX_MESSAGE_BLOCKS}")
    payload: dict[str, Any] = {"text": text[:3000]}
    if blocks:
        payload["blocks"] = [block.to_dict() for block in blocks]
    payload.update(extra)
    return payload


def verb_button(
    verb: str, account: str, text: str, *, origin: str | None = None, style: str | None = None
) -> ButtonElement:
    """A button that runs ``/jethub <verb> <account>`` for whoever clicks it (role-checked)."""
    value = account if origin is None else f"{account}|{origin}"
    return ButtonElement(text=text, action_id=f"verb:{verb}", value=value, style=style)


def sentence_start(text: str) -> str:
    """``text`` with its first letter capital and the rest as written ("Jet Hub portal users",
    "PBX" — where ``str.capitalize`` would give "Jet hub portal users", "Pbx")."""
    return text[:1].upper() + text[1:]


def money(amount: Decimal | None, currency: str | None) -> str:
    if amount is None:
        return "unknown"
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f} {currency or 'AUD'}".rstrip()


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"
