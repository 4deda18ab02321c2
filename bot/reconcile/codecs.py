"""What a fix button carries: the account, the check, the fix and, for an action, its run."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from bot.edge.codecs import AccountNumber, PipeValue

Name = Annotated[str, StringConstraints(pattern=r"^[a-z-]{1,40}$")]
MaybeRunId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{0,80}$")]


class FixRef(PipeValue):
    account: AccountNumber
    check: Name
    fix: Name
    run_id: MaybeRunId = ""
