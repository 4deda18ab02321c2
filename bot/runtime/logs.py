"""Structured logging: JSON when not on a terminal, with the correlation id on every line.

Secrets are kept out at the source (settings hold them as ``SecretStr``); as a second line of
defence every configured secret is masked on the final formatted line — message, extras,
exception and traceback alike (``bot.runtime.masking``).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

from bot.runtime.masking import PROCESS, Masker
from commands.context import current_correlation_id


class _CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = current_correlation_id()
        return True


class _Masking(logging.Formatter):
    """Formats with ``inner``, then masks the finished line: nothing is formatted after it."""

    def __init__(self, inner: logging.Formatter, masker: Masker) -> None:
        super().__init__()
        self._inner = inner
        self._masker = masker

    def format(self, record: logging.LogRecord) -> str:
        return self._masker.mask(self._inner.format(record))


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
    PROCESS.add(secrets)
    handler = logging.StreamHandler(sys.stderr)
    inner = (
        JsonFormatter()
        if use_json
        else _TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.setFormatter(_Masking(inner, PROCESS))
    handler.addFilter(_CorrelationFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_jethub", False):
            root.removeHandler(old)
    handler._jethub = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "waitress", "werkzeug", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
