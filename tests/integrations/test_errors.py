"""The exception tree: what a person reads, and what callers can catch."""

from __future__ import annotations

import pickle

import pytest

from devkit.sandbox import Sandbox
from integrations.errors import (
    AuthFailed,
    BackendRejected,
    BackendUnavailable,
    IntegrationError,
    NotFound,
    RateLimited,
    UnexpectedResponse,
)
from integrations.platform import PlatformClient
from integrations.sbc import SbcClient
from integrations.zuora import ZuoraClient


def test_tree() -> None:
    assert issubclass(RateLimited, BackendUnavailable)
    assert issubclass(NotFound, BackendRejected) and issubclass(AuthFailed, BackendRejected)
    for cls in (BackendUnavailable, BackendRejected, UnexpectedResponse):
        assert issubclass(cls, IntegrationError)


def test_message_names_backend_code_and_request_id() -> None:
    error = NotFound("zuora", "50000040", "Cannot find entity by key: 'NOPE'.", "req-1", status=200)
    assert str(error) == (
        "Zuora: Cannot find entity by key: 'NOPE'. (code 50000040, request id req-1)"
    )
    assert (error.backend, error.code, error.request_id) == ("zuora", "50000040", "req-1")


def test_unavailable_reports_attempts() -> None:
    error = BackendUnavailable("sbc", "HTTP 503 from POST /sbc/v1/reload", status=503)
    error.record_attempts(4)
    assert str(error) == "SBC: HTTP 503 from POST /sbc/v1/reload (after 4 attempts)"


def test_errors_survive_pickling() -> None:
    error = RateLimited("platform", "slow down", "r-9", status=429, retry_after=2.0)
    error.record_attempts(3)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is RateLimited
    assert str(copy) == str(error) and copy.retry_after == 2.0


@pytest.mark.parametrize("backend", ["zuora", "platform", "sbc"])
def test_credentials_a_backend_quotes_back_are_cut_out_of_its_error(
    backend: str, live: Sandbox, zuora: ZuoraClient, platform: PlatformClient, sbc: SbcClient
) -> None:
    """Issue 29: a backend echoing the caller's bearer token or client secret in its error text
    never puts them into our error — which is what gets logged, told, recorded and exported."""
    if backend == "zuora":
        zuora.get_account("A00001001")  # the client holds its access token from here on
    live.faults(backend).set(fail_next=4, echo_credentials=True)
    with pytest.raises(IntegrationError) as failed:
        if backend == "sbc":
            sbc.rules("1001")
        elif backend == "platform":
            platform.get_account("1001")
        else:
            zuora.get_account("A00001001")
    text = str(failed.value)
    assert "for token=" in text  # the backend did quote its caller
    with live.world.lock:
        issued = list(live.world.zuora.tokens)
    for credential in ("sandbox-secret", "sandbox-token", *issued):
        assert credential not in text, text
