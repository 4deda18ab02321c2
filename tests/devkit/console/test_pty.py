"""`jethub console` at a real pseudo-terminal: type a command, press a button, fill a modal."""

from __future__ import annotations

import sys
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parents[3]


def test_a_person_at_the_terminal_asks_for_a_deactivation(tmp_path: Path) -> None:
    console = pexpect.spawn(
        sys.executable,
        ["-m", "bot.cli", "console"],
        cwd=str(tmp_path),  # no .env from the working tree
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "TERM": "dumb"},
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 200),
    )
    try:
        console.expect_exact("/play examples/demo.jethub")  # the first screen says how
        console.expect_exact("alice #support> ")

        console.sendline("/jethub account 1001")  # a command
        # A terminal: bold drawn in ANSI (not the markers), the typed-wrong answer said back.
        console.expect_exact("\x1b[1mBean Republic Coffee Co\x1b[22m")
        console.expect_exact("[3 Deactivate]")
        console.expect_exact("alice #support> ")

        console.sendline("3")  # a button: it opens the deactivation modal
        console.expect_exact("┌ Deactivate account")
        console.expect_exact("Reason (shown to the approvers) (up to 1000 characters): ")
        console.sendline("customer moved to Telstra")  # the modal's fields, by label
        console.expect_exact("Type the account number (1001) to confirm (up to 20 characters): ")
        console.sendline("1010")
        # The inline error says what was wrong, not the label again.
        console.expect_exact(
            "! Type the account number (1001) to confirm: “1010” does not match 1001."
        )
        console.expect_exact("Type the account number (1001) to confirm (up to 20 characters): ")
        console.sendline("1001")

        console.expect_exact("#approvals · jethub")
        console.expect_exact("[1 Approve] [2 Deny]")
        console.expect_exact("alice #support> ")

        console.sendline("/quit")
        console.expect(pexpect.EOF)
    finally:
        console.close()
    assert console.exitstatus == 0, console.before
