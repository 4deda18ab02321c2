"""``jethub serve`` (HTTP mode, optionally pre-forked and with the clock) and ``jethub socket``
(Socket Mode): the bot answering Slack until it is signalled to stop."""

from __future__ import annotations

import argparse
import logging
import socket

from bot.cli.startup import bolt_app, build_services, start_logging
from bot.runtime.settings import Settings, load_settings

log = logging.getLogger("jethub")


def cmd_serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN")
    settings.check_consistency()
    start_logging(settings)
    host, port = args.host, args.port or settings.port
    if args.processes <= 1:
        return _serve_one(settings, host=host, port=port, clock=args.all_in_one)
    from bot.runtime.prefork import listen, serve_forked

    sock = listen(host, port)
    log.info(
        "serving Slack with %d processes on http://%s:%s/slack/events", args.processes, host, port
    )
    return serve_forked(
        args.processes,
        sock,
        # With --all-in-one the first process runs the clock (the ledger's claims would make
        # more clocks safe, only wasteful).
        lambda shared, index: _serve_one(
            settings, host=host, port=port, clock=args.all_in_one and index == 0, sock=shared
        ),
    )


def _serve_one(
    settings: Settings, *, host: str, port: int, clock: bool, sock: socket.socket | None = None
) -> int:
    from bot.runtime.workers import WEB_WORKERS, favour_acks
    from bot.web import WebApp, serve

    favour_acks()
    services = build_services(settings, workers=WEB_WORKERS)
    app = bolt_app(services)
    scheduler = None
    if clock:
        from bot.clock import start_clock

        scheduler = start_clock(services, app.client)
    try:
        serve(WebApp(app, services), host=host, port=port, sock=sock)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        services.close()
    return 0


def cmd_socket(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require("SLACK_APP_TOKEN", "SLACK_BOT_TOKEN")
    settings.check_consistency()
    start_logging(settings)
    from bot.runtime.metrics import serve_metrics
    from bot.runtime.workers import WEB_WORKERS, favour_acks
    from bot.worker import serve_until_signalled, socket_handler

    favour_acks()
    services = build_services(settings, workers=WEB_WORKERS)
    app = bolt_app(services)
    assert settings.slack_app_token is not None
    serve_metrics(settings.jethub_metrics_port)
    handler = socket_handler(app, settings.slack_app_token.get_secret_value())
    try:
        serve_until_signalled(handler)
    finally:
        services.close()  # finishes the work already acknowledged
    return 0
