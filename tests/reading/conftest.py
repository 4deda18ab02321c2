"""Helpers for the read-side tests: real clients on the sandbox, a real ledger, and checks that
every message the bot produced is valid Block Kit within Slack's limits."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block
from sqlmodel import select

from audit import AuditEvent, Ledger
from commands.actor import Actor, Role
from commands.catalogue import action_kinds
from commands.deps import Deps
from devkit.sandbox import Sandbox
from integrations.clock import BusinessClock, utc_now
from integrations.platform import PlatformClient
from integrations.sbc import SbcClient
from integrations.zuora import ZuoraClient

ZONE = ZoneInfo("Australia/Sydney")
ALICE = Actor.with_grants("U0ALICE", {Role.OPERATOR})
VERA = Actor.with_grants("U0VERA", {Role.VIEWER})
NOBODY = Actor.with_grants("U0NOBODY", set())
MAX_MESSAGE_BLOCKS = 50


def make_deps(url: str, ledger: Ledger, *, now: Callable[[], datetime] | None = None) -> Deps:
    no_wait: Callable[[float], None] = lambda _seconds: None  # noqa: E731
    return Deps(
        zuora=ZuoraClient(
            base_url=url,
            client_id="sandbox",
            client_secret="sandbox",
            max_attempts=2,
            sleep=no_wait,
        ),
        platform=PlatformClient(
            base_url=url, token="platform-token", max_attempts=2, sleep=no_wait
        ),
        sbc=SbcClient(base_url=url, token="sbc-token"),
        ledger=ledger,
        actions=action_kinds(),
        clock=BusinessClock(ZONE, now=now or utc_now),
    )


@pytest.fixture
def deps(sandbox: Sandbox, sqlite_ledger: Ledger) -> Iterator[Deps]:
    made = make_deps(sandbox.url, sqlite_ledger)
    yield made
    made.zuora.close()
    made.platform.close()
    made.sbc.close()


def events(ledger: Ledger, account: str | None = None) -> list[AuditEvent]:
    with ledger.session() as session:
        rows = list(session.exec(select(AuditEvent).order_by(AuditEvent.seq)))  # type: ignore[arg-type]
        for row in rows:
            session.expunge(row)
    return [e for e in rows if account is None or e.account == account]


def assert_valid_message(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Every block parses back into slack_sdk.models and re-serialises (checking Slack's
    limits); at most 50 blocks; no raw mention anywhere. Returns the blocks."""
    blocks = payload.get("blocks") or []
    assert len(blocks) <= MAX_MESSAGE_BLOCKS, f"{len(blocks)} blocks"
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        parsed.validate_json()
        assert parsed.to_dict()["type"] == raw["type"]
    assert_no_mentions(payload)
    return blocks


def assert_no_mentions(payload: Any) -> None:
    text = json.dumps(payload, ensure_ascii=False)
    for mention in ("<!channel>", "<!here>", "<!everyone>", "<@U123>"):
        assert mention not in text, f"{mention} reached Slack unescaped"


def block_text(payload: dict[str, Any]) -> str:
    """All the text a person would read in a message (mrkdwn, fields, context, buttons)."""
    parts: list[str] = [str(payload.get("text", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload.get("blocks") or [])
    return "\n".join(parts)


def action_ids(payload: dict[str, Any]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("action_id"), str):
                found.append(node["action_id"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload.get("blocks") or [])
    return found
