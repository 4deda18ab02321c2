"""``audited``: one command, one audit event — ok, refused or failed — on both databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from audit import AuditEvent, Ledger, latest
from commands.actor import Actor, Role
from commands.catalogue import action_kinds
from commands.deps import Deps, Policy
from commands.errors import (
    AccountNotFound,
    AmbiguousAccount,
    CommandError,
    Conflict,
    Forbidden,
    InvalidInput,
    NothingToDo,
    PartialFailure,
)
from commands.runs.kinds import InProgress
from commands.runs.records import ActionFailed
from commands.trail import audited, authorize
from integrations.errors import BackendUnavailable
from integrations.platform import PlatformClient
from integrations.sbc import SbcClient
from integrations.zuora import ZuoraClient

ALICE = Actor.with_grants("U0ALICE", {Role.OPERATOR})
VERA = Actor.with_grants("U0VERA", {Role.VIEWER})
Counted = list[tuple[str, str]]
NOWHERE = "http://127.0.0.1:9"  # no backend is called by these tests


@pytest.fixture
def deps(ledger: Ledger) -> Iterator[Deps]:
    made = Deps(
        zuora=ZuoraClient(base_url=NOWHERE, client_id="x", client_secret="x"),
        platform=PlatformClient(base_url=NOWHERE, token="x"),
        sbc=SbcClient(base_url=NOWHERE, token="x"),
        ledger=ledger,
        actions=action_kinds(),
        policy=Policy(role_contact="ask #it-help"),
    )
    yield made
    for client in (made.zuora, made.platform, made.sbc):
        client.close()


def trail(deps: Deps) -> list[tuple[str, str | None, str, str, dict[str, Any]]]:
    """Every audit event so far, oldest first: (actor, account, action, outcome, details)."""
    with deps.ledger.read_session() as session:
        rows: list[AuditEvent] = list(latest(session=session, limit=100))
        found = [(e.actor, e.account, e.action, str(e.outcome), dict(e.details)) for e in rows]
    return list(reversed(found))


@pytest.fixture
def counted(ledger: Ledger) -> list[tuple[str, str]]:
    """What the ledger's observers are told once committed (what ``jethub_actions_total``
    counts, one per event: ``bot.runtime.metrics.count_action``)."""
    seen: list[tuple[str, str]] = []
    ledger.observers.append(lambda event: seen.append((event.action, str(event.outcome))))
    return seen


def test_a_clean_exit_records_ok_with_the_details_the_body_learned(
    deps: Deps, counted: Counted
) -> None:
    with audited(deps, ALICE, "pbx.name", "1006", details={"pbx_id": "p1"}) as t:
        t.require(Role.OPERATOR, to="rename a PBX group")
        t.details["before"] = "old"
        t.account = "1006"

    assert trail(deps) == [("U0ALICE", "1006", "pbx.name", "ok", {"pbx_id": "p1", "before": "old"})]
    assert counted == [("pbx.name", "ok")]


def test_require_refuses_once_with_the_roles_and_who_grants_them(
    deps: Deps, counted: Counted
) -> None:
    with pytest.raises(Forbidden) as refused, audited(deps, VERA, "edit.rename", "1007") as t:
        t.require(Role.OPERATOR, to="rename an account")
        pytest.fail("the body goes on after a refusal")

    assert "ask #it-help" in str(refused.value) and "rename an account" in str(refused.value)
    assert trail(deps) == [
        (
            "U0VERA",
            "1007",
            "edit.rename",
            "refused",
            {"needed_role": "operator", "roles": ["viewer"]},
        )
    ]
    assert counted == [("edit.rename", "refused")]


@pytest.mark.parametrize(
    "make",
    [
        lambda: InvalidInput("subscription", "Zuora has no subscription A-S1."),
        lambda: Conflict("Account 1006 is deactivated; it can no longer be changed."),
    ],
    ids=["InvalidInput", "Conflict"],
)
def test_a_refusal_is_one_refused_event_with_the_details_and_the_problem(
    deps: Deps, make: Callable[[], CommandError], counted: Counted
) -> None:
    error = make()
    with (
        pytest.raises(type(error)) as raised,
        audited(deps, ALICE, "pbx.subscription", "1006") as t,
    ):
        t.details["subscription"] = "A-S1"
        raise error

    assert raised.value is error
    assert trail(deps) == [
        (
            "U0ALICE",
            "1006",
            "pbx.subscription",
            "refused",
            {"subscription": "A-S1", "problem": str(error)},
        )
    ]
    assert counted == [("pbx.subscription", "refused")]


def test_a_problem_the_body_named_is_kept_and_an_error_adds_its_own_details(deps: Deps) -> None:
    class Rejected(InvalidInput):
        @property
        def audit_details(self) -> dict[str, Any]:
            return {"errors": {"postcode": "wrong state"}}

    with pytest.raises(Rejected), audited(deps, ALICE, "emergency.save", "1008") as t:
        t.details["problem"] = "no such confirmation"
        raise Rejected("postcode", "IPND would reject this address")

    ((*_, details),) = trail(deps)
    assert details == {"problem": "no such confirmation", "errors": {"postcode": "wrong state"}}


@pytest.mark.parametrize(
    "make",
    [
        lambda: NothingToDo("The PBX is already billed on A-S1."),
        lambda: AccountNotFound("nobody"),
        lambda: AmbiguousAccount("a", [("1001", "Alpha"), ("1002", "Able")]),
        lambda: ActionFailed("The rename failed at “zuora”.", run_id="r1", step="zuora"),
        lambda: InProgress("The rename is being carried out by another worker."),
        lambda: RuntimeError("a bug is not an outcome"),
    ],
    ids=[
        "NothingToDo",
        "AccountNotFound",
        "AmbiguousAccount",
        "ActionFailed",
        "InProgress",
        "RuntimeError",
    ],
)
def test_what_is_not_the_commands_outcome_or_is_recorded_already_records_nothing(
    deps: Deps, make: Callable[[], Exception], counted: Counted
) -> None:
    error = make()
    with pytest.raises(type(error)), audited(deps, ALICE, "edit.rename", "a"):
        raise error

    assert trail(deps) == []
    assert counted == []


def test_an_answer_the_command_audits_as_its_refusal_is_recorded_once(
    deps: Deps, counted: Counted
) -> None:
    with pytest.raises(NothingToDo), audited(deps, ALICE, "deactivate.request", "1001") as t:
        raise t.refuse(NothingToDo("Account 1001 is already deactivated."), problem="deactivated")

    assert trail(deps) == [
        ("U0ALICE", "1001", "deactivate.request", "refused", {"problem": "deactivated"})
    ]
    assert counted == [("deactivate.request", "refused")]


def test_a_backend_failure_is_one_failed_event_with_the_error(deps: Deps, counted: Counted) -> None:
    error = BackendUnavailable("zuora", "HTTP 503 after 4 attempts")
    with pytest.raises(BackendUnavailable), audited(deps, ALICE, "edit.rename", "1007") as t:
        t.details["before"] = "Wattle"
        raise error

    assert trail(deps) == [
        (
            "U0ALICE",
            "1007",
            "edit.rename",
            "failed",
            {"before": "Wattle", "error": "Zuora: HTTP 503 after 4 attempts"},
        )
    ]
    assert counted == [("edit.rename", "failed")]


def test_a_partial_failure_is_failed_not_refused(deps: Deps) -> None:
    with pytest.raises(PartialFailure), audited(deps, ALICE, "edit.parent", "1009"):
        raise PartialFailure("only half done")

    assert [(a, o) for _, _, a, o, _ in trail(deps)] == [("edit.parent", "failed")]


def test_ok_inside_the_callers_unit_of_work_is_the_only_event(deps: Deps, counted: Counted) -> None:
    with (
        audited(deps, ALICE, "snooze", "1002", details={"before": None}) as t,
        deps.ledger.session() as session,
    ):
        t.ok(session=session, after={"until": "2026-12-01"})
        assert trail(deps) == []  # not committed yet

    assert trail(deps) == [
        ("U0ALICE", "1002", "snooze", "ok", {"before": None, "after": {"until": "2026-12-01"}})
    ]
    assert counted == [("snooze", "ok")]


def test_an_ok_rolled_back_with_its_unit_of_work_gives_way_to_the_refusal(
    deps: Deps, counted: Counted
) -> None:
    with (
        pytest.raises(Conflict),
        audited(deps, ALICE, "snooze", "1002") as t,
        deps.ledger.session() as session,
    ):
        t.ok(session=session)
        raise Conflict("someone snoozed it meanwhile")

    assert [(a, o) for _, _, a, o, _ in trail(deps)] == [("snooze", "refused")]
    assert counted == [("snooze", "refused")]


def test_an_outcome_recorded_elsewhere_is_not_recorded_again(deps: Deps) -> None:
    with audited(deps, ALICE, "refresh_auth", "1001") as t:
        t.recorded_elsewhere()
    with pytest.raises(NothingToDo), audited(deps, ALICE, "refresh_auth", "1001") as t:
        t.recorded_elsewhere()
        raise NothingToDo("the run was refused, and said so in its own event")

    assert trail(deps) == []


def test_the_outcome_is_recorded_once_only(deps: Deps) -> None:
    with audited(deps, ALICE, "snooze", "1002") as t:
        t.ok()
        with pytest.raises(RuntimeError, match="recorded already"):
            t.ok()

    assert [(a, o) for _, _, a, o, _ in trail(deps)] == [("snooze", "ok")]


def test_nested_trails_record_an_error_once_in_the_innermost(deps: Deps) -> None:
    with (
        pytest.raises(Forbidden),
        audited(deps, VERA, "pbx.subscription", "1006"),
        audited(deps, VERA, "pbx", "1006") as inner,
    ):
        inner.require(Role.OPERATOR, to="change a PBX")
    with (
        pytest.raises(InvalidInput),
        audited(deps, ALICE, "deactivate.preview", "1001"),
        audited(deps, ALICE, "deactivate.request", "1001"),
    ):
        raise InvalidInput("confirm", "Type 1001 exactly to confirm.")

    assert [(a, o) for _, _, a, o, _ in trail(deps)] == [
        ("pbx", "refused"),
        ("deactivate.request", "refused"),
    ]


def test_authorize_records_a_reads_refusal_and_nothing_when_it_lets_one_through(
    deps: Deps,
) -> None:
    authorize(deps, VERA, Role.VIEWER, action="account", to="view accounts", account="1001")
    with pytest.raises(Forbidden):
        authorize(deps, VERA, Role.OPERATOR, action="digest", to="see the digest", account=None)

    assert trail(deps) == [
        ("U0VERA", None, "digest", "refused", {"needed_role": "operator", "roles": ["viewer"]})
    ]
