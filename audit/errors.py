"""The ledger's exceptions, one family under ``LedgerError``.

::

    LedgerError
    ├── NaiveDatetime        a datetime without a time zone was handed in
    ├── DetailsNotJSON       event details (or a preview/result) are not a JSON-able dict
    ├── InvalidValue         a value outside its set (an outcome, a state...)
    │   └── UnknownExportFormat  export() asked for something other than csv or jsonl
    ├── InvalidTransition    a state change that the state machine does not allow
    ├── InvalidSchemaName    a PostgreSQL schema name that is not a plain identifier
    ├── HeadMissing          the ledger_head row is gone: not migrated, or tampered with
    ├── ApprovalNotFound     no approval request with that id
    ├── RunNotFound          no action run with that id
    ├── RunConflict          a run already exists for that approval with other kind/account
    ├── StepNotFound         no step at that position in the run
    ├── LeaseLost            the caller no longer holds the run's lease
    ├── ReadOnlySession      append() was handed a Ledger.read_session()
    ├── AuditKeyMissing      append() on a Ledger opened without the audit key
    ├── WrongAuditKey        the head was sealed with another key (or changed without one)
    │   └── AuditKeyNotHeld  the ledger signs with a key (rotated to) this process lacks
    └── UnknownKey           a result stored for an idempotency key never recorded
"""

from __future__ import annotations


class LedgerError(Exception):
    """Root of every error the ledger raises on purpose."""


class NaiveDatetime(LedgerError, ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"{name} must be a timezone-aware datetime")
        self.name = name


class DetailsNotJSON(LedgerError, TypeError):
    """The value cannot be stored as canonical JSON (not a dict, NaN, an unknown type...)."""


class InvalidValue(LedgerError, ValueError):
    pass


class UnknownExportFormat(InvalidValue):
    def __init__(self, fmt: str) -> None:
        super().__init__(f"unknown export format {fmt!r}; use 'csv' or 'jsonl'")
        self.fmt = fmt


class InvalidTransition(LedgerError, ValueError):
    pass


class InvalidSchemaName(LedgerError, ValueError):
    def __init__(self, schema: str) -> None:
        super().__init__(f"schema name {schema!r} is not a plain SQL identifier")
        self.schema = schema


class HeadMissing(LedgerError):
    def __init__(self) -> None:
        super().__init__("the ledger_head row is missing: run the migrations (or it was deleted)")


class ApprovalNotFound(LedgerError, LookupError):
    def __init__(self, request_id: str) -> None:
        super().__init__(f"no approval request {request_id!r}")
        self.request_id = request_id


class RunNotFound(LedgerError, LookupError):
    def __init__(self, run_id: str) -> None:
        super().__init__(f"no action run {run_id!r}")
        self.run_id = run_id


class RunConflict(LedgerError):
    def __init__(self, approval_id: str, run_id: str) -> None:
        super().__init__(
            f"approval {approval_id!r} already has run {run_id!r} for another kind or account"
        )
        self.approval_id = approval_id
        self.run_id = run_id


class StepNotFound(LedgerError, LookupError):
    def __init__(self, run_id: str, position: int) -> None:
        super().__init__(f"run {run_id!r} has no step at position {position}")
        self.run_id = run_id
        self.position = position


class LeaseLost(LedgerError):
    def __init__(self, run_id: str, owner: str) -> None:
        super().__init__(f"{owner!r} no longer holds the lease on run {run_id!r}")
        self.run_id = run_id
        self.owner = owner


class ReadOnlySession(LedgerError):
    def __init__(self) -> None:
        super().__init__("append() needs a read-write session (Ledger.session())")


class AuditKeyMissing(LedgerError):
    def __init__(self) -> None:
        super().__init__(
            "the ledger was opened without an audit key (JETHUB_AUDIT_KEY): events are keyed"
        )


class WrongAuditKey(LedgerError):
    def __init__(self) -> None:
        super().__init__(
            "JETHUB_AUDIT_KEY does not match the ledger: its head was sealed with another key "
            "(or changed without one); run `jethub audit verify` with the right key"
        )


class AuditKeyNotHeld(WrongAuditKey):
    """The ledger signs with a key this process was not given (it was rotated since)."""

    def __init__(self, key_id: str) -> None:
        LedgerError.__init__(
            self,
            f"JETHUB_AUDIT_KEY does not match the ledger: it signs with audit key {key_id}, "
            "which is not among the keys given (after a rotation, add the new key and restart; "
            "see docs/reliability.md)",
        )
        self.key_id = key_id


class UnknownKey(LedgerError, LookupError):
    def __init__(self, key: str) -> None:
        super().__init__(f"idempotency key {key!r} was never recorded")
        self.key = key
