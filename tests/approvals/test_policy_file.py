"""The approval policy file: parsed and validated at start-up, every problem one line naming the
key (and its line); without a file every kind keeps today's settings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.runtime.approval_policy import load_approval_policy, parse_approval_policy
from bot.runtime.settings import SettingsError
from commands.approvals.policy import DEFAULT, ApprovalPolicy
from commands.catalogue import action_kinds

KNOWN = action_kinds().measures()

EXAMPLE = """\
# docs/approvals.md, "A policy file"
[deactivate]
approvers = ["U0BOB", "S0APPROVERS"]
approvals = 1
ttl = "24h"
remind_after = "4h"
escalate_to = ["S0LEADS"]

[[deactivate.more]]
when_above = { numbers = 50 }
approvals = 2

[suspend]
break_glass = true
"""


def test_the_documented_example_reads_as_written() -> None:
    policy = parse_approval_policy(EXAMPLE, KNOWN)
    rules = policy.of("deactivate")
    assert rules.approvers == ("U0BOB", "S0APPROVERS")
    assert rules.ttl == timedelta(hours=24) and rules.remind_after == timedelta(hours=4)
    assert rules.escalate_to == ("S0LEADS",)
    assert rules.needed({"numbers": 50}) == 1 and rules.needed({"numbers": 51}) == 2
    assert policy.of("suspend").break_glass and policy.groups == ("S0APPROVERS", "S0LEADS")
    assert policy.of("override") is DEFAULT


def test_no_file_is_todays_behaviour() -> None:
    assert load_approval_policy(None, KNOWN) == ApprovalPolicy()
    assert DEFAULT.needed({"numbers": 10_000}) == 1 and DEFAULT.requesters is None


@pytest.mark.parametrize(
    ("text", "told"),
    [
        ("[deactivate]\napprovals = 0\n", "deactivate.approvals (line 2): Input should be greater"),
        ('[deactivate]\nttl = "24"\n', "deactivate.ttl (line 2): Value error, '24' is not a dur"),
        ("[deactivate]\napprover = []\n", "deactivate.approver (line 2): Extra inputs"),
        ('[deactivate]\napprovers = ["bob"]\n', "deactivate.approvers (line 2): Value error, not"),
        ("[deactivat]\n", "[deactivat]: no approval kind is called 'deactivat'"),
        (
            "[deactivate]\n[[deactivate.more]]\nwhen_above = { users = 5 }\napprovals = 2\n",
            "[deactivate].more[0].when_above.users: deactivate offers no measure 'users'",
        ),
        (
            '[deactivate]\nttl = "1h"\nremind_after = "2h"\n',
            "deactivate.remind_after (line 3): Value error, must be shorter than ttl",
        ),
        ("approvals = 2\n", "approvals (line 1): expected a table [approvals]"),
        ("[deactivate\n", "not valid TOML"),
    ],
)
def test_a_bad_file_names_the_key_and_its_line(text: str, told: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_approval_policy(text, KNOWN, where="policy.toml")
    assert str(caught.value).startswith("policy.toml: ")
    assert told in str(caught.value), str(caught.value)


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(
        SettingsError, match=r"JETHUB_APPROVAL_POLICY .*missing\.toml.*cannot be read"
    ):
        load_approval_policy(tmp_path / "missing.toml", KNOWN)


@given(st.integers(min_value=1, max_value=10_000), st.sampled_from("smhd"))
def test_durations_read_with_their_unit(amount: int, unit: str) -> None:
    seconds = amount * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    policy = parse_approval_policy(f'[deactivate]\nttl = "{amount}{unit}"\n', KNOWN)
    assert policy.of("deactivate").ttl == timedelta(seconds=seconds)


@given(st.text(max_size=12).filter(lambda t: not t.strip().rstrip("smhd").strip().isdigit()))
def test_anything_else_is_refused_on_the_key(text: str) -> None:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    try:
        source = f'[deactivate]\nttl = "{escaped}"\n'
        parse_approval_policy(source, KNOWN)
    except SettingsError as exc:
        assert "deactivate.ttl" in str(exc) or "not valid TOML" in str(exc)
    else:
        pytest.fail(f"{text!r} was read as a duration")
