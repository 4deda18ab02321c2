"""``jethub audit stream`` / the clock's sink: every event at least once, in order, from the
ledger's cursor, to a real loopback HTTPS receiver (a certificate made here with openssl) that
fails mid-stream; the bearer token never shows in an error; the sink's lease keeps one deliverer."""

from __future__ import annotations

import hmac
import json
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from audit import AuditKey, Keyring, Ledger, append, take_sink
from audit.events import GENESIS_HASH, record_text
from audit.types import canonical_json
from bot.jobs.catalogue import scheduled_jobs
from bot.jobs.streaming import deliver
from bot.runtime.settings import SettingsError, load_settings
from integrations.audit_sink import open_sink, sink_name
from integrations.errors import IntegrationError
from tests.fixtures.ledger import AUDIT_KEY, AUDIT_KEY_TEXT

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TOKEN = "siem-token-4b1f9a0c2e7d"


def _now() -> datetime:
    return T0


class Receiver:
    """A SIEM's webhook on loopback HTTPS. ``plan`` says how the n-th request (from 1) fails:
    ``"503"`` (refused, quoting the caller's Authorization header back) or ``"drop"`` (the batch
    is read, then the connection closed with no answer: the sender cannot know it arrived)."""

    def __init__(self, cert: Path, key: Path, plan: dict[int, str]) -> None:
        self.plan = plan
        self.requests = 0
        self.lines: list[dict[str, Any]] = []  # every line that arrived, answered or not
        self.authorizations: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests += 1
                receiver.authorizations.append(self.headers.get("Authorization", ""))
                fate = receiver.plan.get(receiver.requests)
                if fate == "503":
                    self.send_response(503)
                    echo = f"overloaded for {self.headers.get('Authorization')}".encode()
                    self.send_header("Content-Length", str(len(echo)))
                    self.end_headers()
                    self.wfile.write(echo)
                    return
                receiver.lines += [json.loads(line) for line in body.decode().splitlines()]
                if fate == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
        self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(certificate: tuple[Path, Path]) -> Iterator[Receiver]:
    running = Receiver(*certificate, plan={2: "503", 4: "drop"})
    yield running
    running.stop()


def _append(ledger: Ledger, n: int, first: int = 0) -> None:
    with ledger.session() as session:
        for i in range(first, first + n):
            append(
                session=session,
                actor="U1",
                action="account.view",
                account=f"{1000 + i % 7}",
                outcome="ok",
                details={"i": i, "note": "ünïcode & <b>"},
                correlation_id=None,
                at=T0 + timedelta(seconds=i),
            )


def _verifies(line: dict[str, Any], prev_hash: str, keys: Keyring) -> bool:
    """What the receiver does with a line: recompute its HMAC under the key its key id names."""
    record = record_text(
        line["seq"], line["at"], line["actor"], line["action"], line["account"],
        line["outcome"], canonical_json(line["details"]), line["correlation_id"], prev_hash,
    )  # fmt: skip
    key = keys.get(line["key_id"])
    return key is not None and hmac.compare_digest(key.event_mac(record), line["hash"])


def test_a_sink_that_fails_mid_stream_loses_nothing_and_keeps_the_order(
    ledger: Ledger, receiver: Receiver, certificate: tuple[Path, Path]
) -> None:
    _append(ledger, 1100)
    passes: list[object] = []
    for attempt in range(5):  # each pass a fresh process: a new owner, a new client
        sink = open_sink(receiver.url, token=TOKEN, ca_file=str(certificate[0]))
        try:
            passes.append(deliver(ledger, sink, owner=f"clock-{attempt}", now=_now, batch=250))
        except IntegrationError as exc:
            passes.append(exc)
            assert TOKEN not in str(exc)
        finally:
            sink.close()
        if not isinstance(passes[-1], IntegrationError):
            break
    assert [type(done).__name__ for done in passes] == [
        "BackendUnavailable", "BackendUnavailable", "Delivered"
    ]  # fmt: skip
    assert "HTTP 503" in str(passes[0]) and "[redacted]" in str(passes[0])
    assert set(receiver.authorizations) == {f"Bearer {TOKEN}"}

    seqs = [line["seq"] for line in receiver.lines]
    assert sorted(set(seqs)) == list(range(1, 1101))  # nothing lost
    first_seen = list(dict.fromkeys(seqs))
    assert first_seen == sorted(first_seen)  # in order
    # The one batch whose answer was lost came again, whole and in order; nothing else twice.
    assert len(seqs) - len(set(seqs)) == 250
    assert seqs[500:750] == seqs[750:1000] == list(range(501, 751))

    prev = GENESIS_HASH
    for line in dict((line["seq"], line) for line in receiver.lines).values():
        assert line["prev_hash"] == prev and _verifies(line, prev, Keyring([AUDIT_KEY]))
        prev = line["hash"]

    # After a restart only what is new goes out.
    _append(ledger, 3, first=1100)
    sink = open_sink(receiver.url, token=TOKEN, ca_file=str(certificate[0]))
    try:
        done = deliver(ledger, sink, owner="clock-9", now=_now)
    finally:
        sink.close()
    assert done is not None and (done.sent, done.cursor) == (3, 1103)
    assert [line["seq"] for line in receiver.lines[-4:]] == [1100, 1101, 1102, 1103]


def test_one_deliverer_holds_a_sink_until_its_lease_lapses(ledger: Ledger) -> None:
    lease = timedelta(minutes=2)
    with ledger.session() as session:
        assert take_sink(session=session, sink="stdout", owner="a", now=T0, lease=lease) == 0
        assert take_sink(session=session, sink="stdout", owner="b", now=T0, lease=lease) is None
        later = T0 + timedelta(minutes=3)
        assert take_sink(session=session, sink="stdout", owner="b", now=later, lease=lease) == 0


def test_the_cli_streams_to_a_file_and_resumes_from_its_cursor(
    sqlite_ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from bot.cli import main

    _append(sqlite_ledger, 5)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", str(sqlite_ledger.engine.url))
    monkeypatch.setenv("JETHUB_AUDIT_KEY", AUDIT_KEY_TEXT)
    out = tmp_path / "audit.ndjson"
    assert main(["audit", "stream", "--sink", f"file:{out}"]) == 0
    _append(sqlite_ledger, 2, first=5)
    assert main(["audit", "stream", "--sink", f"file:{out}"]) == 0
    assert [json.loads(line)["seq"] for line in out.read_text().splitlines()] == list(range(1, 8))
    assert "streamed 2 events" in capsys.readouterr().err
    assert main(["audit", "stream", "--from", "5"]) == 0  # stdout, from a chosen event
    printed = capsys.readouterr()
    assert [json.loads(line)["seq"] for line in printed.out.splitlines()] == [6, 7]
    assert sink_name(f"file:{out}") == f"file:{out.resolve()}"


def test_the_sink_setting_is_checked_and_schedules_the_clocks_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    job = next(job for job in scheduled_jobs() if job.id == "audit-stream")
    assert job.unless is not None and "JETHUB_AUDIT_SINK" in (job.unless(load_settings()) or "")
    assert job.unless(load_settings(jethub_audit_sink="stdout")) is None
    with pytest.raises(SettingsError, match="https"):
        load_settings(jethub_audit_sink="http://siem.example/hook")
    with pytest.raises(SettingsError, match="JETHUB_AUDIT_SINK_TOKEN"):
        load_settings(jethub_audit_sink="https://siem.example/hook").check_consistency()
    key = AuditKey(AUDIT_KEY_TEXT)
    assert key.reveal() not in repr(key) and key.key_id in repr(key)


def test_while_one_deliverer_sends_another_sends_nothing(ledger: Ledger, tmp_path: Path) -> None:
    """Two clocks at once: the second finds the sink's lease held and sends nothing, so every
    event lands once, in order."""
    _append(ledger, 30)
    out = tmp_path / "audit.ndjson"
    first_batch_sent, second_tried = threading.Event(), threading.Event()

    class Held:
        """A file sink whose first batch waits until the other clock has tried."""

        def __init__(self) -> None:
            self.file = open_sink(f"file:{out}")
            self.name = self.file.name

        def send(self, lines: Any) -> None:
            self.file.send(lines)
            if not first_batch_sent.is_set():
                first_batch_sent.set()
                assert second_tried.wait(10)

        def close(self) -> None:
            self.file.close()

    done: list[object] = []
    worker = threading.Thread(
        target=lambda: done.append(deliver(ledger, Held(), owner="clock-a", now=_now, batch=10))
    )
    worker.start()
    assert first_batch_sent.wait(10)
    other = deliver(ledger, open_sink(f"file:{out}"), owner="clock-b", now=_now, batch=10)
    second_tried.set()
    worker.join(10)
    assert other is None
    assert [json.loads(line)["seq"] for line in out.read_text().splitlines()] == list(range(1, 31))
    assert done and getattr(done[0], "cursor", None) == 30


def test_the_clocks_job_streams_to_the_configured_sink(bot: Any, tmp_path: Path) -> None:
    from dataclasses import replace

    from bot.jobs.streaming import stream_to_sink

    out = tmp_path / "siem.ndjson"
    settings = bot.services.settings.model_copy(update={"jethub_audit_sink": f"file:{out}"})
    services = replace(bot.services, settings=settings)
    bot.command("U0NOBODY", "suspend 1001 unpaid")  # refused: an audited event
    bot.wait_idle()
    done = stream_to_sink(services, services.slack, owner="clock-1")
    assert done is not None and done.sent >= 1
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["seq"] for line in lines] == list(range(1, done.cursor + 1))
    assert all(line["key_id"] == AUDIT_KEY.key_id and len(line["hash"]) == 64 for line in lines)
    again = stream_to_sink(services, services.slack, owner="clock-2")
    assert again is not None and again.sent == 0  # nothing new: nothing sent twice
