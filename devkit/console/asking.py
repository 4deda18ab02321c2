"""How the console asks the person at the keyboard: one modal field (again, while the answer is
bad), a button's confirmation, and what a select or input control sends.

Each function reads through the session's `Terminal`; None means the person gave up (end of
input, `/cancel`, or no valid choice).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from devkit.console import forms
from devkit.console.render import Control

if TYPE_CHECKING:
    from devkit.console.session import Terminal

Json = dict[str, Any]
PersonId = Callable[[str], str | None]  # a demo person's name -> their Slack user id


def ask_field(
    io: Terminal,
    field: forms.Field,
    error: str | None,
    *,
    today: date,
    people: PersonId,
    lenient: bool = False,
) -> Json | None:
    """The field's Slack state value, asked until the answer is well formed; `lenient` lets
    any field be left blank."""
    if error:
        io.show([f"  ! {field.label}: {error}"])
    if field.options:
        io.show(field.choices())
    while True:
        typed = io.ask(f"{field.question}: ")
        if typed is None or typed.strip() == "/cancel":
            return None
        as_typed = dataclasses.replace(field, optional=True) if lenient else field
        try:
            return forms.answer(as_typed, typed, today=today, people=people)
        except forms.BadAnswer as exc:
            io.show([f"  ! {exc}"])


def confirmed(io: Terminal, control: Control) -> bool:
    confirm = control.confirm
    assert confirm is not None
    io.show([f"{confirm.title} {confirm.text}"])
    typed = io.ask(f"{confirm.confirm} (y) or {confirm.deny} (n)? ")
    return typed is not None and typed.strip().lower().startswith("y")


def choose(
    io: Terminal, control: Control, people: PersonId
) -> tuple[str | None, Json | None] | None:
    """The value a press sends: a button's own, or what the person picks for a select."""
    if control.kind == "button":
        return control.value, None
    if control.options:
        io.show([f"  {n}) {o.text}" for n, o in enumerate(control.options, 1)])
        typed = io.ask(f"{control.label} (number): ")
        if typed is None or not typed.strip().isdigit():
            return None
        index = int(typed.strip()) - 1
        if not 0 <= index < len(control.options):
            io.show(["(no such choice)"])
            return None
        option = control.options[index]
        return option.value, option.raw
    typed = io.ask(f"{control.label}: ")
    if typed is None:
        return None
    if control.kind == "users_select":
        return people(typed), None
    return typed.strip(), None
