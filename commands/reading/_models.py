"""What every read command takes: an account named by number or by name."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ReadOrder(BaseModel):
    """Base of the read commands: ``account`` is a Jet Hub number or text to search by name."""

    model_config = ConfigDict(frozen=True)

    account: str = Field(min_length=1, max_length=2000)  # as long as /jethub text may be


class ReadResult(BaseModel):
    """Base of the read results (frozen, holding the backends' own models)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
