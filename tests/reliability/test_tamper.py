"""Tamper evidence, end to end: a ledger written by the running bot, then edited, cut,
reordered or consistently rewritten behind its back, is caught by ``jethub audit verify`` (the
CLI) on SQLite and on PostgreSQL, naming the first bad event; and what even the key's holder
can do is caught against the anchors (a file, or the Slack channel).

The bot writes the ledger once per backend (``written``), and the CLI, as a subprocess, finds it
intact; each tamper test starts from that ledger's rows put back as they were, and runs the
CLI's ``main`` in this process with the same environment (``run_jethub_here``: the same code
and output without a second of CPU to start each process). ``jethub audit anchor`` posting to
Slack runs as a subprocess.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Table, insert, select, text
from sqlalchemy import delete as delete_rows
from sqlmodel import Session, col

from audit import GENESIS_HASH, AuditEvent, Ledger, LedgerHead, make_engine
from audit import verify as verify_chain
from audit.events import record_text
from audit.types import canonical_json, utc_text
from bot.jobs.anchoring import run_daily_anchor
from tests.fixtures.bot import ALICE, BOT_TOKEN, NOBODY, VERA, start_bot
from tests.fixtures.ledger import AUDIT_KEY, AUDIT_KEY_TEXT, drop_schema, new_schema
from tests.reliability.procs import run_jethub, run_jethub_here

pytestmark = pytest.mark.slow  # starts processes or waits out real time: run first

AUDIT_CHANNEL = "C0AUDIT"


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


def _rows(c: Connection) -> list[AuditEvent]:
    with Session(bind=c) as session:
        return list(session.scalars(select(AuditEvent).order_by(col(AuditEvent.seq))))


def rehash(c: Connection, start: int, digest: Callable[[str], str], *, scheme: int) -> None:
    """Recompute every hash from ``start`` on with ``digest`` and move the head to match: what
    someone who knows the published scheme (and maybe holds the key) would do after an edit."""
    rows = _rows(c)
    prev = rows[start - 2].hash if start > 1 else GENESIS_HASH
    for row in rows[start - 1 :]:
        record = record_text(
            row.seq,
            utc_text(row.at),
            row.actor,
            row.action,
            row.account,
            row.outcome,
            canonical_json(row.details),
            row.correlation_id,
            prev,
        )
        new = digest(record)
        c.execute(
            text("UPDATE audit_event SET prev_hash = :p, hash = :h, scheme = :s WHERE seq = :q"),
            {"p": prev, "h": new, "s": scheme, "q": row.seq},
        )
        prev = new
    c.execute(text("UPDATE ledger_head SET seq = :s, hash = :h"), {"s": rows[-1].seq, "h": prev})


def _sha256(record: str) -> str:
    return hashlib.sha256(record.encode()).hexdigest()


def rewrite_unkeyed(c: Connection) -> None:
    """Change an approver-like field and recompute the chain forward with the unkeyed scheme."""
    c.execute(text("UPDATE audit_event SET actor = 'U0MALLORY' WHERE seq = 2"))
    rehash(c, 2, _sha256, scheme=2)


def rewrite_as_legacy(c: Connection) -> None:
    """The same, and every event from there on relabelled as the legacy unkeyed scheme."""
    c.execute(text("UPDATE audit_event SET actor = 'U0MALLORY' WHERE seq = 2"))
    rehash(c, 2, _sha256, scheme=1)


def truncate_and_move_head(c: Connection) -> None:
    """Cut the two newest events off and point the head at what is left."""
    newest = int(c.execute(text("SELECT MAX(seq) FROM audit_event")).scalar_one())
    c.execute(text("DELETE FROM audit_event WHERE seq >= :s"), {"s": newest - 1})
    kept = c.execute(text("SELECT hash FROM audit_event WHERE seq = :s"), {"s": newest - 2})
    c.execute(
        text("UPDATE ledger_head SET seq = :s, hash = :h"), {"s": newest - 2, "h": kept.scalar()}
    )


def delete_newest_and_move_head(c: Connection) -> None:
    newest = int(c.execute(text("SELECT MAX(seq) FROM audit_event")).scalar_one())
    c.execute(text("DELETE FROM audit_event WHERE seq = :s"), {"s": newest})
    kept = c.execute(text("SELECT hash FROM audit_event WHERE seq = :s"), {"s": newest - 1})
    c.execute(
        text("UPDATE ledger_head SET seq = :s, hash = :h"), {"s": newest - 1, "h": kept.scalar()}
    )


def _newest(c: Connection) -> int:
    return int(c.execute(text("SELECT MAX(seq) FROM audit_event")).scalar_one())


def _first_refused(c: Connection) -> int:
    return int(
        c.execute(text("SELECT MIN(seq) FROM audit_event WHERE outcome = 'refused'")).scalar_one()
    )


# Each tamper, and (read before it) the event verify must name as the first bad one.
TAMPERS: dict[str, tuple[Callable[[Connection], None], Callable[[Connection], int]]] = {
    "edit-actor": (edit, lambda c: 2),
    "edit-outcome": (edit_details, _first_refused),
    "delete-one": (delete, lambda c: 2),
    "delete-newest": (delete_newest, _newest),
    "reorder": (reorder, lambda c: 2),
    "rewrite-with-unkeyed-scheme": (rewrite_unkeyed, lambda c: 2),
    "rewrite-as-legacy-events": (rewrite_as_legacy, lambda c: 2),
    "truncate-and-move-head": (truncate_and_move_head, lambda c: _newest(c) - 1),
    "delete-newest-and-move-head": (delete_newest_and_move_head, _newest),
}


def verify(url: str, cwd: Path, *args: str, process: bool = False, **env: str) -> tuple[int, str]:
    done = (run_jethub if process else run_jethub_here)(
        "audit",
        "verify",
        *args,
        env={"DATABASE_URL": url, "JETHUB_AUDIT_KEY": AUDIT_KEY_TEXT, "PATH": "", **env},
        cwd=cwd,
    )
    return done.returncode, done.stdout + done.stderr


def tampered(url: str, tamper: Callable[[Connection], None]) -> int:
    """Apply ``tamper`` behind the bot's back; the newest seq left afterwards."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            tamper(connection)
        with engine.begin() as connection:
            return int(
                connection.execute(
                    text("SELECT COALESCE(MAX(seq), 0) FROM audit_event")
                ).scalar_one()
            )
    finally:
        engine.dispose()


def first_bad(said: str) -> int:
    match = re.search(r"BROKEN at event (\d+)", said)
    assert match, said
    return int(match.group(1))


TAMPERED: tuple[Table, ...] = (AuditEvent.__table__, LedgerHead.__table__)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Written:
    """A ledger the running bot wrote, and its rows as it left them."""

    url: str
    rows: dict[str, list[dict[str, Any]]]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def _written(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Written]:
    """Written once per backend by ``fill``; the CLI finds the chain intact."""
    admin = request.getfixturevalue("_pg_admin") if request.param == "postgres" else None
    if admin is not None:
        schema, url = new_schema(admin)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('written') / 'ledger.db'}"
    try:
        fill(url)
        code, said = verify(url, tmp_path_factory.mktemp("verify"), process=True)
        assert code == 0 and "audit chain intact" in said, said
        assert int(said.split(": ")[1].split()[0]) >= 4
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                rows = {
                    t.name: [dict(r._mapping) for r in connection.execute(select(t))]
                    for t in TAMPERED
                }
        finally:
            engine.dispose()
        yield Written(url, rows)
    finally:
        if admin is not None:
            drop_schema(admin, schema)


@pytest.fixture
def written(_written: Written) -> str:
    """The URL of the bot's ledger with its rows put back as the bot left them (and checked
    intact), whatever the previous test did to them."""
    engine = make_engine(_written.url)
    try:
        with engine.begin() as connection:
            for table in TAMPERED:
                connection.execute(delete_rows(table))
                connection.execute(insert(table), _written.rows[table.name])
    finally:
        engine.dispose()
    ledger = Ledger.from_url(_written.url, key=AUDIT_KEY)
    try:
        with ledger.read_session() as session:
            report = verify_chain(session=session)
    finally:
        ledger.dispose()
    assert report.ok and report.checked == len(_written.rows["audit_event"]), report
    return _written.url


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_audit_verify_catches_tampering(written: str, tamper: str, tmp_path: Path) -> None:
    ledger_url = written
    change, expected = TAMPERS[tamper]
    engine = make_engine(ledger_url)
    try:
        with engine.begin() as connection:
            named = expected(connection)
            change(connection)
    finally:
        engine.dispose()
    code, said = verify(ledger_url, tmp_path)
    assert code == 1 and "audit chain BROKEN" in said, said
    assert first_bad(said) == named, said
    assert "Traceback" not in said


def _keyed(record: str) -> str:
    return AUDIT_KEY.event_mac(record)


def rewrite_with_the_key(c: Connection) -> None:
    """Someone holding the database *and* the key rewrites event 2 and re-seals everything."""
    c.execute(text("UPDATE audit_event SET actor = 'U0MALLORY' WHERE seq = 2"))
    rehash(c, 2, _keyed, scheme=2)
    _reseal(c)


def truncate_with_the_key(c: Connection) -> None:
    truncate_and_move_head(c)
    _reseal(c)


def _reseal(c: Connection) -> None:
    head = c.execute(text("SELECT seq, hash, keyed_from FROM ledger_head")).one()
    c.execute(
        text("UPDATE ledger_head SET mac = :m"),
        {"m": AUDIT_KEY.head_mac(head.seq, head.hash, head.keyed_from)},
    )


@pytest.mark.parametrize("tamper", ["rewrite", "truncate"])
def test_anchors_catch_whoever_also_holds_the_key(
    written: str, tamper: str, tmp_path: Path
) -> None:
    ledger_url = written
    anchored = run_jethub_here(
        "audit",
        "anchor",
        "--print-only",
        env={"DATABASE_URL": ledger_url, "JETHUB_AUDIT_KEY": AUDIT_KEY_TEXT, "PATH": ""},
        cwd=tmp_path,
    )
    assert anchored.returncode == 0, anchored.stderr
    anchors = tmp_path / "anchors.txt"
    anchors.write_text(f"posted yesterday:\n{anchored.stdout}\n")
    anchor_seq = int(re.search(r"seq=(\d+)", anchored.stdout).group(1))  # type: ignore[union-attr]
    assert verify(ledger_url, tmp_path, "--anchors", str(anchors))[0] == 0

    left = tampered(
        ledger_url, rewrite_with_the_key if tamper == "rewrite" else truncate_with_the_key
    )
    code, said = verify(ledger_url, tmp_path)
    assert code == 0, f"with the key alone this tamper is invisible: {said}"
    code, said = verify(ledger_url, tmp_path, "--anchors", str(anchors))
    assert code == 1 and "audit chain BROKEN" in said, said
    assert first_bad(said) == (anchor_seq if tamper == "rewrite" else left + 1), said
    assert "anchor" in said


def test_verify_reads_the_anchors_the_bot_posted_to_slack(ledger_url: str, tmp_path: Path) -> None:
    for bot in start_bot(ledger_url, jethub_audit_channel=AUDIT_CHANNEL):
        bot.slack.add_channel(AUDIT_CHANNEL, "audit-anchors")
        bot.command(VERA, "account 1001")
        bot.command(NOBODY, "account 1002")
        posted = run_daily_anchor(bot.services, bot.services.slack, owner="clock-a")
        assert posted is not None
        # A second clock the same day posts nothing.
        assert run_daily_anchor(bot.services, bot.services.slack, owner="clock-b") is None
        assert len(bot.slack.messages(AUDIT_CHANNEL)) == 1
        bot.command(VERA, "account 1003")
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": bot.slack.url,
            "JETHUB_AUDIT_CHANNEL": AUDIT_CHANNEL,
        }
        code, said = verify(ledger_url, tmp_path, "--from-slack", **env)
        assert code == 0 and "1 anchors matched" in said, said
        assert bot.slack.calls("conversations.history")

        keep = posted.anchor.seq - 1

        def cut(c: Connection, keep: int = keep) -> None:
            c.execute(text("DELETE FROM audit_event WHERE seq > :s"), {"s": keep})
            kept = c.execute(text("SELECT hash FROM audit_event WHERE seq = :s"), {"s": keep})
            c.execute(
                text("UPDATE ledger_head SET seq = :s, hash = :h"),
                {"s": keep, "h": kept.scalar() or GENESIS_HASH},
            )
            _reseal(c)

        tampered(ledger_url, cut)
        assert verify(ledger_url, tmp_path)[0] == 0  # the key alone cannot see it
        code, said = verify(ledger_url, tmp_path, "--from-slack", **env)
        assert code == 1 and first_bad(said) == posted.anchor.seq, said


def test_jethub_audit_anchor_posts_the_head_on_demand(ledger_url: str, tmp_path: Path) -> None:
    for bot in start_bot(ledger_url, jethub_audit_channel=AUDIT_CHANNEL):
        bot.slack.add_channel(AUDIT_CHANNEL, "audit-anchors")
        bot.command(NOBODY, "account 1002")
        env = {
            "DATABASE_URL": ledger_url,
            "JETHUB_AUDIT_KEY": AUDIT_KEY_TEXT,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": bot.slack.url,
            "JETHUB_AUDIT_CHANNEL": AUDIT_CHANNEL,
            "PATH": "",
        }
        done = run_jethub("audit", "anchor", env=env, cwd=tmp_path, warm=True)
        assert done.returncode == 0, done.stderr
        assert f"(posted to {AUDIT_CHANNEL})" in done.stdout
        [posted] = bot.slack.messages(AUDIT_CHANNEL)
        assert done.stdout.split(" (posted")[0] in posted["text"]
        code, said = verify(ledger_url, tmp_path, "--from-slack", **env)
        assert code == 0 and "1 anchors matched" in said, said
