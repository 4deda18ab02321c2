"""`jethub console`: the real bot in a terminal, with no Slack workspace.

The Bolt app runs in-process behind its real HTTP server, against the demo sandbox and a fresh
SQLite ledger; `devkit.slack.FakeSlack` plays Slack's Web API and every keystroke reaches the bot
as Slack would send it (`SlackSender`: signed requests to `/slack/events`; with `--socket`,
`SocketModeSender`: envelopes on the fake's Socket Mode websocket, as `jethub socket` runs).

- `render` — Block Kit JSON → text lines with numbered buttons (pure)
- `forms` — a modal's inputs as questions, typed answers as Slack state values (pure)
- `world` — starts and stops the pieces; the demo people, their roles, the channels
- `session` — who I am, where I am; sends what I do and shows what changed
- `screen` — what is on my screen: messages seen, their headers, numbered buttons
- `asking` — the questions to me: a modal's fields, a confirmation, a choice
- `driver` — the terminal loop and the transcript player (`--script FILE`)
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["run_console"]


def run_console(script: Path | None = None, *, socket_mode: bool = False) -> int:
    """Run the console on a terminal, or play `script`; the process exit code."""
    from devkit.console.driver import ReplTerminal, ScriptFailed, play_file, run_repl
    from devkit.console.session import Session
    from devkit.console.world import World

    if script is not None and not script.is_file():
        print(f"jethub console: no transcript at {script}", file=sys.stderr)
        return 2
    with World(socket_mode=socket_mode) as world:
        if script is None:
            return run_repl(Session(world, ReplTerminal(), live=True))
        session = Session(world, ReplTerminal())
        try:
            met = play_file(session, script, echo=print)
        except ScriptFailed as exc:
            print(f"\njethub console: transcript failed — {exc}", file=sys.stderr)
            return 1
        print(f"\n{script}: all {met} expected line(s) appeared")
        return 0
