"""Anchors: the chain's head (seq and hash) written down outside the database.

An anchor is one line, ``jethub audit anchor: seq=1234 hash=<64 hex>`` (anything may follow).
The clock posts one a day to ``JETHUB_AUDIT_CHANNEL``; ``jethub audit anchor`` prints and posts
one on demand. ``verify`` compares each anchored event's hash with the anchor, so someone who
holds the database (even with the key) cannot cut the newest events off or rewrite history
that an anchor has already recorded without it showing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlmodel import Session, col

from audit.errors import HeadMissing
from audit.models import LedgerHead

PREFIX = "jethub audit anchor:"
_LINE = re.compile(r"jethub audit anchor:\s*seq=(\d{1,19})\s+hash=([0-9a-f]{64})\b")


class Anchor(BaseModel):
    """A head seen at some moment: event ``seq`` had hash ``hash``."""

    model_config = ConfigDict(frozen=True)

    seq: int
    hash: str

    def line(self) -> str:
        return f"{PREFIX} seq={self.seq} hash={self.hash}"


def parse_anchors(texts: Iterable[str]) -> list[Anchor]:
    """Every anchor line found in ``texts`` (a file's lines, Slack messages), oldest seq first.

    Text around the anchors is ignored, so a channel export or a pasted message works as is.
    """
    found = {
        Anchor(seq=int(match.group(1)), hash=match.group(2))
        for text in texts
        for match in _LINE.finditer(text)
    }
    return sorted(found, key=lambda anchor: (anchor.seq, anchor.hash))


def current_anchor(*, session: Session) -> Anchor:
    """The head as it is now: the anchor to publish."""
    head = session.execute(
        select(col(LedgerHead.seq), col(LedgerHead.hash)).where(col(LedgerHead.id) == 1)
    ).one_or_none()
    if head is None:
        raise HeadMissing()
    return Anchor(seq=head.seq, hash=head.hash)
