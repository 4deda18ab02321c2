"""How Slack signs what it sends: `X-Slack-Signature` over the timestamp and body, and the ways
a security test signs badly."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass


def sign(secret: str, timestamp: str | int, body: str | bytes) -> str:
    """Slack's `X-Slack-Signature` for `body` sent at `timestamp`: `v0=` + HMAC-SHA256 hex."""
    raw = body.encode() if isinstance(body, str) else body
    base = b"v0:" + str(timestamp).encode() + b":" + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Signing:
    """How requests are signed; the non-defaults are for security tests."""

    wrong_signature: bool = False
    timestamp_skew: float = 0.0
    unsigned: bool = False
