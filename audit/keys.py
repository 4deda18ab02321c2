"""The ledger's secret key: what makes each event's hash an HMAC nobody else can recompute.

The key is text (at least 32 characters; ``secrets.token_hex(32)`` makes a good one) and its
UTF-8 bytes are the HMAC-SHA256 key. It never appears in a ``repr``. An embedded SQLite ledger
may keep its key in a file beside the database, created on first use with mode 0600.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from audit.errors import InvalidValue

MIN_KEY_LENGTH = 32
# Domain separation: an event's MAC can never be replayed as the head's, or the other way.
_EVENT = b"jethub-audit-event-v2\n"
_HEAD = b"jethub-audit-head-v2\n"


class AuditKey:
    """An HMAC key that keeps itself out of logs and tracebacks."""

    __slots__ = ("_event", "_secret")

    def __init__(self, text: str) -> None:
        if len(text) < MIN_KEY_LENGTH:
            raise InvalidValue(f"the audit key must be at least {MIN_KEY_LENGTH} characters long")
        self._secret = text.encode("utf-8")
        # The keyed state after the domain prefix, copied per event: a third faster than
        # hmac.digest() from scratch, which verify pays a million times on a big log.
        self._event = hmac.new(self._secret, _EVENT, hashlib.sha256)

    @classmethod
    def generate(cls) -> AuditKey:
        return cls(secrets.token_hex(32))

    def reveal(self) -> str:
        """The key as text: only for writing the key file or masking it in logs."""
        return self._secret.decode("utf-8")

    def event_mac(self, record: str) -> str:
        """The hex HMAC of an event's canonical record text."""
        return self.event_mac_bytes(record.encode("utf-8"))

    def event_mac_bytes(self, record: bytes) -> str:
        mac = self._event.copy()
        mac.update(record)
        return mac.hexdigest()

    def head_mac(self, seq: int, digest: str, keyed_from: int) -> str:
        """The hex HMAC that seals the head row: its seq, hash and where the keyed chain starts."""
        message = _HEAD + f"{int(seq)}\n{digest}\n{int(keyed_from)}".encode()
        return hmac.digest(self._secret, message, "sha256").hex()

    def __repr__(self) -> str:
        return "AuditKey('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AuditKey) and hmac.compare_digest(self._secret, other._secret)

    def __hash__(self) -> int:
        return hash(("AuditKey", hmac.digest(b"jethub", self._secret, "sha256")))


def key_file_for(database: Path) -> Path:
    """Where an embedded SQLite ledger keeps its key: ``jethub.db`` → ``jethub.db.key``."""
    return database.with_name(database.name + ".key")


def load_or_create_key_file(path: Path) -> AuditKey:
    """The key stored at ``path``; created (mode 0600, never overwritten) if it is not there."""
    try:
        return AuditKey(path.read_text(encoding="utf-8").strip())
    except FileNotFoundError:
        pass
    key = AuditKey.generate()
    # Written whole under a private name, then linked into place: a process racing us sees
    # either no file or a complete one, and the first link wins.
    scratch = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(key.reveal() + "\n")
        try:
            os.link(scratch, path)
        except FileExistsError:
            return AuditKey(path.read_text(encoding="utf-8").strip())
    finally:
        scratch.unlink(missing_ok=True)
    return key
