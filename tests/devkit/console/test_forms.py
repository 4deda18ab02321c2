"""A modal's inputs as questions, and typed answers as the state values Slack would send."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import (
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from devkit.console.forms import BadAnswer, Field, answer, fields_of

TODAY = date(2026, 3, 14)
CHOICES = [Option(value="q", label="Queues"), Option(value="p", label="PBX")]


def modal() -> dict:
    blocks = [
        InputBlock(
            block_id="reason",
            label="Reason",
            element=PlainTextInputElement(action_id="v", max_length=10),
        ),
        InputBlock(
            block_id="until",
            label="Until",
            element=DatePickerElement(action_id="d", initial_date="2026-03-20"),
        ),
        InputBlock(
            block_id="kind",
            label="Kind",
            element=StaticSelectElement(action_id="s", options=CHOICES),
        ),
        InputBlock(
            block_id="radio",
            label="Radio",
            element=RadioButtonsElement(action_id="r", options=CHOICES),
        ),
        InputBlock(
            block_id="boxes",
            label="Boxes",
            optional=True,
            element=CheckboxesElement(action_id="c", options=CHOICES),
        ),
    ]
    return View(type="modal", title="T", submit="Go", blocks=blocks).to_dict()


def by_block(block_id: str) -> Field:
    return next(f for f in fields_of(modal()) if f.block_id == block_id)


def test_fields_come_in_order_with_their_labels_and_how_to_answer() -> None:
    fields = fields_of(modal())
    assert [(f.block_id, f.action_id, f.kind) for f in fields] == [
        ("reason", "v", "plain_text_input"),
        ("until", "d", "datepicker"),
        ("kind", "s", "static_select"),
        ("radio", "r", "radio_buttons"),
        ("boxes", "c", "checkboxes"),
    ]
    assert by_block("until").question == "Until (YYYY-MM-DD, today or +N days) [2026-03-20]"
    assert by_block("reason").question == "Reason (up to 10 characters)"
    assert by_block("kind").choices() == ["  1) Queues", "  2) PBX"]
    assert "(optional)" in by_block("boxes").question


def test_answers_become_slack_state_values() -> None:
    assert answer(by_block("reason"), " late ", today=TODAY) == {
        "type": "plain_text_input",
        "value": "late",
    }
    picked = answer(by_block("kind"), "2", today=TODAY)
    assert picked["selected_option"]["value"] == "p"
    assert answer(by_block("radio"), "queues", today=TODAY)["selected_option"]["value"] == "q"
    boxes = answer(by_block("boxes"), "1, 2", today=TODAY)["selected_options"]
    assert [o["value"] for o in boxes] == ["q", "p"]
    assert answer(by_block("boxes"), "-", today=TODAY) == {
        "type": "checkboxes",
        "selected_options": [],
    }


def test_dates_absolute_relative_and_blank_keeps_the_initial_date() -> None:
    until = by_block("until")
    assert answer(until, "+3", today=TODAY)["selected_date"] == "2026-03-17"
    assert answer(until, "today", today=TODAY)["selected_date"] == "2026-03-14"
    assert answer(until, "2026-04-01", today=TODAY)["selected_date"] == "2026-04-01"
    assert answer(until, "", today=TODAY)["selected_date"] == "2026-03-20"


@pytest.mark.parametrize(
    ("block_id", "typed", "says"),
    [
        ("reason", "", "required"),
        ("reason", "x" * 11, "at most 10 characters, please: that was 11 characters"),
        ("until", "next week", "YYYY-MM-DD"),
        ("kind", "3", "from 1 to 2"),
        ("radio", "", "required"),
    ],
)
def test_what_slack_would_not_submit_is_refused_with_a_reason(
    block_id: str, typed: str, says: str
) -> None:
    with pytest.raises(BadAnswer, match=says):
        answer(by_block(block_id), typed, today=TODAY)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_any_date_typed_is_the_date_sent(day: date) -> None:
    assert answer(by_block("until"), day.isoformat(), today=TODAY)["selected_date"] == str(day)


@given(st.integers(min_value=0, max_value=9999))
def test_relative_days_count_from_today(days: int) -> None:
    sent = answer(by_block("until"), f"+{days}", today=TODAY)["selected_date"]
    assert sent == (TODAY + timedelta(days=days)).isoformat()


def test_a_pre_filled_optional_field_can_be_emptied_with_a_dash() -> None:
    view = View(
        type="modal",
        title="T",
        submit="Go",
        blocks=[
            InputBlock(
                block_id="parent",
                label="Parent account number",
                optional=True,
                element=PlainTextInputElement(action_id="v", initial_value="1001"),
            ),
            InputBlock(
                block_id="name",
                label="Name",
                element=PlainTextInputElement(action_id="v", initial_value="Acme"),
            ),
        ],
    ).to_dict()
    parent, name = fields_of(view)
    assert parent.question == "Parent account number (optional; - empties it) [1001]"
    assert answer(parent, "", today=TODAY) == {"type": "plain_text_input", "value": "1001"}
    assert answer(parent, "-", today=TODAY) == {"type": "plain_text_input", "value": None}
    # A required field is never emptied: "-" is then its value, as typed.
    assert answer(name, "-", today=TODAY) == {"type": "plain_text_input", "value": "-"}


@given(st.integers(min_value=1, max_value=40), st.integers(min_value=0, max_value=60))
def test_a_refused_length_says_the_limit_and_how_long_the_text_was(high: int, typed: int) -> None:
    field = fields_of(
        View(
            type="modal", title="T", submit="Go",
            blocks=[InputBlock(block_id="b", label="Note",
                               element=PlainTextInputElement(action_id="v", max_length=high))],
        ).to_dict()
    )[0]  # fmt: skip
    assert f"(up to {high} characters)" in field.question
    if typed <= high:
        return
    with pytest.raises(BadAnswer) as refused:
        answer(field, "y" * typed, today=TODAY)
    assert str(refused.value) == f"at most {high} characters, please: that was {typed} characters"


def test_a_terminal_draws_styles_only_when_it_is_a_tty(capsys: pytest.CaptureFixture[str]) -> None:
    from devkit.console.driver import ReplTerminal
    from devkit.console.render import mrkdwn

    line = mrkdwn("*Overdue* `1001`")
    ReplTerminal(styled=True).show([line])
    ReplTerminal(styled=False).show([line])
    ReplTerminal().show([line])  # captured output is not a TTY
    assert capsys.readouterr().out.splitlines() == [line, "Overdue 1001", "Overdue 1001"]
    assert "\x1b[1m" in line
