"""``jethub clock``: the scheduled jobs (the overdue digest, the sweeper) in their own process."""

from __future__ import annotations

import argparse

from bot.cli.startup import build_services, start_logging
from bot.runtime.settings import load_settings


def cmd_clock(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require("SLACK_BOT_TOKEN")
    settings.check_consistency()
    start_logging(settings)
    from bot.clock import run_clock
    from bot.runtime.metrics import serve_metrics

    services = build_services(settings)
    serve_metrics(settings.jethub_metrics_port)
    try:
        run_clock(services)
    finally:
        services.close()
    return 0
