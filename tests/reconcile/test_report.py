"""The report against the demo sandbox and a real ledger (SQLite and PostgreSQL): each check
finds its drift and nothing else; a backend failing mid-report is named and ends it."""

from __future__ import annotations

from datetime import timedelta

from commands.deps import Deps
from commands.reconcile import Reconciliation
from devkit.sandbox import Sandbox
from tests.reconcile.conftest import DEMO_DRIFT, add_run, pairs, platform_call, report


def test_the_demo_world_shows_only_its_own_drift(deps: Deps) -> None:
    findings, run = report(deps)
    assert pairs(findings) == DEMO_DRIFT
    assert run.end is not None and run.end.complete and run.end.checked == 12
    outside = next(f for f in findings if f.check == "suspended-outside-bot")
    assert outside.fix == "adopt" and outside.fixes == ("adopt", "lift")
    assert outside.platform and "U02BILLING" in outside.platform
    stale = next(f for f in findings if f.check == "allowances")
    assert stale.platform and stale.platform.startswith("4 \N{MULTIPLICATION SIGN} Cloud Mobile")
    assert stale.zuora and stale.zuora.startswith("5 \N{MULTIPLICATION SIGN} Cloud Mobile")


def test_suspensions_the_bot_made_agree_and_lifts_outside_it_do_not(
    deps: Deps, sandbox: Sandbox
) -> None:
    by, reason = "U0ALICE", "Invoice overdue"
    platform_call(sandbox.url, "PUT", "/v2/accounts/1003/suspension", {"by": by, "reason": reason})
    add_run(deps, kind="suspend", account="1003", params={"by": by, "reason": reason})
    # 1004: the bot suspended it; someone lifted it in the portal.
    add_run(deps, kind="suspend", account="1004", params={"by": by, "reason": reason})
    findings, _ = report(deps)
    assert ("1003", "suspended-outside-bot") not in pairs(findings)
    lifted = [f for f in findings if f.account == "1004"]
    assert [(f.check, f.fix) for f in lifted] == [("lifted-outside-bot", "adopt")]
    assert lifted[0].since is not None and lifted[0].ledger and "U0ALICE" in lifted[0].ledger


def test_an_adopted_suspension_agrees_until_it_changes(deps: Deps, sandbox: Sandbox) -> None:
    held = platform_call(sandbox.url, "GET", "/v2/accounts/1005")["suspended"]
    add_run(
        deps,
        kind="reconcile.adopt",
        account="1005",
        params={"suspended": True, "by": held["by"], "reason": held["reason"]},
    )
    assert ("1005", "suspended-outside-bot") not in pairs(report(deps)[0])
    platform_call(sandbox.url, "DELETE", "/v2/accounts/1005/suspension")
    again = {"by": "U09OTHER", "reason": "Chargeback"}
    platform_call(sandbox.url, "PUT", "/v2/accounts/1005/suspension", again)
    assert ("1005", "suspended-outside-bot") in pairs(report(deps)[0])


def test_paid_but_still_suspended_by_the_bot(deps: Deps, sandbox: Sandbox) -> None:
    by, reason = "U0ALICE", "Invoice overdue"
    platform_call(sandbox.url, "PUT", "/v2/accounts/1010/suspension", {"by": by, "reason": reason})
    add_run(deps, kind="suspend", account="1010", params={"by": by, "reason": reason})
    found = [f for f in report(deps)[0] if f.account == "1010"]
    assert [(f.check, f.fix, f.zuora) for f in found] == [
        ("paid-still-suspended", "lift", "nothing overdue")
    ]


def test_a_snooze_an_exclusion_or_a_promise_holds_an_overdue_account_out(deps: Deps) -> None:
    from audit import exclude, promise, snooze

    now, today = deps.now(), deps.today()
    assert {("1008", "overdue-unattended"), ("1009", "overdue-unattended")} <= pairs(
        report(deps)[0]
    )
    with deps.ledger.session() as session:
        snooze(session=session, account="1008", until=today + timedelta(days=3),
               by="U0ALICE", reason="on holiday", now=now)  # fmt: skip
        exclude(session=session, account="1009", reason="government", by="U0ALICE", now=now)
    found = pairs(report(deps)[0])
    assert ("1008", "overdue-unattended") not in found
    assert ("1009", "overdue-unattended") not in found
    with deps.ledger.session() as session:
        from audit import include, lift

        lift(session=session, account="1008")
        include(session=session, account="1009")
        promise(session=session, account="1009", amount="5820.40", currency="AUD",
                due=today + timedelta(days=5), note="transfer", by="U0ALICE", now=now)  # fmt: skip
    found = pairs(report(deps)[0])
    assert ("1008", "overdue-unattended") in found
    assert ("1009", "overdue-unattended") not in found


def test_deactivated_but_still_billed(deps: Deps, sandbox: Sandbox) -> None:
    platform_call(sandbox.url, "POST", "/v2/accounts/1007/deactivate", {"by": "U0ALICE"})
    found = [f for f in report(deps)[0] if f.account == "1007"]
    assert [(f.check, f.fix) for f in found] == [("billed-after-deactivation", "tell-billing")]
    assert found[0].zuora and "Active" in found[0].zuora


def test_an_emergency_address_changed_on_the_platform(deps: Deps, sandbox: Sandbox) -> None:
    address = {"house_number": "1", "street_name": "ELSEWHERE", "street_type": "ST",
               "locality": "SYDNEY", "state": "NSW", "postcode": "2000"}  # fmt: skip
    platform_call(sandbox.url, "PUT", "/v2/accounts/1002/emergency", {"address": address})
    found = [f for f in report(deps)[0] if f.account == "1002"]
    assert [(f.check, f.fix) for f in found] == [("emergency-address", "save-emergency")]
    assert found[0].platform and "ELSEWHERE" in found[0].platform


def test_stuck_and_failed_actions(deps: Deps) -> None:
    old = deps.now() - timedelta(hours=2)
    stuck = add_run(deps, kind="billing.refresh", account="1001", state="running",
                    lease_until=old, updated_at=old)  # fmt: skip
    failed = add_run(deps, kind="pbx.name", account="1002", state="failed", error="platform 503")
    add_run(deps, kind="billing.refresh", account="1003", state="failed", error="timeout")
    add_run(deps, kind="billing.refresh", account="1003", created_at=deps.now())  # retried
    found = {f.run_id: f for f in report(deps)[0] if f.run_id}
    assert set(found) == {stuck, failed}
    assert found[stuck].check == "stuck-action" and found[stuck].fixes == ("retry", "abandon")
    assert found[failed].check == "failed-action" and "platform 503" in (found[failed].ledger or "")


def test_one_account_is_checked_alone(deps: Deps) -> None:
    findings, run = report(deps, account="1009")
    assert pairs(findings) == {("1009", "overdue-unattended")}
    assert run.end is not None and run.end.checked == 1


def test_a_zuora_outage_mid_report_is_named_and_ends_it(deps: Deps, sandbox: Sandbox) -> None:
    # A page an account: while 1005 is told, only the next page's Zuora read is already asked.
    run = Reconciliation(deps, page_size=1)
    seen = []
    for finding in run.findings():
        seen.append(finding)
        if len(seen) == 1:  # 1005, the first finding: Zuora goes down
            sandbox.faults("zuora").set(error_rate=1.0)
    end = run.end
    assert end is not None and not end.complete
    assert end.failed_backend == "zuora" and end.backend_name == "Zuora"
    assert 5 <= end.checked <= 6
    # Nothing from the accounts after the last whole page, not even the ledger's actions.
    assert all(int(f.account) <= 1000 + end.checked for f in seen)


def test_the_report_streams_a_page_at_a_time(deps: Deps, sandbox: Sandbox) -> None:
    run = Reconciliation(deps, page_size=1)
    first = next(iter(run.findings()))
    assert first.account == "1005"
    # Told before the platform was read to the end: 1005's page, the one pending behind it and
    # the one fetched ahead — 7 of the 12 pages at most.
    assert sandbox.counters.get("platform", "GET /v2/accounts") <= 7
