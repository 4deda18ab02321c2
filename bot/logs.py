"""Structured logging: JSON when not on a terminal, with the correlation id on every line.

Secrets are kept out at the source (settings hold them as ``SecretStr``); as a second line of
defence a filter masks any configured secret value that still reaches a record.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

from commands.context import current_correlation_id

_MASK = "[redacted]"


class _CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = current_correlation_id()
        return True


class _SecretFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        masked = message
        for secret in self._secrets:
            masked = masked.replace(secret, _MASK)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class JsonFormatter(logging.Formatter):
    _SKIP = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "correlation_id"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        cid = getattr(record, "correlation_id", None)
        if cid:
            entry["correlation_id"] = cid
        entry.update({k: v for k, v in record.__dict__.items() if k not in self._SKIP})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        cid = getattr(record, "correlation_id", None)
        return f"{line} [{cid}]" if cid else line


def configure_logging(
    *, level: str = "INFO", secrets: Iterable[str] = (), json_lines: bool | None = None
) -> None:
    """Install one handler on the root logger (idempotent)."""
    use_json = (not sys.stderr.isatty()) if json_lines is None else json_lines
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if use_json
        else _TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(_CorrelationFilter())
    handler.addFilter(_SecretFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_jethub", False):
            root.removeHandler(old)
    handler._jethub = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "waitress", "werkzeug", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
