"""The example transcripts played against the real bot over signed HTTP, and what they leave in
the sandbox and the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from audit import AuditEvent, Ledger
from devkit.console import run_console
from devkit.console.driver import ScriptFailed, parse_script, play, play_file
from devkit.console.session import Session
from devkit.console.world import World
from tests.devkit.console.conftest import EXAMPLES
from tests.fixtures.bot import fast_pace


class Quiet:
    def show(self, lines: object) -> None:
        pass

    def ask(self, prompt: str) -> str | None:
        return None


def trail(ledger: Ledger, account: str) -> list[tuple[str, str, str, dict[str, object]]]:
    with ledger.session() as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.account == account)).all()
        return [(e.actor, e.action, e.outcome, dict(e.details)) for e in rows]


def expectations(path: Path) -> int:
    return sum(1 for step in parse_script(path.read_text()) if not step.typed)


def test_the_deactivation_demo_plays_to_the_end(world: World) -> None:
    shown: list[str] = []
    met = play_file(Session(world, Quiet()), EXAMPLES / "demo.jethub", echo=shown.append)

    assert met == expectations(EXAMPLES / "demo.jethub")
    with world.sandbox.world.lock:
        assert world.sandbox.world.platform.accounts["1001"].status == "deactivated"
    actions = [
        (actor, action, outcome)
        for actor, action, outcome, _ in trail(world.services.deps.ledger, "1001")
    ]
    assert ("U0ALICE", "deactivate.request", "ok") in actions
    assert ("U0ALICE", "deactivate.approve", "refused") in actions
    assert ("U0BOB", "deactivate.approve", "ok") in actions
    assert ("system", "deactivate.done", "ok") in actions
    # Everything reached the bot as Slack sends it: the modal came from views.open with a trigger
    # id the fake issued for a signed slash command, the approval from chat.postMessage.
    assert [c.ok for c in world.slack.calls("views.open")] == [True]
    assert any(
        c.args.get("channel") == "C0APPROVALS" for c in world.slack.calls("chat.postMessage")
    )


def test_suspend_from_the_digest_plays_to_the_end(world: World) -> None:
    met = play_file(Session(world, Quiet()), EXAMPLES / "digest.jethub", echo=lambda _: None)

    assert met == expectations(EXAMPLES / "digest.jethub")
    with world.sandbox.world.lock:
        suspension = world.sandbox.world.platform.accounts["1009"].suspended
    assert suspension is not None and "two reminders" in str(suspension)
    suspends = [
        details
        for actor, action, outcome, details in trail(world.services.deps.ledger, "1009")
        if (actor, action, outcome) == ("U0ALICE", "suspend", "ok")
    ]
    assert len(suspends) == 1 and str(suspends[0]["origin"]).startswith("digest:")
    snoozed = trail(world.services.deps.ledger, "1008")
    assert any(action.startswith("snooze") and outcome == "ok" for _, action, outcome, _ in snoozed)
    # the chart the console said it saved is the PNG uploaded, once
    [chart] = world.slack.files()
    [saved] = list(world.files_dir.iterdir())
    assert saved.read_bytes() == chart["content"] and saved.read_bytes().startswith(b"\x89PNG")


def test_an_expected_line_that_never_appears_fails_with_where_and_what(world: World) -> None:
    steps = parse_script(
        "> /jethub account 1001\nBean Republic Coffee Co\nTotally Unlike Anything\n"
    )
    with pytest.raises(ScriptFailed) as failed:
        play(Session(world, Quiet()), steps, name="t.jethub", echo=lambda _: None)
    message = str(failed.value)
    assert "t.jethub:3" in message and "Totally Unlike Anything" in message
    assert "[1 Edit]" in message  # the recent output, to see what came instead


def test_jethub_console_script_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.jethub"
    good.write_text(
        "> /jethub help\n/jethub deactivate <account>\n> /as vera\nYou are now vera (viewer).\n"
    )
    assert run_console(good) == 0
    assert "all 2 expected line(s) appeared" in capsys.readouterr().out

    bad = tmp_path / "bad.jethub"
    bad.write_text("> /jethub help\nno such line\n")
    assert run_console(bad) == 1
    assert f"{bad}:2" in capsys.readouterr().err

    assert run_console(tmp_path / "missing.jethub") == 2


def test_reset_brings_back_the_demo_world_so_the_demo_plays_again(world: World) -> None:
    shown: list[str] = []
    session = Session(world, Quiet())
    first_ledger = world.ledger_file
    assert play_file(session, EXAMPLES / "demo.jethub", echo=shown.append) == expectations(
        EXAMPLES / "demo.jethub"
    )
    with world.sandbox.world.lock:
        assert world.sandbox.world.platform.accounts["1001"].status == "deactivated"

    # The reset puts alice back in #support and names the new ledger.
    script = (
        "> /as vera\n> /reset\nThe world is fresh\nYou are alice (operator) in #support.\n"
        "Ledger (SQLite): \n"
    )
    assert play(session, parse_script(script), name="reset", echo=shown.append) == 3
    assert world.ledger_file != first_ledger and world.ledger_file.exists()
    assert not first_ledger.exists()
    with world.sandbox.world.lock:
        assert world.sandbox.world.platform.accounts["1001"].status == "active"
    assert trail(world.services.deps.ledger, "1001") == []

    met = play_file(session, EXAMPLES / "demo.jethub", echo=shown.append)
    assert met == expectations(EXAMPLES / "demo.jethub")


def test_the_banner_says_where_the_ledger_and_the_log_are(world: World) -> None:
    banner = "\n".join(Session(world, Quiet()).banner())
    assert f"Ledger (SQLite): {world.ledger_file}" in banner
    assert f"Bot log:         {world.log_file}" in banner


def test_the_tour_of_the_guide_plays_to_the_end(world: World) -> None:
    shown: list[str] = []
    met = play_file(Session(world, Quiet()), EXAMPLES / "tour.jethub", echo=shown.append)

    assert met == expectations(EXAMPLES / "tour.jethub")
    # What the tour did is in the sandbox and the ledger, not only on the screen.
    with world.sandbox.world.lock:
        platform, zuora = world.sandbox.world.platform, world.sandbox.world.zuora
        assert platform.accounts["1002"].parent_id is None
        assert platform.accounts["1003"].suspended is not None
        (pbx,) = platform.estate("1006").collections["pbxs"].values()
        assert pbx["billing_subscription"] == "A-S00001006-2"
        emergency = platform.estate("1008").emergency
        assert emergency is not None and emergency.address["postcode"] == "3000"
        account = zuora.account("A00001008")
        assert account is not None and zuora.sold_to(account).zip_code == "3000"
    ledger = world.services.deps.ledger
    assert ("U0VERA", "suspend", "refused") in [(a, b, c) for a, b, c, _ in trail(ledger, "1003")]
    assert ("U0ALICE", "emergency.sold_to", "ok") in [
        (a, b, c) for a, b, c, _ in trail(ledger, "1008")
    ]
    assert ("U0ALICE", "snooze", "ok") in [(a, b, c) for a, b, c, _ in trail(ledger, "1008")]
    [override] = [d for a, b, c, d in trail(ledger, "1004") if b == "suspend.override"]
    assert override["override"] is True and override["approved_by"] == "U0BOB"


def test_the_deactivation_demo_plays_over_socket_mode() -> None:
    """`jethub console --socket`: the same transcript, every action an envelope on the websocket."""
    with World(socket_mode=True, pacer=fast_pace()) as world:
        met = play_file(Session(world, Quiet()), EXAMPLES / "demo.jethub", echo=lambda _l: None)
        assert met == expectations(EXAMPLES / "demo.jethub")
        with world.sandbox.world.lock:
            assert world.sandbox.world.platform.accounts["1001"].status == "deactivated"
        assert [c.method for c in world.slack.calls("apps.connections.open")] == [
            "apps.connections.open"
        ]
        assert len(world.slack.socket_mode.acks) >= 3 and world.slack.socket_mode.stray == []


def test_the_collections_demo_plays_to_the_end(world: World) -> None:
    shown: list[str] = []
    met = play_file(Session(world, Quiet()), EXAMPLES / "collections.jethub", echo=shown.append)
    assert met == expectations(EXAMPLES / "collections.jethub")
    with world.sandbox.world.lock:
        assert world.sandbox.world.platform.accounts["1003"].suspended is None
    actions = [a for _, a, o, _ in trail(world.services.deps.ledger, "1003") if o == "ok"]
    assert actions[-3:] == ["collections.payment", "unsuspend.confirm", "unsuspend"]
