"""The approval policy: per kind of approval, who may ask, who may approve, how many distinct
approvers must agree (more under a condition), how long a request lives, when approvers are
reminded and who else is told then. Read from a TOML file by the composition root
(``bot.runtime.approval_policy``); without one, every kind keeps the settings' behaviour (its
roles, one approver, ``JETHUB_APPROVAL_TTL``, a reminder at 75 % of it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SLACK_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")
MAX_APPROVALS = 5  # more distinct approvers than this is a typo, not a policy


def _duration(value: object) -> object:
    """``90s``, ``15m``, ``24h`` or ``2d`` (a unit is required: "24" is ambiguous in a file)."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a duration like 30m, 24h or 2d")
        seconds = int(match.group(1)) * _UNITS[match.group(2)]
        if seconds <= 0:
            raise ValueError("must be longer than zero")
        return timedelta(seconds=seconds)
    if isinstance(value, timedelta):
        return value
    raise ValueError('must be a duration in quotes, like "24h"')


Duration = Annotated[timedelta, BeforeValidator(_duration)]


def _ids(value: object) -> object:
    if not isinstance(value, list | tuple):
        raise ValueError('must be a list of Slack ids, like ["U0123ABC", "S0456DEF"]')
    bad = [str(item) for item in value if not isinstance(item, str) or not _SLACK_ID.match(item)]
    if bad:
        raise ValueError(f"not Slack user (U…) or user-group (S…) ids: {', '.join(bad)}")
    return tuple(value)


SlackIds = Annotated[tuple[str, ...], BeforeValidator(_ids)]


class MoreApprovals(BaseModel):
    """A condition that raises the count: ``when`` maps a measure the kind offers
    (``ApprovalKind.measures``, e.g. a deactivation's ``numbers``) to a threshold; any measure
    above its threshold asks for ``approvals`` approvers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    when_above: dict[str, int] = Field(min_length=1)
    approvals: int = Field(ge=1, le=MAX_APPROVALS)

    def applies(self, measures: Mapping[str, int]) -> bool:
        return any(measures.get(name, 0) > limit for name, limit in self.when_above.items())


class KindPolicy(BaseModel):
    """One kind's rules. ``requesters`` / ``approvers``: when given, the person must be one of
    these users or in one of these user groups *as well as* hold the kind's role."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requesters: SlackIds | None = None
    approvers: SlackIds | None = None
    approvals: int = Field(default=1, ge=1, le=MAX_APPROVALS)
    more: tuple[MoreApprovals, ...] = ()
    ttl: Duration | None = None
    remind_after: Duration | None = None
    escalate_to: SlackIds = ()
    # An admin may carry it out at once, with a reason, reviewed after; None: as the kind says
    # (a suspension may, a deactivation may not).
    break_glass: bool | None = None

    @field_validator("remind_after")
    @classmethod
    def _remind_within(cls, value: timedelta | None, info: Any) -> timedelta | None:
        ttl = info.data.get("ttl")
        if value is not None and ttl is not None and value >= ttl:
            raise ValueError(f"must be shorter than ttl ({ttl})")
        return value

    def needed(self, measures: Mapping[str, int]) -> int:
        """How many distinct approvers a request with these measures needs."""
        return max([self.approvals, *(m.approvals for m in self.more if m.applies(measures))])


DEFAULT = KindPolicy()


class ApprovalPolicy(BaseModel):
    """Every kind's ``KindPolicy`` by approval kind name; a kind not named keeps ``DEFAULT``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: dict[str, KindPolicy] = Field(default_factory=dict)

    def of(self, kind: str) -> KindPolicy:
        return self.kinds.get(kind, DEFAULT)

    @property
    def groups(self) -> tuple[str, ...]:
        """Every user group the policy names (kept fresh by the role directory)."""
        found = {
            i
            for rules in self.kinds.values()
            for ids in (rules.requesters or (), rules.approvers or (), rules.escalate_to)
            for i in ids
            if i.startswith("S")
        }
        return tuple(sorted(found))

    def check_kinds(self, known: Mapping[str, Sequence[str]]) -> list[str]:
        """Problems against the catalogue (``known``: kind → the measures it offers), each
        naming its key: a kind that does not exist, a measure it does not offer."""
        problems: list[str] = []
        for name, rules in self.kinds.items():
            if name not in known:
                offered = ", ".join(sorted(known))
                problems.append(f"[{name}]: no approval kind is called {name!r} ({offered})")
                continue
            for i, more in enumerate(rules.more):
                for measure in more.when_above:
                    if measure not in known[name]:
                        offers = ", ".join(known[name]) or "none"
                        problems.append(
                            f"[{name}].more[{i}].when_above.{measure}: {name} offers no measure "
                            f"{measure!r} (it offers: {offers})"
                        )
        return problems
