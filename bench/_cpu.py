"""Process CPU time from ``/proc`` (Linux), for CPU-per-view figures: a process and every
process under it (``jethub serve --processes N`` forks its web processes)."""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PROC = Path("/proc")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    return raw[raw.rindex(")") + 2 :].split()


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for entry in _PROC.iterdir():
        fields = _stat(int(entry.name)) if entry.name.isdigit() else None
        if fields is not None and int(fields[1]) == pid:  # fields[1]: the parent's pid
            found.append(int(entry.name))
    return found


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants, alive now."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo.extend(_children(current))
    return pids


def cpu_times(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of ``pid`` and of every live process under it."""
    user = system = 0
    for each in tree(pid):
        fields = _stat(each)
        if fields is not None:
            user += int(fields[11])  # utime (field 14)
            system += int(fields[12])  # stime (field 15)
    return user / _TICKS, system / _TICKS


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and of every live process under it."""
    return sum(cpu_times(pid))


def available() -> bool:
    return _stat(os.getpid()) is not None
