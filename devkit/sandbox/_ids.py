"""Deterministic, decodable identifiers for sandbox records.

Zuora ids are 32 hex characters. The sandbox builds them from a record kind and a number so that a
lazily built world can tell, from a contact id alone, which account it belongs to.
"""

from __future__ import annotations

_PREFIX = "8ad0"
_KINDS = {
    "account": 1,
    "bill_to": 2,
    "sold_to": 3,
    "subscription": 4,
    "invoice": 5,
    "rate_plan": 6,
    "charge": 7,
    "payment": 8,
}
_KIND_NAMES = {code: name for name, code in _KINDS.items()}


def zuora_id(kind: str, n: int) -> str:
    """A 32-hex-character id for record number ``n`` of ``kind``."""
    return f"{_PREFIX}{_KINDS[kind]:02x}{n:026x}"


def parse_zuora_id(value: str) -> tuple[str, int] | None:
    """The (kind, number) a sandbox id was built from, or None for any other string."""
    if len(value) != 32 or not value.startswith(_PREFIX):
        return None
    try:
        code = int(value[4:6], 16)
        n = int(value[6:], 16)
    except ValueError:
        return None
    kind = _KIND_NAMES.get(code)
    return (kind, n) if kind else None


def zuora_account_number(platform_id: str) -> str:
    """The Zuora accountNumber the sandbox gives platform account ``platform_id``."""
    return f"A{int(platform_id):08d}"
