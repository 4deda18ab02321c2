"""Tamper evidence, end to end: a ledger written by the running bot, then edited, cut or
reordered behind its back, is caught by ``jethub audit verify`` (the CLI, as a subprocess) on
SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from audit import make_engine
from tests.fixtures.bot import ALICE, NOBODY, VERA, start_bot
from tests.reliability.procs import run_jethub


def fill(url: str) -> None:
    """A short working session: reads, a refusal, a deactivation request."""
    for bot in start_bot(url):
        bot.command(VERA, "account 1001")
        bot.command(NOBODY, "account 1002")
        bot.command(ALICE, "audit 1001")
        bot.command(VERA, "suspend 1003 late")
        bot.command(ALICE, "deactivate 1004")
        bot.send.view_submission(
            ALICE, values={"reason": {"value": "closed"}, "confirm": {"value": "1004"}}
        )
        bot.wait_idle()
        bot.command(ALICE, "deactivate 1005")
        bot.send.view_submission(
            ALICE, values={"reason": {"value": "moved"}, "confirm": {"value": "1005"}}
        )
        bot.wait_idle()


def edit(c: Connection) -> None:
    c.execute(text("UPDATE audit_event SET actor = 'U0MALLORY' WHERE seq = 2"))


def edit_details(c: Connection) -> None:
    c.execute(text("UPDATE audit_event SET outcome = 'ok' WHERE outcome = 'refused'"))


def delete(c: Connection) -> None:
    c.execute(text("DELETE FROM audit_event WHERE seq = 2"))


def delete_newest(c: Connection) -> None:
    c.execute(text("DELETE FROM audit_event WHERE seq = (SELECT MAX(seq) FROM audit_event)"))


def reorder(c: Connection) -> None:
    c.execute(text("UPDATE audit_event SET seq = -1 WHERE seq = 2"))
    c.execute(text("UPDATE audit_event SET seq = 2 WHERE seq = 3"))
    c.execute(text("UPDATE audit_event SET seq = 3 WHERE seq = -1"))


TAMPERS: dict[str, Callable[[Connection], None]] = {
    "edit-actor": edit,
    "edit-outcome": edit_details,
    "delete-one": delete,
    "delete-newest": delete_newest,
    "reorder": reorder,
}


def verify(url: str, cwd: Path) -> tuple[int, str]:
    done = run_jethub("audit", "verify", env={"DATABASE_URL": url, "PATH": ""}, cwd=cwd)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_audit_verify_catches_tampering(ledger_url: str, tamper: str, tmp_path: Path) -> None:
    fill(ledger_url)
    code, said = verify(ledger_url, tmp_path)
    assert code == 0 and "audit chain intact" in said, said
    checked = int(said.split(": ")[1].split()[0])
    assert checked >= 4

    engine = make_engine(ledger_url)
    try:
        with engine.begin() as connection:
            TAMPERS[tamper](connection)
    finally:
        engine.dispose()
    code, said = verify(ledger_url, tmp_path)
    assert code == 1 and "audit chain BROKEN" in said, said
