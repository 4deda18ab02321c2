"""Roles from user groups: read in the background, never inside a check, and distrusted once
they could not be refreshed for 15 minutes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.runtime.roles import MAX_AGE, REFRESH_EVERY, RoleDirectory
from commands.actor import Role
from devkit.slack import FakeSlack
from tests.fixtures.slack import TEST_BOT_TOKEN

GROUP, MEMBER, OWNER = "S0OPS", "U0GROUPIE", "U0ALICE"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def roles(fake_slack: FakeSlack, clock: Clock) -> Iterator[RoleDirectory]:
    fake_slack.set_usergroup(GROUP, [MEMBER])
    client = WebClient(token=TEST_BOT_TOKEN, base_url=fake_slack.url, timeout=5)
    grants = {Role.OPERATOR: (OWNER, GROUP), Role.VIEWER: (), Role.APPROVER: (), Role.ADMIN: ()}
    yield RoleDirectory(grants, client=client, clock=clock)


def lists(fake: FakeSlack) -> int:
    return len(fake.calls("usergroups.users.list"))


def test_a_check_never_calls_slack_even_on_a_cold_cache(roles, fake_slack: FakeSlack) -> None:
    assert not roles.actor(MEMBER).has(Role.OPERATOR)  # not known yet: grants nothing
    assert roles.actor(OWNER).has(Role.OPERATOR)  # a user id needs no lookup
    assert lists(fake_slack) == 0
    roles.refresh()  # what the background thread does when woken
    assert roles.actor(MEMBER).has(Role.OPERATOR)
    assert lists(fake_slack) == 1


def test_start_reads_the_groups_before_serving_and_keeps_them_fresh(
    fake_slack: FakeSlack,
) -> None:
    fake_slack.set_usergroup(GROUP, [MEMBER])
    client = WebClient(token=TEST_BOT_TOKEN, base_url=fake_slack.url, timeout=5)
    roles = RoleDirectory({Role.OPERATOR: (GROUP,)}, client=client, refresh_every=0.05).start()
    try:
        assert roles.actor(MEMBER).has(Role.OPERATOR)
        fake_slack.set_usergroup(GROUP, [])
        fake_slack.wait_for(lambda: not roles.actor(MEMBER).has(Role.OPERATOR), timeout=30)
    finally:
        roles.stop()


def test_a_removed_member_loses_the_role_at_the_next_refresh(
    roles, fake_slack: FakeSlack, clock: Clock
) -> None:
    roles.refresh()
    fake_slack.set_usergroup(GROUP, [])
    assert roles.actor(MEMBER).has(Role.OPERATOR)  # known, and still fresh
    clock.now += REFRESH_EVERY
    roles.refresh()
    assert not roles.actor(MEMBER).has(Role.OPERATOR)


def test_a_membership_that_cannot_be_refreshed_for_15_minutes_grants_nothing(
    roles, fake_slack: FakeSlack, clock: Clock
) -> None:
    roles.refresh()
    fake_slack.fail_next("usergroups.users.list", "internal_error", times=1000)
    clock.now += REFRESH_EVERY
    roles.refresh()  # fails: what was known is kept, with its age
    assert roles.actor(MEMBER).has(Role.OPERATOR)
    clock.now += MAX_AGE - REFRESH_EVERY
    roles.refresh()
    assert not roles.actor(MEMBER).has(Role.OPERATOR)
    assert roles.actor(OWNER).has(Role.OPERATOR)  # named by id: unaffected
