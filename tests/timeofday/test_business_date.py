"""Every date the product computes is the business date in JETHUB_TIMEZONE — at any hour, on the
days Sydney's clocks change, and whatever the machine's own time zone is.

Each case freezes the clock at an awkward instant (midnight in Sydney and in UTC, both DST
changes), sets the machine's ``TZ`` to a zone far from both, builds the demo world under that
clock, and checks every date computation against the demo's own table ("1003 is 8 days
overdue"): suspension, the digest, snoozes, approval expiry, allowances, and the emergency
record's ``updated_at``. ``.ci/run`` runs this module again with ``TZ`` set for the process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from audit import Ledger
from audit.approvals import create as create_request
from audit.approvals import expire_due
from bot.edge.blocks import local_time
from commands.actor import Actor, Role
from commands.catalogue import action_kinds
from commands.changes.emergency import SaveEmergency, save_emergency
from commands.deps import Deps
from commands.digest.overdue import build_digest
from commands.digest.snooze import SnoozeAccount, check_until, snooze_account
from commands.errors import InvalidInput
from commands.reading.billing import RefreshAllowances, refresh_allowances
from commands.suspension.models import PrepareSuspension
from commands.suspension.suspend import prepare_suspension
from devkit.sandbox import Sandbox, demo_world
from integrations.clock import BusinessClock
from integrations.platform import PlatformClient
from integrations.sbc import SbcClient
from integrations.zuora import ZuoraClient

SYDNEY = ZoneInfo("Australia/Sydney")
ALICE = Actor.with_grants("U0ALICE", {Role.OPERATOR})

INSTANTS = {
    "after-midnight-sydney": datetime(2026, 11, 27, 0, 0, 30, tzinfo=SYDNEY),
    "before-midnight-sydney": datetime(2026, 11, 26, 23, 59, 30, tzinfo=SYDNEY),
    "after-midnight-utc": datetime(2026, 11, 27, 0, 0, 30, tzinfo=UTC),
    "before-midnight-utc": datetime(2026, 11, 26, 23, 59, 30, tzinfo=UTC),
    "dst-starts-after-midnight": datetime(2026, 10, 4, 0, 0, 30, tzinfo=SYDNEY),
    "dst-starts-after-the-jump": datetime(2026, 10, 4, 3, 0, 30, tzinfo=SYDNEY),
    "dst-starts-before-midnight": datetime(2026, 10, 4, 23, 59, 30, tzinfo=SYDNEY),
    "dst-ends-after-midnight": datetime(2026, 4, 5, 0, 0, 30, tzinfo=SYDNEY),
    "dst-ends-repeated-hour": datetime(2026, 4, 5, 2, 30, fold=1, tzinfo=SYDNEY),
    "dst-ends-before-midnight": datetime(2026, 4, 5, 23, 59, 30, tzinfo=SYDNEY),
}
MACHINE_ZONES = ("America/Los_Angeles", "Etc/GMT+12", "Etc/GMT-14", "UTC")

# The demo's table: accounts at least 7 days overdue and not suspended, with the age of their
# oldest overdue invoice (devkit/sandbox/_demo.py).
DIGEST_ROWS = {"1003": 8, "1007": 8, "1008": 40, "1009": 120, "1012": 8}
CASES = [
    pytest.param((at, MACHINE_ZONES[i % 4]), id=f"{name}-TZ={MACHINE_ZONES[i % 4]}")
    for i, (name, at) in enumerate(INSTANTS.items())
]


@contextmanager
def machine_zone(name: str) -> Iterator[None]:
    """The process's local time zone set to ``name``, as if the machine lived there."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    offset = datetime.now(ZoneInfo(name)).utcoffset()
    assert offset is not None and time.localtime().tm_gmtoff == offset.total_seconds()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.fixture
def world_at(request: pytest.FixtureRequest, sqlite_ledger: Ledger) -> Iterator[tuple[Deps, date]]:
    """Deps on a demo sandbox built and served under the case's frozen clock and machine zone;
    and the business date (Sydney's) at that instant."""
    at, zone = request.param
    with machine_zone(zone), freeze_time(at, tick=True):
        sandbox = Sandbox(world=demo_world()).start()
        url = sandbox.url
        deps = Deps(
            zuora=ZuoraClient(base_url=url, client_id="sandbox", client_secret="sandbox"),
            platform=PlatformClient(base_url=url, token="platform-token"),
            sbc=SbcClient(base_url=url, token="sbc-token"),
            ledger=sqlite_ledger,
            actions=action_kinds(),
            clock=BusinessClock(SYDNEY),
        )
        try:
            yield deps, at.astimezone(SYDNEY).date()
        finally:
            for client in (deps.zuora, deps.platform, deps.sbc):
                client.close()
            sandbox.stop()


@pytest.mark.parametrize("world_at", CASES, indirect=True)
def test_every_date_is_the_business_date(world_at: tuple[Deps, date]) -> None:
    deps, today = world_at
    assert deps.today() == today

    shown = prepare_suspension(PrepareSuspension(account="1003", reason="overdue"), ALICE, deps)
    assert shown.overdue is not None and shown.overdue.as_of == today
    assert shown.overdue.oldest_days == 8
    assert shown.overdue.oldest_due == today - timedelta(days=8)

    digest = build_digest(deps, deps.today())
    assert digest.day == today
    assert {r.account: r.days_overdue for r in digest.rows} == DIGEST_ROWS
    assert not any(r.newly_overdue for r in digest.rows)
    tomorrow = build_digest(deps, today + timedelta(days=1))
    assert {r.account: r.days_overdue for r in tomorrow.rows} == {
        account: days + 1 for account, days in DIGEST_ROWS.items()
    }

    with pytest.raises(InvalidInput):
        check_until(today - timedelta(days=1), deps.today())
    snooze_account(
        SnoozeAccount(account="1003", until=today, reason="promised to pay Friday"), ALICE, deps
    )
    assert "1003" not in {r.account for r in build_digest(deps, today).rows}
    assert "1003" in {r.account for r in build_digest(deps, today + timedelta(days=1)).rows}

    refreshed = refresh_allowances(RefreshAllowances(account="1006"), ALICE, deps)
    assert refreshed.after.describe() == "5 × Cloud Mobile, 5 × Mobile Number, 1 × 1300 Number"  # noqa: RUF001
    assert refreshed.after.refreshed_at is not None
    assert refreshed.after.refreshed_at.astimezone(SYDNEY).date() == today

    current = deps.platform.emergency("1001")
    assert current is not None
    moved = current.address.model_copy(update={"house_number": "7"})
    save_emergency(SaveEmergency(account="1001", address=moved), ALICE, deps)
    saved = deps.platform.emergency("1001")
    assert saved is not None and saved.updated_at is not None
    assert local_time(saved.updated_at, SYDNEY).startswith(f"{today:%d %b %Y}")


@pytest.mark.parametrize("world_at", CASES[:4], indirect=True)
def test_approvals_expire_a_ttl_after_they_were_asked(world_at: tuple[Deps, date]) -> None:
    deps, _today = world_at
    ttl = timedelta(hours=24)
    with deps.ledger.session() as session:
        asked = create_request(
            session=session,
            kind="deactivate",
            account="1001",
            requested_by=ALICE.user_id,
            reason="closing",
            preview=None,
            now=deps.now(),
            ttl=ttl,
        )
        request_id = asked.id
    with deps.ledger.session() as session:
        assert expire_due(session=session, now=deps.now() + ttl - timedelta(seconds=5)) == []
    with deps.ledger.session() as session:
        expired = expire_due(session=session, now=deps.now() + ttl + timedelta(seconds=5))
        assert [r.id for r in expired] == [request_id]
