"""Who asks: a Slack user with the roles the server resolved for them (never from a payload)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from commands.errors import Forbidden


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    APPROVER = "approver"
    ADMIN = "admin"


# What each granted role lets a person do as well: everyone who may act may also read.
_IMPLIES: dict[Role, frozenset[Role]] = {
    Role.VIEWER: frozenset({Role.VIEWER}),
    Role.OPERATOR: frozenset({Role.OPERATOR, Role.VIEWER}),
    Role.APPROVER: frozenset({Role.APPROVER, Role.VIEWER}),
    Role.ADMIN: frozenset(Role),
}


def effective_roles(granted: set[Role] | frozenset[Role]) -> frozenset[Role]:
    roles: set[Role] = set()
    for role in granted:
        roles |= _IMPLIES[role]
    return frozenset(roles)


@dataclass(frozen=True)
class Actor:
    user_id: str
    roles: frozenset[Role] = field(default_factory=frozenset)

    @classmethod
    def with_grants(cls, user_id: str, granted: set[Role] | frozenset[Role]) -> Actor:
        return cls(user_id=user_id, roles=effective_roles(granted))

    def has(self, role: Role) -> bool:
        return role in self.roles

    def require(self, role: Role, *, to: str) -> None:
        if role not in self.roles:
            raise Forbidden(role=role, action=to)
