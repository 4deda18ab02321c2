"""The catalogue of actions: every run kind (kind → steps) and every approval kind, in one
object built once by the composition root and handed to whatever needs it (``deps.actions``).
Nothing registers itself at import time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from commands.approvals.model import ApprovalKind, UnknownKind
from commands.runs.kinds import RunKind


@dataclass(frozen=True)
class ActionKinds:
    runs: Mapping[str, RunKind]
    approvals: Mapping[str, ApprovalKind]

    @classmethod
    def of(cls, runs: Iterable[RunKind], approvals: Iterable[ApprovalKind]) -> ActionKinds:
        run_map = {kind.name: kind for kind in runs}
        approval_map = {kind.name: kind for kind in approvals}
        for approval in approval_map.values():
            if approval.run is not None and approval.run not in run_map:
                raise ValueError(f"approval kind {approval.name!r} runs unknown {approval.run!r}")
        return cls(run_map, approval_map)

    def run(self, name: str) -> RunKind:
        try:
            return self.runs[name]
        except KeyError:
            raise UnknownKind(name) from None

    def approval(self, name: str) -> ApprovalKind:
        try:
            return self.approvals[name]
        except KeyError:
            raise UnknownKind(name) from None

    def measures(self) -> dict[str, tuple[str, ...]]:
        """Each approval kind's measures, which an approval policy's conditions may name."""
        return {name: tuple(kind.measures) for name, kind in self.approvals.items()}

    def label(self, name: str) -> str:
        """How people call an action of this kind ("deactivation")."""
        if name in self.approvals:
            return self.approvals[name].label
        if name in self.runs:
            return self.runs[name].label
        return name
