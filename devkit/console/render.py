"""Block Kit JSON → terminal lines, with every clickable element numbered. Pure: no Slack, no I/O.

Text is shown as a person reads it in Slack: mentions become ``@alice`` / ``#approvals``, links
``text (url)``, and the escapes ``&lt; &gt; &amp;`` become the characters they stand for (an
escaped ``&lt;!channel&gt;`` is shown as the text ``<!channel>``, never as a mention). In mrkdwn,
``*bold*`` and `` `code` `` lose their markers and are drawn with ANSI styles (bold, cyan); a
terminal that is not a TTY shows the text alone (``plain``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]
Names = Callable[[str], str]  # a user or channel id → its name without @ or #

RULE = "─" * 40
_EMOJI = {
    "white_check_mark": "✅",
    "heavy_check_mark": "✔",
    "x": "❌",
    "warning": "⚠️",
    "no_entry": "⛔",
    "no_entry_sign": "🚫",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "heavy_multiplication_x": "✖",
    "arrows_counterclockwise": "🔄",
    "bell": "🔔",
    "zzz": "💤",
    "white_small_square": "▫",
    "black_circle": "⚫",
    "new": "🆕",
    "lock": "🔒",
    "red_circle": "🔴",
    "large_green_circle": "🟢",
    "large_yellow_circle": "🟡",
}
_EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")
BOLD, UNBOLD, CODE, UNCODE = "\x1b[1m", "\x1b[22m", "\x1b[36m", "\x1b[39m"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CODE_SPAN = re.compile(r"```\n?|`([^`\n]+)`")
# Slack's bold: a * that opens after a non-word character and closes before one, not spanning lines.
_BOLD_SPAN = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])")
_TOKEN = re.compile(r"<([^<>]*)>")
_CLICKABLE = {
    "button",
    "static_select",
    "external_select",
    "overflow",
    "radio_buttons",
    "checkboxes",
    "datepicker",
    "timepicker",
    "users_select",
    "conversations_select",
    "channels_select",
    "multi_static_select",
}


@dataclass(frozen=True)
class Option:
    text: str
    value: str
    raw: Json


@dataclass(frozen=True)
class Confirm:
    title: str
    text: str
    confirm: str
    deny: str


@dataclass(frozen=True)
class Control:
    """One numbered element: what to send when it is pressed."""

    number: int
    kind: str
    action_id: str
    block_id: str
    label: str
    value: str | None = None
    url: str | None = None
    options: tuple[Option, ...] = ()
    confirm: Confirm | None = None


@dataclass
class Rendered:
    lines: list[str] = field(default_factory=list)
    controls: list[Control] = field(default_factory=list)


def _same(value: str) -> str:
    return value


def plain(text: str) -> str:
    """``text`` without the ANSI styles the renderer draws (for a terminal that is not a TTY)."""
    return _ANSI.sub("", text)


def _styled(text: str) -> str:
    """Bold and code spans drawn with ANSI styles instead of their markers; no bold inside code."""
    out: list[str] = []
    at = 0
    for span in _CODE_SPAN.finditer(text):
        out.append(_BOLD_SPAN.sub(lambda m: f"{BOLD}{m.group(1)}{UNBOLD}", text[at : span.start()]))
        if span.group(1) is not None:
            out.append(f"{CODE}{span.group(1)}{UNCODE}")
        at = span.end()
    out.append(_BOLD_SPAN.sub(lambda m: f"{BOLD}{m.group(1)}{UNBOLD}", text[at:]))
    return "".join(out)


def mrkdwn(text: str, names: Names = _same, *, styles: bool = True) -> str:
    """Slack's message formatting as readable text (``styles``: bold and code drawn)."""

    def token(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (label or names(target[1:]))
        if target.startswith("#"):
            return "#" + (label or names(target[1:]))
        if target.startswith("!subteam^"):
            return label or "@" + target.removeprefix("!subteam^")
        if target.startswith("!date^"):
            return label or target
        if target.startswith("!"):
            return "@" + target[1:]
        if label and label != target.removeprefix("mailto:"):
            return f"{label} ({target})"
        return label or target

    replaced = _TOKEN.sub(token, text)
    if styles:
        replaced = _styled(replaced)
    replaced = _EMOJI_CODE.sub(lambda m: _EMOJI.get(m.group(1), m.group(0)), replaced)
    return replaced.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def text_of(obj: Any, names: Names = _same) -> str:
    """A text object (plain_text or mrkdwn), or a bare string."""
    if isinstance(obj, str):
        return mrkdwn(obj, names)
    if isinstance(obj, dict):
        styles = obj.get("type") != "plain_text"  # plain text shows its stars and backticks
        return mrkdwn(str(obj.get("text", "")), names, styles=styles)
    return ""


class _Numberer:
    def __init__(self, first: int) -> None:
        self.next = first
        self.controls: list[Control] = []

    def add(self, element: Json, block_id: str, names: Names) -> str:
        kind = str(element.get("type", ""))
        label = _element_label(element, names)
        control = Control(
            number=self.next,
            kind=kind,
            action_id=str(element.get("action_id", "")),
            block_id=block_id,
            label=label,
            value=element.get("value"),
            url=element.get("url"),
            options=tuple(options_of(element, names)),
            confirm=_confirm(element.get("confirm"), names),
        )
        self.controls.append(control)
        self.next += 1
        suffix = f" ↗ {element['url']}" if element.get("url") else ""
        return f"[{control.number} {label}{suffix}]"


def _element_label(element: Json, names: Names) -> str:
    kind = element.get("type")
    if kind == "button":
        return text_of(element.get("text"), names)
    if kind == "overflow":
        return "⋯"
    if kind == "datepicker":
        return "pick a date ▾"
    placeholder = text_of(element.get("placeholder"), names)
    chosen = element.get("initial_option")
    if isinstance(chosen, dict):
        placeholder = text_of(chosen.get("text"), names)
    return f"{placeholder or 'choose'} ▾"


def options_of(element: Json, names: Names = _same) -> list[Option]:
    found: list[Option] = []
    groups = [element.get("options") or []]
    groups += [g.get("options") or [] for g in element.get("option_groups") or []]
    for group in groups:
        for option in group:
            found.append(Option(text_of(option.get("text"), names), str(option["value"]), option))
    return found


def _confirm(raw: Any, names: Names) -> Confirm | None:
    if not isinstance(raw, dict):
        return None
    return Confirm(
        title=text_of(raw.get("title"), names),
        text=text_of(raw.get("text"), names),
        confirm=text_of(raw.get("confirm"), names) or "Yes",
        deny=text_of(raw.get("deny"), names) or "Cancel",
    )


def render_blocks(
    blocks: Sequence[Json], *, names: Names = _same, first_number: int = 1
) -> Rendered:
    """Each block as lines; buttons, selects and pickers numbered from `first_number`."""
    numberer = _Numberer(first_number)
    lines: list[str] = []
    for block in blocks:
        lines.extend(_block_lines(block, numberer, names))
    return Rendered(lines, numberer.controls)


def render_message(message: Json, *, names: Names = _same, first_number: int = 1) -> Rendered:
    """A message's blocks (or its text when it has none) and its attachments."""
    blocks = message.get("blocks") or []
    rendered = render_blocks(blocks, names=names, first_number=first_number)
    if not blocks and message.get("text"):
        rendered.lines[:0] = mrkdwn(str(message["text"]), names).splitlines()
    for attachment in message.get("attachments") or []:
        more = render_blocks(
            attachment.get("blocks") or [],
            names=names,
            first_number=first_number + len(rendered.controls),
        )
        text = attachment.get("text") or attachment.get("fallback")
        if text and not attachment.get("blocks"):
            more.lines[:0] = mrkdwn(str(text), names).splitlines()
        rendered.lines.extend("▍ " + line for line in more.lines)
        rendered.controls.extend(more.controls)
    for shared in message.get("files") or []:
        kind = "image" if str(shared.get("mimetype", "")).startswith("image/") else "file"
        rendered.lines.append(f"[{kind}: {shared.get('title') or shared.get('name')}]")
    return rendered


def render_view(view: Json, *, names: Names = _same, first_number: int = 1) -> Rendered:
    """A modal: its title, its blocks (inputs show their label), and its submit/close buttons."""
    rendered = render_blocks(view.get("blocks") or [], names=names, first_number=first_number)
    title = text_of(view.get("title"), names)
    footer = []
    if view.get("close"):
        footer.append(f"close: {text_of(view['close'], names)}")
    if view.get("submit"):
        footer.append(f"submit: {text_of(view['submit'], names)}")
    rendered.lines[:0] = [f"┌ {title}"]
    rendered.lines[1:] = ["│ " + line if line else "│" for line in rendered.lines[1:]]
    rendered.lines.append("└ " + " · ".join(footer) if footer else "└")
    return rendered


def _block_lines(block: Json, numberer: _Numberer, names: Names) -> Iterable[str]:
    kind = block.get("type")
    block_id = str(block.get("block_id", ""))
    if kind == "section":
        if block.get("text"):
            yield from text_of(block["text"], names).splitlines()
        for field_ in block.get("fields") or []:
            yield "  " + " ".join(text_of(field_, names).split("\n"))
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("type") in _CLICKABLE:
            yield numberer.add(accessory, block_id, names)
        elif isinstance(accessory, dict) and accessory.get("type") == "image":
            yield f"[image: {accessory.get('alt_text', '')}]"
    elif kind == "header":
        title = text_of(block.get("text"), names)
        yield title
        yield "═" * min(len(title), 60)
    elif kind == "divider":
        yield RULE
    elif kind == "context":
        parts = [
            text_of(e, names) if e.get("type") != "image" else f"[{e.get('alt_text', 'image')}]"
            for e in block.get("elements") or []
        ]
        for line in " · ".join(parts).splitlines():
            yield "  " + line
    elif kind == "actions":
        yield " ".join(
            numberer.add(e, block_id, names)
            for e in block.get("elements") or []
            if e.get("type") in _CLICKABLE
        )
    elif kind == "input":
        yield from _input_lines(block, names)
    elif kind == "image":
        yield f"[image: {block.get('alt_text', '')}]"
    elif kind == "rich_text":
        yield from _rich_text(block.get("elements") or [], names).splitlines()
    elif kind == "markdown":
        yield from str(block.get("text", "")).splitlines()
    else:
        yield f"[{kind} block]"


def _input_lines(block: Json, names: Names) -> Iterable[str]:
    label = text_of(block.get("label"), names)
    optional = " (optional)" if block.get("optional") else ""
    element = block.get("element") or {}
    current = initial_text(element, names)
    yield f"{label}{optional}: {current or '____'}"
    if block.get("hint"):
        yield "  " + text_of(block["hint"], names)


def initial_text(element: Json, names: Names = _same) -> str:
    """What an input shows before the person changes it."""
    for key in ("initial_value", "initial_date", "initial_time"):
        if element.get(key):
            return str(element[key])
    if isinstance(element.get("initial_option"), dict):
        return text_of(element["initial_option"].get("text"), names)
    chosen = element.get("initial_options") or []
    return ", ".join(text_of(o.get("text"), names) for o in chosen)


def _rich_text(elements: Sequence[Json], names: Names) -> str:
    out: list[str] = []
    for element in elements:
        kind = element.get("type")
        if kind == "text":
            out.append(str(element.get("text", "")))
        elif kind == "link":
            out.append(str(element.get("text") or element.get("url", "")))
        elif kind == "user":
            out.append("@" + names(str(element.get("user_id", ""))))
        elif kind == "channel":
            out.append("#" + names(str(element.get("channel_id", ""))))
        elif kind == "emoji":
            out.append(f":{element.get('name', '')}:")
        elif kind == "rich_text_list":
            items = [_rich_text([item], names) for item in element.get("elements") or []]
            out.append("\n".join(f"• {item}" for item in items) + "\n")
        elif kind == "rich_text_preformatted":
            out.append(_rich_text(element.get("elements") or [], names) + "\n")
        elif kind == "rich_text_quote":
            out.append("> " + _rich_text(element.get("elements") or [], names) + "\n")
        else:
            out.append(_rich_text(element.get("elements") or [], names))
    return "".join(out)
