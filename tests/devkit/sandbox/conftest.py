"""httpx clients for each backend the ``sandbox`` fixture plays."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from devkit.sandbox import Sandbox
from tests.fixtures.sandbox import http_client, zuora_token


@pytest.fixture
def zuora(sandbox: Sandbox) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {zuora_token(sandbox.url)}"}
    with http_client(sandbox.url, headers=headers) as client:
        yield client


@pytest.fixture
def platform(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with http_client(f"{sandbox.url}/v2", headers={"X-Auth-Token": "t0k"}) as client:
        yield client


@pytest.fixture
def sbc(sandbox: Sandbox) -> Iterator[httpx.Client]:
    headers = {"Authorization": "Bearer s3c"}
    with http_client(f"{sandbox.url}/sbc/v1", headers=headers) as client:
        yield client


@pytest.fixture
def anon(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """No credentials at all."""
    with http_client(sandbox.url) as client:
        yield client


@pytest.fixture
def control(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with http_client(f"{sandbox.url}/_sandbox") as client:
        yield client
