"""Column types and value helpers shared by every ledger table: UTC time and canonical JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from audit.errors import DetailsNotJSON, NaiveDatetime

JSONDict = dict[str, Any]


def as_utc(value: datetime, name: str = "datetime") -> datetime:
    """``value`` in UTC; a naive datetime is refused rather than guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetime(name)
    return value.astimezone(UTC)


def utc_text(value: datetime) -> str:
    """The one textual form of an instant used in hashes and exports."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware, on SQLite as on PostgreSQL.

    SQLite has no time zones: the UTC wall time is stored without an offset and the offset is put
    back on read, so comparisons in SQL stay chronological on both databases.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _plain(value: Any) -> Any:
    """The JSON form of the few non-JSON types callers commonly put in details."""
    if isinstance(value, datetime):
        return utc_text(value) if value.tzinfo is not None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} is not JSON-able")


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, ASCII only: the same value always gives the same text."""
    try:
        return json.dumps(
            value,
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=True,
            allow_nan=False,
            default=_plain,
        )
    except (TypeError, ValueError) as exc:
        raise DetailsNotJSON(f"not storable as JSON: {exc}") from exc


def json_dict(value: Mapping[str, Any] | None, name: str = "details") -> tuple[JSONDict, str]:
    """A caller's mapping as the plain dict that will be read back, and its canonical text."""
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise DetailsNotJSON(f"{name} must be a mapping, not {type(value).__name__}")
    if not all(isinstance(key, str) for key in value):
        raise DetailsNotJSON(f"{name} keys must all be strings")
    text = canonical_json(dict(value))
    plain: JSONDict = json.loads(text)
    return plain, text
