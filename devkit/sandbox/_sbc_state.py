"""The SBC's side of the sandbox world: per-number auth rules, Kamailio `trusted` style."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from integrations.phone import e164_au_number


@dataclass(slots=True)
class SbcRule:
    id: str
    tag: str
    source: str
    protocol: str
    from_pattern: str
    ruri_pattern: str
    priority: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def expected_rule(account_id: str, national: str) -> SbcRule:
    """The rule the contract says in-service number ``national`` of ``account_id`` must have."""
    e164 = e164_au_number(national)
    return SbcRule(
        id=f"{account_id}-{national}",
        tag=account_id,
        source="jethub",
        protocol="any",
        from_pattern=f"^\\{e164}$",
        ruri_pattern=f"^sip:\\{e164}@",
        priority=10,
    )


class SbcWorld:
    """In-memory SBC rule tables. Hold the world's lock while changing it from another thread."""

    def __init__(self) -> None:
        self._rules: dict[str, SbcRule] = {}
        self._by_tag: dict[str, dict[str, None]] = {}
        self.reloads = 0
        self._ensure: Callable[[str], None] = lambda _tag: None

    def put(self, rule: SbcRule) -> SbcRule:
        old = self._rules.get(rule.id)
        if old is not None and old.tag != rule.tag:
            self._by_tag[old.tag].pop(rule.id, None)
        self._rules[rule.id] = rule
        self._by_tag.setdefault(rule.tag, {})[rule.id] = None
        return rule

    def rule(self, rule_id: str) -> SbcRule | None:
        if rule_id not in self._rules:
            self._ensure(rule_id.split("-", 1)[0])
        return self._rules.get(rule_id)

    def delete(self, rule_id: str) -> SbcRule | None:
        rule = self.rule(rule_id)
        if rule is not None:
            del self._rules[rule_id]
            self._by_tag[rule.tag].pop(rule_id, None)
        return rule

    def rules_for(self, tag: str) -> list[SbcRule]:
        self._ensure(tag)
        return [self._rules[rule_id] for rule_id in self._by_tag.get(tag, {})]
