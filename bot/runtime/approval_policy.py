"""Reading the approval policy file (``JETHUB_APPROVAL_POLICY``, TOML): parsed with
``tomllib``, validated with pydantic (``commands.approvals.policy``) and against the catalogue
of kinds; every problem stops start-up with one line naming the file, the key and its line."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import ValidationError

from bot.runtime.settings import SettingsError
from commands.approvals.policy import ApprovalPolicy


def load_approval_policy(path: Path | None, known: Mapping[str, Sequence[str]]) -> ApprovalPolicy:
    """The policy in ``path`` (None: the defaults, today's settings); ``known`` maps each
    approval kind to the measures its conditions may use."""
    if path is None:
        return ApprovalPolicy()
    where = f"JETHUB_APPROVAL_POLICY ({path})"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"{where}: cannot be read: {exc.strerror or exc}") from None
    return parse_approval_policy(text, known, where=where)


def parse_approval_policy(
    text: str, known: Mapping[str, Sequence[str]], *, where: str = "approval policy"
) -> ApprovalPolicy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{where}: not valid TOML: {exc}") from None
    bad = [name for name, value in data.items() if not isinstance(value, dict)]
    if bad:
        top = re.compile(rf"^\s*{re.escape(bad[0])}\s*=")
        row = next((i + 1 for i, ln in enumerate(text.splitlines()) if top.match(ln)), "?")
        raise SettingsError(
            f"{where}: {bad[0]} (line {row}): expected a table [{bad[0]}] per approval kind"
        )
    try:
        policy = ApprovalPolicy(kinds=data)
    except ValidationError as exc:
        first = exc.errors()[0]
        keys = tuple(str(part) for part in first["loc"][1:])  # after "kinds"
        line = _line_of(text, keys)
        at = f" (line {line})" if line else ""
        raise SettingsError(f"{where}: {_dotted(keys)}{at}: {first['msg']}") from None
    problems = policy.check_kinds(known)
    if problems:
        raise SettingsError(f"{where}: {problems[0]}")
    return policy


def _dotted(keys: Sequence[str]) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if key.isdigit() else (f".{key}" if out else key)
    return out


def _line_of(text: str, keys: Sequence[str]) -> int | None:
    """The line where ``keys`` (a kind, then its field) is written, best effort: the kind's
    table header, then the first ``field =`` after it."""
    if not keys:
        return None
    lines = text.splitlines()
    header = re.compile(rf"^\s*\[\[?\s*{re.escape(keys[0])}(\s*\]|\.)")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        return None
    fields = [k for k in keys[1:] if not k.isdigit()]
    if not fields:
        return start + 1
    assignment = re.compile(rf"^\s*{re.escape(fields[-1])}\s*=")
    for i in range(start, len(lines)):
        if assignment.match(lines[i]) or re.search(
            rf"[{{,]\s*{re.escape(fields[-1])}\s*=", lines[i]
        ):
            return i + 1
    return start + 1
