"""Loopback fixtures: a fresh sandbox per test and clients pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devkit.sandbox import Sandbox, demo_world
from integrations.platform import PlatformClient
from integrations.sbc import SbcClient
from integrations.zuora import ZuoraClient

from ._mock import Sleeps


@pytest.fixture
def live() -> Iterator[Sandbox]:
    """The demo world on loopback, fresh for each test (it is cheap: ~0.1 s)."""
    sandbox = Sandbox(world=demo_world()).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def zuora(live: Sandbox, sleeps: Sleeps) -> Iterator[ZuoraClient]:
    with ZuoraClient(
        base_url=live.url, client_id="jethub-bot", client_secret="sandbox-secret", sleep=sleeps
    ) as client:
        yield client


@pytest.fixture
def platform(live: Sandbox, sleeps: Sleeps) -> Iterator[PlatformClient]:
    with PlatformClient(base_url=live.url, token="sandbox-token", sleep=sleeps) as client:
        yield client


@pytest.fixture
def sbc(live: Sandbox, sleeps: Sleeps) -> Iterator[SbcClient]:
    with SbcClient(base_url=live.url, token="sandbox-token", sleep=sleeps) as client:
        yield client
