"""Every change is a durable action (issue 14), proved on real ``jethub`` processes on PostgreSQL,
driven over signed HTTP, with the sandbox behind a gate that acts at the moment a backend call
arrives:

- the ledger's database cut during a suspension's and a rename's backend call: afterwards the
  audit holds the effect's event, ``jethub audit verify`` passes, the person's last word is true;
- two simultaneous deactivation requests on two replicas make one request; a request while its
  run executes is refused with a pointer; the platform sees ``POST …/deactivate`` once;
- ``kill -9`` of the process making the backend call of a suspension, a rename, an approved
  suspension and a deactivation: another process's sweeper completes it once, and says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from audit import ActionLock, ActionRun, ApprovalRequest, AuditEvent, Ledger
from bot.approvals import views as approval_views
from bot.deactivation import views as deactivation_views
from bot.suspension import views as suspension_views
from devkit.sandbox import Sandbox, demo_world
from devkit.slack import FakeSlack, SlackSender
from tests.fixtures.bot import ALICE, APPROVALS_CHANNEL, BOB, OSCAR
from tests.reliability.conftest import EffectLog, make_cluster
from tests.reliability.gates import Gate, PgProxy
from tests.reliability.procs import Cluster, Proc, environment, run_jethub_here, sweep_later
from tests.reliability.slack_driver import (
    poll,
    request_deactivation,
    sender,
    stale_approve,
    stale_click,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(300)]

# The processes' ledger backoff is a quarter of the real one (JETHUB_LEDGER_BACKOFF_SCALE): about
# 2.9 s in all. A cut of SHORT_CUT is ridden out within it; one of LONG_CUT outlasts it.
BACKOFF_SCALE = "0.25"
SHORT_CUT, LONG_CUT = 1.0, 5.0

OVERDUE = "1003"  # a demo account with an invoice overdue for suspension
RENAMED = "1006"
PLAIN = "1010"  # a demo account that can be deactivated


@dataclass
class Deployed:
    slack: FakeSlack
    sandbox: Sandbox
    effects: EffectLog
    gate: Gate
    cluster: Cluster
    webs: list[Proc]
    ledger: Ledger  # straight to PostgreSQL, never through the proxy
    direct_env: dict[str, str]

    def send(self, web: int = 0) -> SlackSender:
        return sender(self.slack, self.webs[web].url)

    def events(self, action: str, account: str) -> list[AuditEvent]:
        with self.ledger.read_session() as session:
            rows = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == action, AuditEvent.account == account)  # type: ignore[arg-type]
                .order_by(AuditEvent.seq)  # type: ignore[arg-type]
            ).all()
            for row in rows:
                session.expunge(row)
            return list(rows)

    def runs(self) -> list[ActionRun]:
        with self.ledger.read_session() as session:
            rows = list(session.scalars(select(ActionRun)).all())
            for row in rows:
                session.expunge(row)
            return rows

    def sweep(self) -> None:
        """One sweep, as the clock's job does it, by a sweeper whose clock is past any lease:
        built from the deployment's environment in this process (which holds no lease: the
        killed web process held it), as ``tests/reliability/procs.py sweep`` would in its own
        (``test_processes`` sweeps from a process)."""
        with environment(self.direct_env, self.cluster.logs):
            sweep_later(300)

    def verify(self) -> None:
        checked = run_jethub_here("audit", "verify", env=self.direct_env, cwd=self.cluster.logs)
        assert checked.returncode == 0, checked.stdout + checked.stderr


@contextmanager
def deploy(
    tmp_path: Path,
    slack: FakeSlack,
    database_url: str,
    *,
    webs: int = 1,
    proxy: PgProxy | None = None,
    **extra: str,
) -> Iterator[Deployed]:
    sandbox = Sandbox(world=demo_world())
    effects = EffectLog(sandbox.app)
    gate = Gate(effects)
    sandbox.app = gate  # type: ignore[assignment]
    sandbox.start(host="127.0.0.1", port=0)
    url = proxy.url(database_url) if proxy else database_url
    extra.setdefault("JETHUB_LEDGER_BACKOFF_SCALE", BACKOFF_SCALE)
    cluster = make_cluster(tmp_path, slack, sandbox, url, **extra)
    direct_env = {**cluster.env, "DATABASE_URL": database_url}
    ledger = Ledger.from_url(database_url)
    try:
        procs = [cluster.web(f"web{i}") for i in range(webs)]
        for proc in procs:
            proc.wait_healthy()
        yield Deployed(slack, sandbox, effects, gate, cluster, procs, ledger, direct_env)
    finally:
        cluster.stop_all()
        ledger.dispose()
        sandbox.stop()


# -- driving it -----------------------------------------------------------------------------------


def suspend(d: Deployed, account: str = OVERDUE, web: int = 0) -> None:
    """``/jethub suspend`` and a click on Confirm (the answer comes later, by response URL)."""
    send = d.send(web)
    before = len(d.slack.ephemerals(ALICE))
    assert send.command(ALICE, f"suspend {account} three reminders unanswered").status_code == 200

    def confirmation() -> dict[str, Any] | None:
        shown = [
            e
            for e in d.slack.ephemerals(ALICE)[before:]
            if suspension_views.CONFIRM in json.dumps(e)
        ]
        return shown[-1] if shown else None

    shown = poll(confirmation, timeout=30)
    assert send.block_action(ALICE, suspension_views.CONFIRM, message=shown).status_code == 200


def last_word(d: Deployed) -> str:
    """The last thing the bot told ALICE in the channel she worked in (by response URL)."""
    said = [json.dumps(r.body) for r in d.slack.responses() if r.user == ALICE]
    return said[-1] if said else ""


def dm(d: Deployed, user: str = ALICE) -> str:
    """Every direct message the bot sent ``user``."""
    return json.dumps(d.slack.messages(user))


def rename(d: Deployed, name: str, web: int = 0) -> None:
    send = d.send(web)
    assert send.command(ALICE, f"edit {RENAMED}").status_code == 200

    def modal() -> dict[str, Any] | None:
        view = d.slack.open_view(ALICE)
        return view if view and view.get("callback_id") == "changes.edit_modal" else None

    view = poll(modal, timeout=30)
    answer = send.view_submission(ALICE, view["id"], values={"name": {"value": name}})
    assert answer.status_code == 200


def renamed_reply(d: Deployed) -> str | None:
    found = [json.dumps(e) for e in d.slack.ephemerals(ALICE) if "renamed" in json.dumps(e)]
    return found[-1] if found else None


def names(d: Deployed) -> tuple[str, str | None]:
    with d.sandbox.world.lock:
        platform = d.sandbox.world.platform.accounts[RENAMED].name
        zuora = d.sandbox.world.zuora.account(f"A{int(RENAMED):08d}")
        return platform, zuora.name if zuora else None


def suspended_by(d: Deployed, account: str) -> str | None:
    with d.sandbox.world.lock:
        found = d.sandbox.world.platform.accounts[account].suspended
        return found.by if found else None


# -- the ledger cut during the backend call -------------------------------------------------------


def test_ledger_cut_during_a_suspension_backend_call(
    tmp_path: Path, slack: FakeSlack, fresh_pg_url: str
) -> None:
    proxy = PgProxy()
    try:
        with deploy(tmp_path, slack, fresh_pg_url, proxy=proxy) as d:
            d.gate.when("PUT", f"/accounts/{OVERDUE}/suspension", lambda: proxy.cut(SHORT_CUT))
            suspend(d)
            poll(lambda: "is suspended" in last_word(d), timeout=60)

            assert d.gate.fired and proxy.refused > 0  # the bot did meet the outage
            assert suspended_by(d, OVERDUE) == ALICE
            [event] = [e for e in d.events("suspend", OVERDUE) if e.outcome == "ok"]
            assert event.actor == ALICE and event.details["after"]["suspended"]["by"] == ALICE
            assert d.effects.matching(f"/{OVERDUE}/suspension") == {
                f"PUT /v2/accounts/{OVERDUE}/suspension": 1
            }
            [run] = d.runs()
            assert (run.state, run.outcome) == ("succeeded", "done")
            d.verify()
    finally:
        proxy.stop()


def test_ledger_cut_during_a_rename_backend_call(
    tmp_path: Path, slack: FakeSlack, fresh_pg_url: str
) -> None:
    proxy = PgProxy()
    try:
        with deploy(tmp_path, slack, fresh_pg_url, proxy=proxy) as d:
            d.gate.when("PATCH", f"/accounts/{RENAMED}", lambda: proxy.cut(SHORT_CUT))
            rename(d, "Southern Cross Physio")
            reply = poll(lambda: renamed_reply(d), timeout=60)

            assert "Jet Hub platform and Zuora" in reply
            assert names(d) == ("Southern Cross Physio", "Southern Cross Physio")
            [event] = d.events("edit.rename", RENAMED)
            assert event.outcome == "ok" and event.details["written"] == [
                "Jet Hub platform",
                "Zuora",
            ]
            assert proxy.refused > 0
            d.verify()
    finally:
        proxy.stop()


def test_a_ledger_outage_longer_than_the_backoff_is_reconciled_by_the_sweeper(
    tmp_path: Path, slack: FakeSlack, fresh_pg_url: str
) -> None:
    proxy = PgProxy()
    try:
        with deploy(tmp_path, slack, fresh_pg_url, proxy=proxy) as d:
            d.gate.when("PUT", f"/accounts/{OVERDUE}/suspension", lambda: proxy.cut(LONG_CUT))
            suspend(d)
            # The bot cannot record the effect: it says the action is in progress, not failed.
            poll(lambda: "in progress" in last_word(d), timeout=60)
            assert suspended_by(d, OVERDUE) == ALICE
            assert d.events("suspend", OVERDUE) == []
            [run] = d.runs()
            assert run.state == "running"

            d.sweep()  # another process, after the lease: reads the platform, records the truth
            [run] = d.runs()
            assert (run.state, run.outcome) == ("succeeded", "done")
            [event] = d.events("suspend", OVERDUE)
            assert event.outcome == "ok" and "reconciled" in event.details
            assert d.effects.matching(f"/{OVERDUE}/suspension") == {
                f"PUT /v2/accounts/{OVERDUE}/suspension": 1
            }
            assert "is suspended" in dm(d)  # the requester is told by DM
            d.verify()
    finally:
        proxy.stop()


# -- one active destructive action per account ----------------------------------------------------


def test_simultaneous_deactivation_requests_on_two_replicas_make_one(
    tmp_path: Path, slack: FakeSlack, fresh_pg_url: str
) -> None:
    with deploy(tmp_path, slack, fresh_pg_url, webs=2) as d:
        sends = [d.send(0), d.send(1)]

        users = (ALICE, OSCAR)
        views: list[dict[str, Any]] = []
        for i, user in enumerate(users):  # both modals are open before either is submitted
            assert sends[i].command(user, f"deactivate {PLAIN}").status_code == 200

            def request_modal(user: str = user) -> dict[str, Any] | None:
                view = d.slack.open_view(user)
                wanted = view and view.get("callback_id") == deactivation_views.REQUEST_MODAL
                return view if wanted else None

            views.append(poll(request_modal, timeout=30))

        def submit(i: int) -> int:
            return (
                sends[i]
                .view_submission(
                    users[i],
                    views[i]["id"],
                    values={
                        deactivation_views.REASON_BLOCK: {
                            deactivation_views.INPUT_ACTION: "closing down"
                        },
                        deactivation_views.CONFIRM_BLOCK: {deactivation_views.INPUT_ACTION: PLAIN},
                    },
                )
                .status_code
            )

        with ThreadPoolExecutor(2) as pool:
            assert list(pool.map(submit, range(2))) == [200, 200]

        def settled() -> bool:
            told = [m for u in (ALICE, OSCAR) for m in d.slack.messages(u)]
            return any("already has a deactivation" in json.dumps(m) for m in told)

        poll(settled, timeout=60)
        with d.ledger.read_session() as session:
            requests = session.scalars(select(ApprovalRequest)).all()
            assert len(requests) == 1
            locks = session.scalars(select(ActionLock)).all()
            assert [(lock.kind, lock.account) for lock in locks] == [("deactivate", PLAIN)]
        posted = [
            m
            for m in d.slack.messages(APPROVALS_CHANNEL)
            if f"Deactivate account {PLAIN} " in json.dumps(m)
        ]
        assert len(posted) == 1


def test_a_request_while_the_run_executes_is_refused_with_a_pointer(
    tmp_path: Path, slack: FakeSlack, fresh_pg_url: str
) -> None:
    with deploy(tmp_path, slack, fresh_pg_url) as d:
        send = d.send()
        posted = request_deactivation(send, d.slack, ALICE, PLAIN)
        request_id = str(posted["blocks"][-1]["elements"][0]["value"])
        d.sandbox.faults("platform").set(latency_ms=200)  # the run takes a while
        assert stale_approve(send, d.slack, BOB, posted, request_id, PLAIN)
        poll(lambda: any(r.state == "running" for r in d.runs()), timeout=30, every=0.05)

        assert send.command(OSCAR, f"deactivate {PLAIN}").status_code == 200
        refusal = poll(
            lambda: next(
                (
                    json.dumps(v)
                    for v in [d.slack.open_view(OSCAR)]
                    if v and "already has a deactivation" in json.dumps(v)
                ),
                None,
            ),
            timeout=30,
        )
        ts = str(posted["ts"]).replace(".", "")
        assert f"https://slack.com/archives/{APPROVALS_CHANNEL}/p{ts}" in refusal
        d.sandbox.faults("platform").set(latency_ms=0)
        poll(lambda: all(r.state == "succeeded" for r in d.runs()), timeout=120)
        assert d.effects.matching("/deactivate") == {f"POST /v2/accounts/{PLAIN}/deactivate": 1}

        # Deactivating it again does nothing and says so.
        assert send.command(OSCAR, f"deactivate {PLAIN}").status_code == 200
        poll(
            lambda: "already deactivated" in json.dumps(d.slack.open_view(OSCAR) or {}),
            timeout=30,
        )
        with d.ledger.read_session() as session:
            assert session.scalars(select(ActionLock)).all() == []


# -- kill -9 at the backend call ------------------------------------------------------------------


def _killer(d: Deployed) -> None:
    victim = d.webs[0]
    d.gate.when("PUT", f"/accounts/{OVERDUE}/suspension", victim.kill)


def test_kill_at_the_suspend_call_is_completed_by_the_sweeper(
    tmp_path: Path, slack: FakeSlack, fresh_pg_url: str
) -> None:
    with deploy(tmp_path, slack, fresh_pg_url) as d:
        _killer(d)
        suspend(d)
        poll(lambda: not d.webs[0].alive(), timeout=30)
        assert suspended_by(d, OVERDUE) == ALICE  # the effect landed; its worker is gone
        assert d.events("suspend", OVERDUE) == []

        d.sweep()
        [run] = d.runs()
        assert (run.state, run.outcome) == ("succeeded", "done")
        [event] = d.events("suspend", OVERDUE)
        assert event.outcome == "ok" and "reconciled" in event.details
        assert d.effects.matching("/suspension") == {f"PUT /v2/accounts/{OVERDUE}/suspension": 1}
        assert "is suspended" in dm(d)
        d.verify()


def test_kill_after_an_approved_suspension_is_completed_by_the_sweeper(
    tmp_path: Path, slack: FakeSlack, fresh_pg_url: str
) -> None:
    with deploy(tmp_path, slack, fresh_pg_url, JETHUB_SUSPEND_REQUIRES_APPROVAL="true") as d:
        suspend(d)
        posted = poll(
            lambda: next(
                (
                    m
                    for m in d.slack.messages(APPROVALS_CHANNEL)
                    if f"Suspend account {OVERDUE}" in json.dumps(m)
                ),
                None,
            ),
            timeout=30,
        )
        request_id = str(posted["blocks"][-1]["elements"][0]["value"])
        _killer(d)
        assert stale_click(d.send(), d.slack, BOB, posted, approval_views.APPROVE, request_id)
        poll(lambda: not d.webs[0].alive(), timeout=30)
        assert d.events("suspend", OVERDUE) == []

        d.sweep()
        [run] = d.runs()
        assert (run.state, run.outcome, run.approval_id) == ("succeeded", "done", request_id)
        [event] = d.events("suspend", OVERDUE)
        assert event.details["approved_by"] == BOB and "reconciled" in event.details
        assert d.effects.matching("/suspension") == {f"PUT /v2/accounts/{OVERDUE}/suspension": 1}
        thread = d.slack.thread(APPROVALS_CHANNEL, str(posted["ts"]))
        assert any("is suspended" in json.dumps(m) for m in thread)
        assert "is suspended" in dm(d)
        with d.ledger.read_session() as session:
            assert session.scalars(select(ActionLock)).all() == []
        d.verify()


def test_kill_at_the_rename_call_is_completed_by_the_sweeper(
    tmp_path: Path, slack: FakeSlack, fresh_pg_url: str
) -> None:
    with deploy(tmp_path, slack, fresh_pg_url) as d:
        d.gate.when("PATCH", f"/accounts/{RENAMED}", d.webs[0].kill)
        rename(d, "Southern Cross Physio")
        poll(lambda: not d.webs[0].alive(), timeout=30)
        assert names(d)[0] == "Southern Cross Physio"

        d.sweep()
        assert names(d) == ("Southern Cross Physio", "Southern Cross Physio")
        [event] = d.events("edit.rename", RENAMED)
        assert event.outcome == "ok" and event.details["written"] == ["Jet Hub platform", "Zuora"]
        assert len(d.effects.matching(f"PATCH /v2/accounts/{RENAMED}")) == 1
        assert "rename of account" in dm(d) and "is done" in dm(d)
        d.verify()


def test_kill_in_a_deactivation_step_is_completed_once_and_counted_truly(
    tmp_path: Path, slack: FakeSlack, fresh_pg_url: str
) -> None:
    with deploy(tmp_path, slack, fresh_pg_url) as d:
        with d.sandbox.world.lock:
            users = len(d.sandbox.world.platform.estate(PLAIN).collections["users"])
        assert users > 1
        send = d.send()
        posted = request_deactivation(send, d.slack, ALICE, PLAIN)
        request_id = str(posted["blocks"][-1]["elements"][0]["value"])
        d.gate.when("DELETE", f"/accounts/{PLAIN}/users/", d.webs[0].kill)
        assert stale_approve(send, d.slack, BOB, posted, request_id, PLAIN)
        poll(lambda: not d.webs[0].alive(), timeout=60)

        d.sweep()
        [run] = d.runs()
        assert (run.state, run.outcome) == ("succeeded", "done")
        assert d.effects.twice() == {}
        assert d.effects.matching("/deactivate") == {f"POST /v2/accounts/{PLAIN}/deactivate": 1}
        [users_step] = [
            e.details["detail"]
            for e in d.events("deactivate.step", PLAIN)
            if e.details["step"] == "users"
        ]
        assert users_step["removed"] == users  # what the lost attempt removed is counted
        thread = d.slack.thread(APPROVALS_CHANNEL, str(posted["ts"]))
        assert any("is deactivated" in json.dumps(m) for m in thread)
        # The sweeping process registered no listeners (as a clock): it still draws the request
        # with its real title and the run's outcome, not a placeholder.
        [final] = d.slack.messages(APPROVALS_CHANNEL)
        drawn = json.dumps(final)
        assert f"Deactivate account {PLAIN}" in drawn and "is deactivated" in drawn
        assert f"deactivate of account {PLAIN}" not in drawn
        d.verify()
