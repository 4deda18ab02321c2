"""How each kind of run shows in Slack, declared by the feature that owns the kind and listed
once (``bot.catalogue``): how its outcome is told, whether it reports its own progress, and who
else hears of a Retry. The runner and the Retry button ask the run's face; none names a kind.

A kind with no face is told in one line from its record (``bot.runs.runner``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.runtime.services import Services
    from commands.approvals.model import ApprovalView
    from commands.runs.kinds import RunOutcome

Message = dict[str, Any]


@dataclass(frozen=True)
class RunFace:
    kind: str
    # The finished run's message (its refusal or failure raised as the error to show).
    told: Callable[[Services, RunOutcome], Message] | None = None
    # A kind that shows its progress as it goes works its run itself (new, resumed or retried).
    works: Callable[[Services, WebClient, str], RunOutcome | None] | None = None
    # Who else hears that a Retry resumed it (the request's thread always does).
    retried: Callable[[Services, WebClient, ApprovalView, str], None] | None = None


@dataclass(frozen=True)
class RunFaces:
    kinds: Mapping[str, RunFace]

    @classmethod
    def of(cls, faces: Iterable[RunFace]) -> RunFaces:
        return cls({face.kind: face for face in faces})

    def __call__(self, kind: str) -> RunFace:
        return self.kinds.get(kind) or RunFace(kind=kind)
