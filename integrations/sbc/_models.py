"""SBC auth rules (Kamailio ``trusted`` table rows) and what a sync changed."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from integrations.phone import e164_au_number, format_au_number

__all__ = ["ChangeKind", "RuleChange", "RuleChanges", "SbcRule", "expected_rule"]


ChangeKind = Literal["added", "fixed", "removed"]


class SbcRule(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    tag: str
    source: str
    protocol: str
    from_pattern: str
    ruri_pattern: str
    priority: int


def expected_rule(account: str, number: str) -> SbcRule:
    """The rule in-service national number ``number`` of ``account`` must have (see backends.md)."""
    e164 = e164_au_number(number)
    return SbcRule(
        id=f"{account}-{number}",
        tag=account,
        source="jethub",
        protocol="any",
        from_pattern=f"^\\{e164}$",
        ruri_pattern=f"^sip:\\{e164}@",
        priority=10,
    )


class RuleChange(BaseModel):
    """One write a sync made, and how to say it to a person."""

    model_config = ConfigDict(frozen=True)

    kind: ChangeKind
    rule_id: str
    number: str | None = None

    def describe(self) -> str:
        shown = format_au_number(self.number) if self.number else None
        if self.kind == "added":
            return f"{shown} had no rule \N{EM DASH} added"
        if self.kind == "fixed":
            return f"{shown} rule was wrong \N{EM DASH} fixed"
        return f"stray rule {self.rule_id} removed"

    def __str__(self) -> str:
        return self.describe()


class RuleChanges(BaseModel):
    """Everything one sync changed; ``reloaded`` is True when the SBC reloaded its tables."""

    model_config = ConfigDict(frozen=True)

    account: str
    changes: list[RuleChange] = []
    reloaded: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def of_kind(self, kind: ChangeKind) -> list[RuleChange]:
        return [change for change in self.changes if change.kind == kind]

    def describe(self) -> list[str]:
        """One line per change; a single "all rules were correct" line when nothing changed."""
        if not self.changes:
            return ["all auth rules were already correct \N{EM DASH} nothing changed"]
        return [change.describe() for change in self.changes]
