"""The pooled wire against a real loopback HTTP/1.1 server: connections kept and reused, one
closed by the server meanwhile replaced, the pool's bound, timeouts and refusals told as
backend errors, HTTPS with the given context, and the query encoded as httpx encodes it."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.errors import BackendUnavailable
from integrations.http import JsonHttp, shared_tls
from integrations.wire import HttpxWire, PooledWire, query_string, wire_for
from tests.fixtures.echo import EchoServer


@pytest.fixture
def server() -> Iterator[EchoServer]:
    running = EchoServer()
    yield running
    running.stop()


def _wire(url: str, **kwargs: Any) -> PooledWire:
    options: dict[str, Any] = {
        "headers": {"X-Auth-Token": "t"},
        "connect_timeout": 2.0,
        "read_timeout": 5.0,
        "max_connections": 4,
        "max_idle": 2,
        "tls": shared_tls(),
    }
    return PooledWire("platform", url, **{**options, **kwargs})


def _seen(wire: PooledWire, target: str = "/x") -> dict[str, Any]:
    answer = wire.send("GET", target, {}, None)
    assert answer.status_code == 200
    seen: dict[str, Any] = answer.json()
    return seen


def test_one_connection_serves_request_after_request(server: EchoServer) -> None:
    wire = _wire(server.url)
    ports = {_seen(wire)["connection"] for _ in range(5)}
    assert len(ports) == 1
    assert server.per_connection == {ports.pop(): 5}


def test_headers_are_read_in_any_case_and_a_chunked_body_whole(server: EchoServer) -> None:
    wire = _wire(server.url)
    plain = wire.send("GET", "/x", {}, None)
    assert plain.headers.get("x-request-id") == plain.headers.get("X-Request-ID") == "req-1"
    chunked = wire.send("GET", "/chunked", {}, None)
    assert chunked.json()["path"] == "/chunked"
    assert chunked.headers.get("Via") == "proxy-a, proxy-b"
    assert chunked.headers.get("Content-Length") is None
    assert len(server.per_connection) == 1  # kept alive after a chunked answer too


def test_a_connection_the_server_closed_is_replaced_and_the_request_sent_once(
    server: EchoServer,
) -> None:
    wire = _wire(server.url)
    first = _seen(wire)["connection"]
    server.drop_idle()
    time.sleep(0.05)
    second = _seen(wire)["connection"]
    assert second != first
    assert server.per_connection == {first: 1, second: 1}


def test_the_pool_bounds_the_requests_in_flight(server: EchoServer) -> None:
    wire = _wire(server.url, max_connections=2)
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: _seen(wire, "/slow?s=0.2"), range(6)))
    assert len(answers) == 6
    assert server.most_in_flight == 2


def test_a_slow_answer_is_a_timeout_naming_the_call(server: EchoServer) -> None:
    wire = _wire(server.url, read_timeout=0.2)
    with pytest.raises(BackendUnavailable, match=r"timed out \(GET /slow\)"):
        wire.send("GET", "/slow?s=1", {}, None)
    assert _seen(wire)["path"] == "/x"  # the timed-out connection is not reused


def test_a_refused_connection_is_told_as_could_not_connect() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(BackendUnavailable, match=r"could not connect \(GET /v2/accounts/1\)"):
        _wire(f"http://127.0.0.1:{port}").send("GET", "/v2/accounts/1?x=1", {}, None)


def test_the_base_urls_path_prefixes_every_target(server: EchoServer) -> None:
    seen = _seen(_wire(server.url + "/api/"), "/v1/accounts/A1?page=2")
    assert (seen["path"], seen["query"]) == ("/api/v1/accounts/A1", "page=2")


def test_https_with_the_given_context(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert, key)
    secure = EchoServer(tls=served)
    try:
        trusted = ssl.create_default_context(cafile=str(cert))
        wire = _wire(secure.url, tls=trusted)
        first = _seen(wire)["connection"]
        assert _seen(wire)["connection"] == first
        secure.drop_idle()  # closed without TLS's close_notify: the next request meets an EOF
        time.sleep(0.05)
        assert _seen(wire)["connection"] != first
        with pytest.raises(BackendUnavailable, match="could not connect: TLS CERTIFICATE_VERIFY"):
            _wire(secure.url, tls=ssl.create_default_context()).send("GET", "/x", {}, None)
    finally:
        secure.stop()


def test_json_http_sends_compact_json_and_forms(server: EchoServer) -> None:
    http = JsonHttp(backend="zuora", base_url=server.url, read_error=lambda answer: None)
    seen = http.request_json("PUT", "/a", json={"name": "Café", "n": [1, 2]})
    assert seen["body"] == '{"name":"Café","n":[1,2]}'
    assert seen["content_type"] == "application/json"
    form = http.request_json("POST", "/oauth/token", data={"grant_type": "client credentials"})
    assert form["body"] == "grant_type=client+credentials"
    assert form["content_type"] == "application/x-www-form-urlencoded"
    paged = http.request_json("GET", "/next?cursor=c1", params={"pageSize": 40})
    assert paged["query"] == "cursor=c1&pageSize=40"


def test_a_proxy_in_the_environment_sends_through_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    options: dict[str, Any] = {
        "headers": {},
        "transport": None,
        "timeout": httpx.Timeout(5.0),
        "limits": httpx.Limits(max_connections=4),
        "tls": shared_tls(),
    }
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "billing.internal")
    assert isinstance(wire_for("zuora", "https://rest.zuora.com", **options), HttpxWire)
    assert isinstance(wire_for("platform", "https://billing.internal", **options), PooledWire)
    monkeypatch.delenv("HTTPS_PROXY")
    assert isinstance(wire_for("zuora", "https://rest.zuora.com", **options), PooledWire)


_values = st.one_of(
    st.text(max_size=12),
    st.integers(-1000, 10**9),
    st.booleans(),
    st.lists(st.text(max_size=6), min_size=1, max_size=3),
)


@given(st.dictionaries(st.text(min_size=1, max_size=10), _values, max_size=5))
def test_the_query_reads_back_as_httpx_would_send_it(params: dict[str, Any]) -> None:
    ours = parse_qsl(query_string(params), keep_blank_values=True)
    theirs = parse_qsl(str(httpx.QueryParams(params)), keep_blank_values=True)
    assert ours == theirs
