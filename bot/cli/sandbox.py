"""``jethub sandbox``: the Zuora, platform and SBC sandbox served on a port (demo or generated
accounts)."""

from __future__ import annotations

import argparse

from bot.runtime.settings import load_settings


def cmd_sandbox(args: argparse.Namespace) -> int:
    from devkit.sandbox import serve_forever

    serve_forever(args.port, data=args.data, size=args.size, clock=load_settings().clock)
    return 0
