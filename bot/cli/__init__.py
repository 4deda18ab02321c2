"""``jethub`` — the one entry point: serve, socket, clock, db, audit, sandbox, console, digest,
collections, reconcile.

This module holds the argument parser and ``main``; each command group lives in its own module
(``serve`` for serve and socket, ``clock``, ``db``, ``audit``, ``sandbox``, ``console``,
``digest``, ``collections``, ``reconcile``), and what they share to start in ``startup``. Heavy
imports wait inside the commands, so ``jethub --help`` stays quick.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli.audit import (
    cmd_audit_anchor,
    cmd_audit_export,
    cmd_audit_rotate_key,
    cmd_audit_stream,
    cmd_audit_verify,
)
from bot.cli.clock import cmd_clock
from bot.cli.collections import cmd_collections_check
from bot.cli.console import cmd_console
from bot.cli.db import cmd_db_upgrade
from bot.cli.digest import cmd_digest
from bot.cli.reconcile import cmd_reconcile
from bot.cli.sandbox import cmd_sandbox
from bot.cli.serve import cmd_serve, cmd_socket
from bot.cli.startup import StartupError
from bot.runtime.settings import SettingsError


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="jethub", description=(__doc__ or "").split("\n\n")[0])
    sub = top.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="HTTP mode: POST /slack/events, /healthz, /metrics")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=None, help="default: $PORT or 3000")
    serve.add_argument(
        "--all-in-one", action="store_true", help="also run the clock in this process"
    )
    serve.add_argument(
        "--processes",
        type=int,
        default=1,
        help="web processes sharing the port (pre-fork; default 1: this process serves)",
    )
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("socket", help="Socket Mode (no public URL)").set_defaults(func=cmd_socket)
    sub.add_parser("clock", help="scheduled jobs: digest, sweeper").set_defaults(func=cmd_clock)

    db = sub.add_parser("db", help="ledger schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="run migrations to head").set_defaults(func=cmd_db_upgrade)

    audit = sub.add_parser("audit", help="the audit log").add_subparsers(
        dest="audit_command", required=True
    )
    verify = audit.add_parser("verify", help="check the keyed hash chain (and anchors)")
    verify.add_argument(
        "--anchors", metavar="FILE", help="also check against the anchor lines in FILE"
    )
    verify.add_argument(
        "--from-slack",
        action="store_true",
        help="also check against the anchors posted to JETHUB_AUDIT_CHANNEL",
    )
    verify.set_defaults(func=cmd_audit_verify)
    anchor = audit.add_parser(
        "anchor", help="post the chain's head to JETHUB_AUDIT_CHANNEL (or print it)"
    )
    anchor.add_argument("--print-only", action="store_true", help="print it, post nothing")
    anchor.set_defaults(func=cmd_audit_anchor)
    export = audit.add_parser("export", help="write events as CSV or JSON lines")
    export.add_argument("--format", choices=("csv", "jsonl"), default="jsonl")
    export.add_argument("--account")
    export.add_argument("--since", help="YYYY-MM-DD")
    export.add_argument("--output", "-o", help="file (default: stdout)")
    export.set_defaults(func=cmd_audit_export)
    stream = audit.add_parser(
        "stream", help="send new events as NDJSON to JETHUB_AUDIT_SINK (default stdout)"
    )
    stream.add_argument(
        "--sink", help="stdout, file:PATH or https://… (default: JETHUB_AUDIT_SINK, else stdout)"
    )
    stream.add_argument(
        "--from", dest="from_seq", type=int, metavar="SEQ",
        help="start after event SEQ instead of the sink's stored cursor (0: from the start)",
    )  # fmt: skip
    stream.add_argument(
        "--follow", action="store_true", help="keep sending new events until interrupted"
    )
    stream.set_defaults(func=cmd_audit_stream)
    rotate = audit.add_parser(
        "rotate-key", help="sign new events with a new audit key (old ones keep theirs)"
    )
    rotate.set_defaults(func=cmd_audit_rotate_key)

    sandbox = sub.add_parser("sandbox", help="serve the Zuora/platform/SBC sandbox")
    sandbox.add_argument("--port", type=int, required=True)
    sandbox.add_argument("--data", choices=("demo", "generated"), default="demo")
    sandbox.add_argument("--size", type=int, default=None, help="accounts to generate")
    sandbox.set_defaults(func=cmd_sandbox)

    console = sub.add_parser("console", help="try every flow in the terminal, no Slack needed")
    console.add_argument("--script", help="play a transcript file instead of a terminal")
    console.add_argument(
        "--socket", action="store_true", help="talk to the bot over Socket Mode instead of HTTP"
    )
    console.set_defaults(func=cmd_console)

    digest = sub.add_parser("digest", help="the overdue-invoice digest")
    digest.add_argument(
        "--dry-run", action="store_true", required=True, help="print it, post nothing"
    )
    digest.set_defaults(func=cmd_digest)

    collections = sub.add_parser("collections", help="payments on suspended accounts")
    check = collections.add_subparsers(dest="collections_command", required=True).add_parser(
        "check", help="check every account the bot suspended for payment, once, now"
    )
    check.set_defaults(func=cmd_collections_check)

    reconcile = sub.add_parser(
        "reconcile", help="where the platform, Zuora and the ledger disagree (exit 0/1/2)"
    )
    reconcile.add_argument("--account", help="only this account (its number)")
    reconcile.add_argument("--json", action="store_true", help="one JSON object a finding")
    reconcile.set_defaults(func=cmd_reconcile)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SettingsError as exc:
        print(f"jethub: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"jethub: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`jethub audit export | head`): stop quietly, as cat does.
        _silence_stdout()
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
