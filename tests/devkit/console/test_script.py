"""The transcript format and the player's matching, without a bot."""

from __future__ import annotations

import pytest

from devkit.console.driver import ScriptFailed, ScriptTerminal, Step, parse_script

SCRIPT = """\
# a comment
#
> /jethub help
#approvals · jethub
[1 Approve]   [2 Deny]
> 1
>
done
"""


def terminal(text: str) -> ScriptTerminal:
    return ScriptTerminal(parse_script(text), name="t.jethub", echo=lambda _line: None)


def test_typed_expected_and_comment_lines() -> None:
    assert parse_script(SCRIPT) == [
        Step(3, True, "/jethub help"),
        Step(4, False, "#approvals · jethub"),
        Step(5, False, "[1 Approve]   [2 Deny]"),
        Step(6, True, "1"),
        Step(7, True, ""),
        Step(8, False, "done"),
    ]


def test_expectations_are_met_in_order_even_on_one_line() -> None:
    term = terminal("> a\nApprove\nDeny\n> b\n")
    assert term.ask("me> ") == "a"
    term.show(["[1 Approve] [2 Deny]"])
    assert term.ask("me> ") == "b"
    assert term.ask("me> ") is None
    term.finish()
    assert term.met == 2


def test_out_of_order_fails_naming_the_line_and_showing_the_output() -> None:
    term = terminal("> a\nDeny\nApprove\n")
    term.ask("me> ")
    term.show(["[1 Approve] [2 Deny]"])
    with pytest.raises(ScriptFailed) as failed:
        term.ask("me> ")
    message = str(failed.value)
    assert "t.jethub:3" in message and "Approve" in message
    assert "| [1 Approve] [2 Deny]" in message


def test_typed_lines_never_satisfy_an_expectation() -> None:
    term = terminal("> /jethub account 1001\naccount 1001\n")
    term.ask("me> ")
    with pytest.raises(ScriptFailed, match=r"t\.jethub:2"):
        term.finish()


def test_expectations_after_the_last_input_are_checked_at_the_end() -> None:
    term = terminal("> a\nbye\n")
    term.ask("me> ")
    term.show(["good bye"])
    assert term.ask("me> ") is None
    term.finish()
    assert term.met == 1
