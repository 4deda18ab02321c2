"""The ledger's secret keys: what makes each event's hash an HMAC nobody else can recompute.

A key is text (at least 32 characters; ``secrets.token_hex(32)`` makes a good one) and its
UTF-8 bytes are the HMAC-SHA256 key. It never appears in a ``repr``; its ``key_id`` (an HMAC of
a fixed label, 16 hex) names it in events and messages without revealing it. A process holds a
``Keyring`` (``JETHUB_AUDIT_KEY`` may list several keys, comma-separated, and the key file one a
line): the ledger's head names the key new events are signed with, so a rotation
(``audit.rotation``) switches every process that holds the new key at once. An embedded SQLite
ledger may keep its keys in a file beside the database, created on first use with mode 0600.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path

from audit.errors import InvalidValue

MIN_KEY_LENGTH = 32
# Domain separation: an event's MAC can never be replayed as the head's, or the other way.
_EVENT = b"jethub-audit-event-v2\n"
_HEAD = b"jethub-audit-head-v2\n"
_KEY_ID = b"jethub-audit-key-id-v1"


class AuditKey:
    """An HMAC key that keeps itself out of logs and tracebacks."""

    __slots__ = ("_event", "_secret", "key_id")

    def __init__(self, text: str) -> None:
        if len(text) < MIN_KEY_LENGTH:
            raise InvalidValue(f"the audit key must be at least {MIN_KEY_LENGTH} characters long")
        self._secret = text.encode("utf-8")
        # The keyed state after the domain prefix, copied per event: a third faster than
        # hmac.digest() from scratch, which verify pays a million times on a big log.
        self._event = hmac.new(self._secret, _EVENT, hashlib.sha256)
        self.key_id = hmac.digest(self._secret, _KEY_ID, "sha256").hex()[:16]

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
        return f"AuditKey(id={self.key_id})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AuditKey) and hmac.compare_digest(self._secret, other._secret)

    def __hash__(self) -> int:
        return hash(("AuditKey", hmac.digest(b"jethub", self._secret, "sha256")))


class Keyring:
    """The audit keys a process holds, by id; the first one signs a ledger whose head names none."""

    __slots__ = ("_by_id", "keys")

    def __init__(self, keys: Iterable[AuditKey]) -> None:
        self.keys = tuple(dict.fromkeys(keys))
        if not self.keys:
            raise InvalidValue("an audit keyring needs at least one key")
        self._by_id = {key.key_id: key for key in self.keys}

    @classmethod
    def of(cls, key: AuditKey | Keyring) -> Keyring:
        return key if isinstance(key, Keyring) else cls([key])

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """Keys separated by commas or line breaks (the setting, the key file)."""
        return cls(
            AuditKey(part.strip()) for part in text.replace("\n", ",").split(",") if part.strip()
        )

    @property
    def first(self) -> AuditKey:
        return self.keys[0]

    def get(self, key_id: str | None) -> AuditKey | None:
        return None if key_id is None else self._by_id.get(key_id)

    def ids(self) -> list[str]:
        return list(self._by_id)

    def __iter__(self) -> Iterator[AuditKey]:
        return iter(self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    def __repr__(self) -> str:
        return f"Keyring({', '.join(self._by_id)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Keyring) and self.keys == other.keys

    def __hash__(self) -> int:
        return hash(self.keys)


def key_file_for(database: Path) -> Path:
    """Where an embedded SQLite ledger keeps its key: ``jethub.db`` → ``jethub.db.key``."""
    return database.with_name(database.name + ".key")


def load_or_create_key_file(path: Path) -> Keyring:
    """The keys stored at ``path`` (one a line); created (mode 0600, never overwritten) with one
    new key if it is not there."""
    try:
        return Keyring.parse(path.read_text(encoding="utf-8"))
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
            return Keyring.parse(path.read_text(encoding="utf-8"))
    finally:
        scratch.unlink(missing_ok=True)
    return Keyring([key])


def add_key_to_file(path: Path) -> AuditKey:
    """A new key appended to the key file at ``path`` (kept 0600): for a rotation."""
    key = AuditKey.generate()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(key.reveal() + "\n")
    return key
