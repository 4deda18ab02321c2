"""Each fix as a command, on the demo sandbox and a real ledger (SQLite and PostgreSQL): checked
again before it acts, done as a run, audited with who pressed it; refused for a viewer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from audit import for_account
from audit.models import ActionRun
from commands.actor import Actor, Role
from commands.deps import Deps
from commands.errors import Forbidden
from commands.reconcile.fixes import FixedElsewhere, FixOrder, apply_fix
from devkit.sandbox import Sandbox
from tests.reconcile.conftest import add_run, pairs, platform_call, report

ALICE = Actor.with_grants("U0ALICE", {Role.OPERATOR})
VERA = Actor.with_grants("U0VERA", {Role.VIEWER})


def actions(deps: Deps, account: str) -> list[tuple[str, str, str]]:
    with deps.ledger.read_session() as session:
        rows = for_account(session=session, account=account, limit=50)
        return [(e.actor, e.action, str(e.outcome)) for e in reversed(rows)]


def test_lift_an_outside_suspension(deps: Deps, sandbox: Sandbox) -> None:
    fixed = apply_fix(
        FixOrder(account="1005", check="suspended-outside-bot", fix="lift"), ALICE, deps
    )
    assert fixed.run_id and "lifted" in fixed.said
    assert platform_call(sandbox.url, "GET", "/v2/accounts/1005")["suspended"] is None
    assert ("1005", "suspended-outside-bot") not in pairs(report(deps)[0])
    assert actions(deps, "1005")[-2:] == [
        ("U0ALICE", "unsuspend", "ok"),
        ("U0ALICE", "reconcile.fix", "ok"),
    ]


def test_save_the_emergency_address_from_sold_to(deps: Deps, sandbox: Sandbox) -> None:
    address = {"house_number": "1", "street_name": "ELSEWHERE", "street_type": "ST",
               "locality": "SYDNEY", "state": "NSW", "postcode": "2000"}  # fmt: skip
    platform_call(sandbox.url, "PUT", "/v2/accounts/1002/emergency", {"address": address})
    order = FixOrder(account="1002", check="emergency-address", fix="save-emergency")
    assert apply_fix(order, ALICE, deps).run_id
    assert ("1002", "emergency-address") not in pairs(report(deps)[0])
    assert ("U0ALICE", "emergency.save", "ok") in actions(deps, "1002")


def test_retry_and_abandon_an_action(deps: Deps) -> None:
    failed = add_run(deps, kind="billing.refresh", account="1004", state="failed", error="503",
                     params={"zuora_account": "A00001004"})  # fmt: skip
    with deps.ledger.session() as session:  # its one step, failed as the engine leaves it
        from audit.models import ActionStep

        session.add(ActionStep(run_id=failed, position=0, name="refresh", state="failed"))
    retried = apply_fix(FixOrder(account="1004", check="failed-action", fix="retry",
                                 run_id=failed), ALICE, deps)  # fmt: skip
    assert retried.work_run and retried.run_id == failed

    old = deps.now() - timedelta(hours=3)
    stuck = add_run(deps, kind="pbx.name", account="1002", state="running", lease_until=old,
                    updated_at=old)  # fmt: skip
    apply_fix(FixOrder(account="1002", check="stuck-action", fix="abandon", run_id=stuck),
              ALICE, deps)  # fmt: skip
    with deps.ledger.read_session() as session:
        row = session.get(ActionRun, stuck)
        assert row is not None and row.state == "failed" and row.outcome == "abandoned"
        assert row.error == "abandoned by U0ALICE"
    assert not [f for f in report(deps)[0] if f.run_id == stuck]  # abandoned: no finding
    with pytest.raises(FixedElsewhere):  # pressed twice
        apply_fix(FixOrder(account="1002", check="stuck-action", fix="abandon", run_id=stuck),
                  ALICE, deps)  # fmt: skip


def test_a_viewer_is_refused_and_that_is_audited(deps: Deps, sandbox: Sandbox) -> None:
    with pytest.raises(Forbidden):
        apply_fix(FixOrder(account="1005", check="suspended-outside-bot", fix="lift"), VERA, deps)
    assert platform_call(sandbox.url, "GET", "/v2/accounts/1005")["suspended"] is not None
    assert actions(deps, "1005")[-1] == ("U0VERA", "reconcile.fix", "refused")


def test_a_fix_that_does_not_fix_that_check_is_refused(deps: Deps) -> None:
    with pytest.raises(Exception, match="does not fix"):
        apply_fix(FixOrder(account="1006", check="allowances", fix="lift"), ALICE, deps)
