"""A Retry of a destructive run re-reads the retrier's membership at its source: refused when it
is gone or cannot be confirmed, before anything about the run is touched."""

from __future__ import annotations

from dataclasses import replace

import pytest

from audit.models import RunState
from commands.approvals.decisions import decide_approval
from commands.approvals.model import DecideApproval
from commands.deps import Deps
from commands.errors import MembershipUnknown, RoleWithdrawn
from commands.runs.records import load_run, run_for_approval
from commands.runs.retry import RetryRun, retry_run
from tests.deactivation.conftest import BETTY, BOB, actions
from tests.deactivation.test_commands import ACCOUNT, request


@pytest.mark.parametrize(("answer", "error"), [(False, RoleWithdrawn), (None, MembershipUnknown)])
def test_a_retry_by_someone_slack_no_longer_confirms_is_refused(
    deps: Deps, answer: bool | None, error: type[Exception]
) -> None:
    doubtful = replace(deps, membership=lambda _user, _role: answer)
    request_id = request(deps)
    order = DecideApproval(request_id=request_id, decision="approve", typed_account=ACCOUNT)
    decide_approval(order, BOB, deps)
    run = run_for_approval(deps, request_id)
    assert run is not None
    with pytest.raises(error):
        retry_run(RetryRun(run_id=run.id), BETTY, doubtful)
    after = load_run(deps, run.id)
    assert after is not None and after.state is RunState.PENDING  # untouched by the refusal
    assert ("U0BETTY", "deactivate.retry", "refused") in actions(deps.ledger, ACCOUNT)
