"""A modal's inputs as questions, and a typed answer as the value Slack would put in its state.

Pure: the session asks the questions and sends the answers as a view_submission. Slack's client
checks required inputs and lengths before it submits; so does this, the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from devkit.console.render import Option, initial_text, options_of, text_of

Json = dict[str, Any]

_TEXT_KINDS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
_ONE_OF = {"static_select", "radio_buttons", "external_select"}
_MANY_OF = {"checkboxes", "multi_static_select"}
_RELATIVE_DAYS = re.compile(r"^\+(\d{1,4})d?$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
CLEAR = "-"  # empties an optional field, pre-filled or not


class BadAnswer(ValueError):
    """The answer cannot be an input's value; the message says what would be."""


@dataclass(frozen=True)
class Field:
    """One input block of a modal."""

    block_id: str
    action_id: str
    kind: str
    label: str
    optional: bool
    options: tuple[Option, ...]
    initial: Json | None  # the value dict the input starts with, if any
    element: Json

    @property
    def question(self) -> str:
        """The prompt: label, then how to answer."""
        shown = initial_text(self.element)
        parts = [self.label]
        if self.kind in _ONE_OF:
            parts.append("(number)")
        elif self.kind in _MANY_OF:
            parts.append("(numbers, comma-separated; - for none)")
        elif self.kind == "datepicker":
            parts.append("(YYYY-MM-DD, today or +N days)")
        elif self.kind == "timepicker":
            parts.append("(HH:MM)")
        elif self.kind in _TEXT_KINDS and (limits := _limits(self.element)):
            parts.append(f"({limits})")
        if self.optional:
            empties = shown and self.kind not in _MANY_OF
            parts.append("(optional; - empties it)" if empties else "(optional)")
        if shown:
            parts.append(f"[{shown}]")
        return " ".join(parts)

    def choices(self) -> list[str]:
        return [f"  {n}) {option.text}" for n, option in enumerate(self.options, 1)]


def fields_of(view: Json) -> list[Field]:
    """The view's input blocks that a person fills in, in order."""
    found = []
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        found.append(
            Field(
                block_id=str(block.get("block_id", "")),
                action_id=str(element.get("action_id", "")),
                kind=str(element.get("type", "")),
                label=text_of(block.get("label")),
                optional=bool(block.get("optional")),
                options=tuple(options_of(element)),
                initial=_initial_value(element),
                element=element,
            )
        )
    return found


def _initial_value(element: Json) -> Json | None:
    kind = element.get("type")
    if kind in _TEXT_KINDS and element.get("initial_value") is not None:
        return {"type": kind, "value": str(element["initial_value"])}
    if kind in _ONE_OF and isinstance(element.get("initial_option"), dict):
        return {"type": kind, "selected_option": element["initial_option"]}
    if kind in _MANY_OF and element.get("initial_options"):
        return {"type": kind, "selected_options": list(element["initial_options"])}
    if kind == "datepicker" and element.get("initial_date"):
        return {"type": kind, "selected_date": element["initial_date"]}
    if kind == "timepicker" and element.get("initial_time"):
        return {"type": kind, "selected_time": element["initial_time"]}
    return None


def empty_value(field: Field) -> Json:
    """What Slack sends for an input left empty."""
    if field.kind in _TEXT_KINDS:
        return {"type": field.kind, "value": None}
    if field.kind in _ONE_OF:
        return {"type": field.kind, "selected_option": None}
    if field.kind in _MANY_OF:
        return {"type": field.kind, "selected_options": []}
    key = {"datepicker": "selected_date", "timepicker": "selected_time"}.get(field.kind, "value")
    return {"type": field.kind, key: None}


def answer(
    field: Field,
    typed: str,
    *,
    today: date,
    people: Callable[[str], str | None] = lambda _: None,
) -> Json:
    """The value dict for `typed`; blank keeps the initial value. Raises `BadAnswer`."""
    typed = typed.strip()
    if not typed:
        if field.initial is not None:
            return field.initial
        if not field.optional:
            raise BadAnswer("this field is required")
        return empty_value(field)
    if typed == CLEAR and field.optional and field.kind not in _MANY_OF:
        return empty_value(field)  # as if the person emptied a pre-filled box in Slack
    kind = field.kind
    if kind in _TEXT_KINDS:
        return {"type": kind, "value": _text(field, typed)}
    if kind in _ONE_OF:
        return {"type": kind, "selected_option": _pick(field, typed).raw}
    if kind in _MANY_OF:
        if typed == "-":
            if not field.optional:
                raise BadAnswer("pick at least one")
            return {"type": kind, "selected_options": []}
        picked = [_pick(field, part.strip()).raw for part in typed.split(",") if part.strip()]
        return {"type": kind, "selected_options": picked}
    if kind == "datepicker":
        return {"type": kind, "selected_date": _date(typed, today).isoformat()}
    if kind == "timepicker":
        if not _TIME.match(typed):
            raise BadAnswer("a time is HH:MM, e.g. 09:30")
        return {"type": kind, "selected_time": typed}
    if kind == "users_select":
        user = people(typed.lstrip("@"))
        if user is None:
            raise BadAnswer(f"no such person: {typed}")
        return {"type": kind, "selected_user": user}
    if kind in ("conversations_select", "channels_select"):
        key = "selected_channel" if kind == "channels_select" else "selected_conversation"
        return {"type": kind, key: typed}
    raise BadAnswer(f"the console cannot fill a {kind} input")


def _text(field: Field, typed: str) -> str:
    element = field.element
    typed = typed.replace("\\n", "\n")  # one line in a terminal; \n for a line break
    low, high = element.get("min_length"), element.get("max_length")
    if isinstance(low, int) and len(typed) < low:
        raise BadAnswer(f"at least {low} characters, please: that was {_count(len(typed))}")
    if isinstance(high, int) and len(typed) > high:
        raise BadAnswer(f"at most {high} characters, please: that was {_count(len(typed))}")
    if field.kind == "number_input":
        pattern = r"^-?\d+(\.\d+)?$" if element.get("is_decimal_allowed") else r"^-?\d+$"
        if not re.match(pattern, typed):
            raise BadAnswer("a number, please")
    return typed


def _limits(element: Json) -> str | None:
    """A text input's length limits as its question says them (``up to 500 characters``)."""
    low, high = element.get("min_length"), element.get("max_length")
    low = low if isinstance(low, int) and low > 0 else None
    high = high if isinstance(high, int) else None
    if low and high:
        return f"{low} to {high} characters"
    if high:
        return f"up to {high} characters"
    if low:
        return f"at least {_count(low)}"
    return None


def _count(n: int) -> str:
    return f"{n} character" + ("" if n == 1 else "s")


def _pick(field: Field, typed: str) -> Option:
    if typed.isdigit() and 1 <= int(typed) <= len(field.options):
        return field.options[int(typed) - 1]
    for option in field.options:
        if typed.lower() in (option.text.lower(), option.value.lower()):
            return option
    raise BadAnswer(f"pick a number from 1 to {len(field.options)}")


def _date(typed: str, today: date) -> date:
    if typed.lower() == "today":
        return today
    relative = _RELATIVE_DAYS.match(typed)
    if relative:
        return today + timedelta(days=int(relative.group(1)))
    try:
        return date.fromisoformat(typed)
    except ValueError:
        raise BadAnswer("a date is YYYY-MM-DD, today, or +N (days from today)") from None
