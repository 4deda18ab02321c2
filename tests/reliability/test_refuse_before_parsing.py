"""Refuse before parsing: an oversized body is refused unread, unsigned garbage gets 401 and
signed garbage 400, each logged in one line (never a traceback, never a 500) and counted by
reason in /metrics."""

from __future__ import annotations

import json
import logging
import select
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.web import MAX_BODY
from devkit.slack import sign
from tests.fixtures.bot import ADAM, SIGNING_SECRET, BotHarness
from tests.fixtures.sandbox import TLS, http_client
from tests.reliability.conftest import sized
from tests.reliability.test_security import STARTUP_CALLS, command_body

FORM = "application/x-www-form-urlencoded"
DEEP = "[" * 100_000 + "]" * 100_000


def _post(
    bot: BotHarness, body: bytes, *, signed: bool, content_type: str = FORM
) -> httpx.Response:
    headers = {"Content-Type": content_type}
    if signed:
        stamp = str(int(time.time()))
        headers["X-Slack-Request-Timestamp"] = stamp
        headers["X-Slack-Signature"] = sign(SIGNING_SECRET, stamp, body)
    with http_client(bot.url, timeout=30) as client:  # httpx.post would load the CA bundle
        return client.post("/slack/events", content=body, headers=headers)


def _payload(value: object) -> bytes:
    return urlencode({"payload": json.dumps(value)}).encode()


def _interaction(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "type": "block_actions",
        "user": {"id": ADAM, "name": "adam", "team_id": "T0TEAM"},
        "team": {"id": "T0TEAM", "domain": "x"},
        "api_app_id": "A0APP",
        "trigger_id": "1.2.3",
        "actions": [{"action_id": "verb:account", "value": "1001", "type": "button"}],
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not ...}


NO_TYPE = {"id": "V0X", "callback_id": "deactivation.request", "state": {"values": {}}}

GARBAGE: dict[str, tuple[bytes, str]] = {
    "payload-notjson": (b"payload=notjson", FORM),
    "payload-deeply-nested": (urlencode({"payload": DEEP}).encode(), FORM),
    "json-deeply-nested": (DEEP.encode(), "application/json"),
    "not-utf8": (b"payload=\xff\xfe\xfa{}", FORM),
    "not-a-form": (b"\x00\x01garbage without equals", FORM),
    "payload-an-array": (_payload([1, 2, 3]), FORM),
    "missing-user": (_payload(_interaction(user=...)), FORM),
    "user-a-list": (_payload(_interaction(user=["U0ADAM"])), FORM),
    "actions-a-string": (_payload(_interaction(actions="verb:account")), FORM),
    "actions-of-numbers": (_payload(_interaction(actions=[1, 2])), FORM),
    "view-a-number": (_payload(_interaction(type="view_submission", view=7)), FORM),
    "view-without-type": (_payload(_interaction(type="view_submission", view=NO_TYPE)), FORM),
    "team-a-list": (_payload(_interaction(team=[])), FORM),
    "command-without-user": (b"command=%2Fjethub&text=help", FORM),
    "event-a-list": (
        json.dumps({"type": "event_callback", "event": []}).encode(),
        "application/json",
    ),
    "type-a-number": (json.dumps({"type": 5}).encode(), "application/json"),
}


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog


def _no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], [
        r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR
    ]
    assert "Traceback" not in caplog.text


def _posted(bot: BotHarness) -> list[str]:
    """Web API calls other than the start-up check and the background role look-up."""
    return [c.method for c in bot.slack.calls() if c.method not in STARTUP_CALLS]


def _refusals(bot: BotHarness) -> dict[str, float]:
    text = httpx.get(f"{bot.url}/metrics", timeout=10, verify=TLS).text
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("jethub_refused_requests_total{"):
            reason = line.split('reason="', 1)[1].split('"', 1)[0]
            found[reason] = float(line.rsplit(" ", 1)[1])
    return found


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_unsigned_garbage_is_401_and_signed_garbage_is_400(
    bot: BotHarness, logs: pytest.LogCaptureFixture, name: str
) -> None:
    body, content_type = GARBAGE[name]
    before = _refusals(bot)
    unsigned = _post(bot, body, signed=False, content_type=content_type)
    signed = _post(bot, body, signed=True, content_type=content_type)
    bot.wait_idle()
    assert unsigned.status_code == 401, unsigned.text
    assert signed.status_code == 400, signed.text
    _no_tracebacks(logs)
    refusal_lines = [r for r in logs.records if r.getMessage().startswith("refused a request")]
    assert len(refusal_lines) == 2 and all("\n" not in r.getMessage() for r in refusal_lines)
    after = _refusals(bot)
    assert after.get("unsigned", 0) == before.get("unsigned", 0) + 1
    assert sum(after.values()) == sum(before.values()) + 2
    assert _posted(bot) == []


def test_good_requests_still_pass_the_gate(bot: BotHarness) -> None:
    answer = _post(bot, command_body(bot, ADAM, "help"), signed=True)
    bot.wait_idle()
    assert answer.status_code == 200
    # Slack's periodic certificate check of a slash command's URL is answered, not refused.
    assert _post(bot, b"ssl_check=1&token=x", signed=True).status_code == 200


def _read_response(sock: socket.socket, timeout: float) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_a_300_mb_body_is_refused_without_being_sent(bot: BotHarness) -> None:
    """The server answers 413 from the headers alone: not one byte of the body was read."""
    before = _refusals(bot).get("oversized", 0)
    where = urlsplit(bot.url)
    with socket.create_connection((where.hostname, where.port), timeout=30) as sock:
        sock.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: " + FORM.encode() + b"\r\n"
            b"Content-Length: 300000000\r\n\r\n"
        )
        answer = _read_response(sock, 30)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert _refusals(bot).get("oversized", 0) == before + 1


def test_a_chunked_body_is_cut_off_at_the_limit(bot: BotHarness) -> None:
    """Chunked bodies carry no length: the server stops at the limit, not at 300 MB."""
    where = urlsplit(bot.url)
    chunk = b"x" * 65536
    framed = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    sent = 0
    with socket.create_connection((where.hostname, where.port), timeout=30) as sock:
        sock.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        answer = b""
        while sent < 300_000_000:
            readable, writable, _ = select.select([sock], [sock], [], 30)
            if readable:
                answer = _read_response(sock, 30)
                break
            if not writable:
                break
            try:
                sent += sock.send(framed)
            except (BrokenPipeError, ConnectionResetError):
                answer = answer or _read_response(sock, 5)
                break
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    # The limit, plus what the kernel's socket buffers held when the server said no.
    assert sent < MAX_BODY + 32 * 1024 * 1024, sent


HOSTILE_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["block_actions", "view_submission", "view_closed", "shortcut"])
        | HOSTILE_JSON,
        "user": st.just({"id": ADAM}) | HOSTILE_JSON,
        "team": st.just({"id": "T0TEAM"}) | HOSTILE_JSON,
        "actions": st.lists(
            st.fixed_dictionaries({"action_id": st.sampled_from(["verb:account", "x"])}),
            max_size=2,
        )
        | HOSTILE_JSON,
        "view": HOSTILE_JSON,
        "container": HOSTILE_JSON,
        "channel": HOSTILE_JSON,
        "message": HOSTILE_JSON,
        "response_url": HOSTILE_JSON,
    },
)


@settings(
    max_examples=sized(40, 400),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=FIELDS)
def test_any_signed_payload_is_answered_without_a_500(
    bot: BotHarness, logs: pytest.LogCaptureFixture, payload: dict[str, object]
) -> None:
    answer = _post(bot, _payload(payload), signed=True)
    bot.wait_idle()
    assert answer.status_code in (200, 400, 404), (answer.status_code, payload)
    _no_tracebacks(logs)


@pytest.mark.parametrize(
    "where",
    [{}, {"channel": {"id": "C0NOWHERE"}}],
    ids=["no channel", "a channel the bot is not in"],
)
def test_a_click_without_a_response_url_is_answered_to_the_person(
    bot: BotHarness, logs: pytest.LogCaptureFixture, where: dict[str, object]
) -> None:
    # Found by the example above: Bolt hands such a click a `respond` that cannot respond.
    payload = {
        "type": "block_actions",
        "user": {"id": ADAM},
        "actions": [{"action_id": "verb:account"}],
    }
    answer = _post(bot, _payload({**payload, **where}), signed=True)
    bot.wait_idle()
    assert answer.status_code == 200
    _no_tracebacks(logs)
    told = [
        c
        for c in bot.slack.calls()
        if (c.method == "chat.postEphemeral" and c.args.get("user") == ADAM)
        or (c.method == "chat.postMessage" and c.args.get("channel") == ADAM)
    ]
    assert [c.ok for c in told][-1:] == [True], told  # an ephemeral, or a DM when it could not
