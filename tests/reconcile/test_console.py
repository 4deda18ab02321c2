"""The console drives reconciliation as Slack would: examples/reconcile.jethub plays to the end
(the report, the confirm dialogs, the fixes), and the ledger shows who pressed each fix."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlmodel import select

from audit import AuditEvent
from devkit.console.driver import parse_script, play_file
from devkit.console.session import Session
from devkit.console.world import World
from tests.fixtures.bot import fast_pace

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "reconcile.jethub"


class Quiet:
    def show(self, lines: object) -> None:
        pass

    def ask(self, prompt: str) -> str | None:
        return None


def test_the_reconcile_example_plays_to_the_end() -> None:
    with World(pacer=fast_pace(), files_dir=Path(tempfile.mkdtemp())) as world:
        met = play_file(Session(world, Quiet()), SCRIPT, echo=lambda _line: None)
        assert met == sum(1 for step in parse_script(SCRIPT.read_text()) if not step.typed)
        with world.services.deps.ledger.read_session() as session:
            fixes = session.exec(
                select(AuditEvent).where(AuditEvent.action == "reconcile.fix")
            ).all()
            assert [(e.actor, e.account, e.outcome) for e in fixes] == [
                ("U0ALICE", "1005", "ok"),
                ("U0ALICE", "1006", "ok"),
            ]
