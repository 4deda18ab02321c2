"""Child-process entry points for the multi-process tests (run as ``python -m``).

``decide URL DB REQUEST N``: N threads click Approve on REQUEST at once; prints how many won.
``crash URL DB RUN STEP [mid]``: works RUN and kills itself with SIGKILL once STEP is done (or,
with ``mid``, after the first item of STEP), leaving its lease to lapse as a dead process does.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

from audit import Ledger
from commands.actor import Actor, Role
from commands.approvals.decisions import decide_approval
from commands.approvals.model import AlreadyDecided, DecideApproval
from commands.approvals.requests import load_approval
from commands.deactivation.request import QuietProgress, execute_run
from tests.deactivation.conftest import make_deps
from tests.fixtures.ledger import AUDIT_KEY

APPROVERS = ("U0BOB", "U0BETTY", "U0BRUNO", "U0BEA")


def decide(url: str, db: str, request_id: str, clicks: int) -> None:
    deps = make_deps(url, Ledger.from_url(db, key=AUDIT_KEY))
    asked = load_approval(deps, request_id)
    typed = asked.account if asked else None
    barrier = threading.Barrier(clicks)
    wins: list[str] = []

    def click(i: int) -> None:
        actor = Actor.with_grants(APPROVERS[i % len(APPROVERS)], {Role.APPROVER})
        barrier.wait()
        try:
            order = DecideApproval(request_id=request_id, decision="approve", typed_account=typed)
            decide_approval(order, actor, deps)
            wins.append(actor.user_id)
        except AlreadyDecided:
            pass

    threads = [threading.Thread(target=click, args=(i,)) for i in range(clicks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"wins={len(wins)}", flush=True)


class KillAt(QuietProgress):
    def __init__(self, step: str, mid: bool) -> None:
        self.step, self.mid = step, mid

    def step_progress(self, name: str, done: int, total: int) -> None:
        if self.mid and name == self.step and done < total:
            os.kill(os.getpid(), signal.SIGKILL)

    def step_done(self, position: int, name: str, detail: dict[str, Any]) -> None:
        if not self.mid and name == self.step:
            os.kill(os.getpid(), signal.SIGKILL)


def crash(url: str, db: str, run_id: str, step: str, mid: bool) -> None:
    deps = make_deps(url, Ledger.from_url(db, key=AUDIT_KEY))
    execute_run(deps, run_id, progress=KillAt(step, mid), batch=1 if mid else 25)
    print("finished without dying", flush=True)


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "decide":
        decide(args[0], args[1], args[2], int(args[3]))
    else:
        crash(args[0], args[1], args[2], args[3], len(args) > 4 and args[4] == "mid")
