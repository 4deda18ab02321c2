"""The retrying JSON helper: retries, backoff, Retry-After, translation of foreign errors."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.errors import (
    BackendRejected,
    BackendUnavailable,
    IntegrationError,
    NotFound,
    RateLimited,
    UnexpectedResponse,
)
from integrations.http import AttemptInfo, JsonHttp, RetryPolicy, error_for_status, parse_as
from integrations.platform import Account

from ._mock import Backend, Sleeps, reply


def _reader(response: httpx.Response) -> IntegrationError | None:
    if response.is_success:
        return None
    return error_for_status("sbc", response, code=None, message=None, request_id=None)


def _http(backend: Backend, sleeps: Sleeps, **kwargs) -> JsonHttp:
    return JsonHttp(
        backend="sbc",
        base_url="http://backend.test",
        read_error=_reader,
        transport=backend.transport,
        sleep=sleeps,
        jitter=lambda: 0.5,
        **kwargs,
    )


def test_5xx_then_success_is_retried_with_growing_backoff() -> None:
    backend = Backend().on("GET /x", reply(503), reply(502), reply(200, {"ok": True}))
    sleeps = Sleeps()
    assert _http(backend, sleeps).request_json("GET", "/x") == {"ok": True}
    assert len(backend.calls()) == 3
    assert len(sleeps.delays) == 2
    assert sleeps.delays[1] > sleeps.delays[0] > 0


def test_429_honours_retry_after_and_caps_it() -> None:
    backend = Backend().on(
        "GET /x",
        reply(429, {}, {"Retry-After": "3"}),
        reply(429, {}, {"Retry-After": "3600"}),
        reply(200, {}),
    )
    sleeps = Sleeps()
    _http(backend, sleeps, retry=RetryPolicy(retry_after_max=10)).request("GET", "/x")
    assert sleeps.delays == [3.0, 10.0]


def test_persistent_failure_stops_after_max_attempts_with_clear_error() -> None:
    backend = Backend().on("POST /reload", reply(503))
    sleeps = Sleeps()
    with pytest.raises(BackendUnavailable) as caught:
        _http(backend, sleeps, retry=RetryPolicy(max_attempts=4)).request("POST", "/reload")
    assert len(backend.calls()) == 4
    assert len(sleeps.delays) == 3
    assert caught.value.attempts == 4
    assert caught.value.status == 503
    assert "SBC" in str(caught.value) and "after 4 attempts" in str(caught.value)


def test_persistent_429_ends_in_rate_limited() -> None:
    backend = Backend().on("GET /x", reply(429, {}, {"Retry-After": "1"}))
    with pytest.raises(RateLimited):
        _http(backend, Sleeps(), retry=RetryPolicy(max_attempts=2)).request("GET", "/x")
    assert len(backend.calls()) == 2


def test_4xx_is_not_retried() -> None:
    backend = Backend().on("GET /x", reply(400, {}), reply(200, {}))
    sleeps = Sleeps()
    with pytest.raises(BackendRejected) as caught:
        _http(backend, sleeps).request("GET", "/x")
    assert len(backend.calls()) == 1 and sleeps.delays == []
    assert caught.value.status == 400


def test_404_is_not_found() -> None:
    backend = Backend().on("GET /x", reply(404, {}))
    with pytest.raises(NotFound):
        _http(backend, Sleeps()).request("GET", "/x")


@pytest.mark.parametrize(
    "exc",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("x")],
)
def test_transport_errors_are_retried_then_translated(exc: Exception) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise exc

    http = JsonHttp(
        backend="platform",
        base_url="http://backend.test",
        read_error=_reader,
        transport=httpx.MockTransport(handler),
        sleep=Sleeps(),
        retry=RetryPolicy(max_attempts=3),
    )
    with pytest.raises(BackendUnavailable) as caught:
        http.request("GET", "/v2/accounts/1001")
    assert len(calls) == 3
    assert caught.value.__cause__ is exc
    assert "Jet Hub platform" in str(caught.value)
    assert "/v2/accounts/1001" in str(caught.value)


def test_connect_error_then_success() -> None:
    answers = iter([httpx.ConnectError("refused"), None])

    def handler(request: httpx.Request) -> httpx.Response:
        failure = next(answers)
        if failure is not None:
            raise failure
        return httpx.Response(200, json=[1])

    http = JsonHttp(
        backend="sbc",
        base_url="http://backend.test",
        read_error=_reader,
        transport=httpx.MockTransport(handler),
        sleep=Sleeps(),
    )
    assert http.request_json("GET", "/x") == [1]


def test_attempt_hook_sees_every_attempt_and_cannot_break_calls() -> None:
    seen: list[AttemptInfo] = []

    def hook(info: AttemptInfo) -> None:
        seen.append(info)
        raise RuntimeError("metrics down")

    backend = Backend().on("GET /v/1", reply(500), reply(200, {}))
    _http(backend, Sleeps(), on_attempt=hook).request("GET", "/v/1", endpoint="GET /v/{id}")
    assert [(i.attempt, i.outcome, i.status) for i in seen] == [(1, "retry", 500), (2, "ok", 200)]
    assert {i.endpoint for i in seen} == {"GET /v/{id}"}
    assert seen[0].error == "BackendUnavailable"


def test_non_json_answer_is_unexpected_response() -> None:
    backend = Backend().on("GET /x", reply(200, b"<html>proxy</html>"))
    with pytest.raises(UnexpectedResponse):
        _http(backend, Sleeps()).request_json("GET", "/x")


def test_wrong_shape_is_unexpected_response() -> None:
    with pytest.raises(UnexpectedResponse, match="status"):
        parse_as("platform", Account, {"id": "1", "name": "x"})


def test_retry_after_as_http_date() -> None:
    backend = Backend().on(
        "GET /x", reply(503, {}, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), reply(200, {})
    )
    sleeps = Sleeps()
    _http(backend, sleeps).request("GET", "/x")
    assert sleeps.delays == [0.0]  # a date in the past means "now"


@given(
    attempt=st.integers(min_value=1, max_value=30),
    jitter=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_backoff_stays_within_its_bounds(attempt: int, jitter: float) -> None:
    policy = RetryPolicy(backoff_initial=0.2, backoff_max=5.0)
    ceiling = min(5.0, 0.2 * 2 ** (attempt - 1))
    assert ceiling / 2 <= policy.backoff(attempt, jitter) <= ceiling


def test_max_attempts_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
