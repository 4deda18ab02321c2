"""``jethub console``: the real bot in the terminal with a stand-in for Slack
(``devkit.console``)."""

from __future__ import annotations

import argparse
from pathlib import Path


def cmd_console(args: argparse.Namespace) -> int:
    from devkit.console import run_console

    return run_console(script=Path(args.script) if args.script else None, socket_mode=args.socket)
