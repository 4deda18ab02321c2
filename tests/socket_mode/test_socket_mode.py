"""The bot over Socket Mode, as `jethub socket` runs it: the fake's `apps.connections.open` hands
out a loopback websocket, every user action arrives as an envelope, and Slack acts on the app's
acknowledgements exactly as on its HTTP answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.sandbox import Sandbox, demo_world
from devkit.slack import FakeSlack, SocketModeSender
from tests.deactivation import test_e2e as over_http
from tests.fixtures.bot import ALICE, APP_TOKEN, BOT_TOKEN, SUPPORT_CHANNEL, BotHarness
from tests.reliability.procs import Cluster, jethub_env

pytestmark = pytest.mark.slow  # starts processes or waits out real time: run first


def test_a_deactivation_requested_and_approved_end_to_end(socket_bot: BotHarness) -> None:
    over_http.test_request_approve_and_run_to_the_end(socket_bot)
    socket = socket_bot.slack.socket_mode
    kinds = [c.method for c in socket_bot.slack.calls("apps.connections.open")]
    assert kinds == ["apps.connections.open"]
    # the command, the modal's submission, the approver's click and their typed confirmation,
    # each acknowledged once
    assert len(socket.acks) == 4 and socket.stray == []


def test_a_modal_error_goes_back_in_the_acknowledgement(socket_bot: BotHarness) -> None:
    over_http.test_mismatched_account_number_is_an_inline_error(socket_bot)
    submitted = socket_bot.slack.socket_mode.acks[-1]
    assert submitted["payload"]["response_action"] == "errors"
    # the modal stays open with the error shown, as Slack does with `errors`
    view = socket_bot.slack.open_view(ALICE)
    assert view is not None and view["callback_id"] == "deactivation.request"


def test_a_command_answered_in_the_ack_is_shown(socket_bot: BotHarness) -> None:
    response = socket_bot.command(ALICE, "help")
    assert "deactivate" in response.text
    [reply] = socket_bot.slack.ephemerals(ALICE)
    assert reply["via"] == "command_reply" and reply["channel"] == SUPPORT_CHANNEL


def test_disconnect_then_reconnect(socket_bot: BotHarness) -> None:
    socket = socket_bot.slack.socket_mode
    socket_bot.command(ALICE, "help")
    socket.disconnect("refresh_requested")
    assert socket.opened == 2
    assert len(socket_bot.slack.calls("apps.connections.open")) == 2
    socket.wait_connected()
    socket_bot.command(ALICE, "help")
    assert len(socket_bot.slack.ephemerals(ALICE)) == 2


def test_a_dropped_connection_is_reopened(socket_bot: BotHarness) -> None:
    socket = socket_bot.slack.socket_mode
    socket.drop()
    socket.wait_opened(2, timeout=60)
    socket_bot.command(ALICE, "help")
    assert len(socket_bot.slack.ephemerals(ALICE)) == 1


def test_events_and_their_redeliveries_are_acknowledged(socket_bot: BotHarness) -> None:
    event = {"type": "app_home_opened", "user": ALICE, "channel": "D0ALICE", "tab": "home"}
    first = socket_bot.send.event(event, event_id="Ev0SOCKET1")
    again = socket_bot.send.event(event, event_id="Ev0SOCKET1", retry_num=1)
    assert first.status_code == again.status_code == 200
    assert first.ack_body() is None and again.ack_body() is None
    socket = socket_bot.slack.socket_mode
    assert len(socket.acks) == 2 and all("payload" not in a for a in socket.acks)
    assert socket.stray == []


def test_the_app_token_is_required_to_open_a_connection(socket_bot: BotHarness) -> None:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token=socket_bot.slack.bot_token, base_url=socket_bot.slack.url)
    try:
        client.apps_connections_open(app_token=socket_bot.slack.bot_token)
    except SlackApiError as exc:
        assert exc.response["error"] == "invalid_auth"
    else:
        raise AssertionError("a bot token opened a Socket Mode connection")


def test_the_jethub_socket_process_answers_over_the_websocket(tmp_path: Path) -> None:
    """`jethub socket` itself (the Procfile's worker), configured only by its environment."""
    slack = FakeSlack(bot_token=BOT_TOKEN, app_token=APP_TOKEN).start()
    slack.add_user(ALICE, "alice")
    slack.add_channel(SUPPORT_CHANNEL, "support")
    sandbox = Sandbox(world=demo_world()).start(host="127.0.0.1", port=0)
    env = jethub_env(slack=slack, sandbox=sandbox, database_url=f"sqlite:///{tmp_path / 'l.db'}")
    env["SLACK_APP_TOKEN"] = APP_TOKEN
    cluster = Cluster(env, tmp_path)
    try:
        worker = cluster.start("socket", "socket")
        slack.socket_mode.wait_connected(timeout=60)
        with SocketModeSender(slack) as send:
            response = send.command(ALICE, "help", channel=SUPPORT_CHANNEL)
        assert "deactivate" in response.text
        assert worker.stop() == 0
        assert APP_TOKEN not in worker.stderr()
    finally:
        cluster.stop_all()
        sandbox.stop()
        slack.stop()
