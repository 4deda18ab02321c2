"""`SlackSender`: what Slack sends to the bot, signed, over real HTTP.

Each method builds Slack's payload with a trigger id and response URL issued by the `FakeSlack`,
signs it with the app's signing secret, posts it to the bot's request URL, and then does to the
fake what Slack does with the bot's answer (shows a slash command's reply, closes or updates a
modal after a view_submission's ack). `SocketModeSender` (in `socket_sender`) sends the same over
Socket Mode.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import ssl
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode

import httpx

from devkit.slack import ids, payloads
from devkit.slack.directory import Team
from devkit.slack.payloads import InputValue, Json
from devkit.slack.records import Response
from devkit.slack.signing import Signing, sign
from devkit.slack.targets import find_channel, find_message, find_user, find_view
from devkit.slack.web_api import FakeSlack

DEFAULT_CHANNEL = "C0GENERAL"
DEFAULT_COMMAND = "/jethub"
FORM = "application/x-www-form-urlencoded"


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every sender's client: httpx would load the CA bundle (10-30 ms) for
    each one, and a test starts a sender per bot."""
    return httpx.create_ssl_context()


class SlackSender:
    """Sends Slack's requests to the app at `app_url` (its full `/slack/events` URL)."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        fake: FakeSlack,
        *,
        team_id: str | None = None,
        timeout: float = 10.0,
        signing: Signing | None = None,
        clock: Callable[[], float] | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.app_url = app_url
        self.fake = fake
        self.signing = signing or Signing()
        self._secret = signing_secret
        self._clock = clock
        self._team: Team = (
            dataclasses.replace(fake.team, id=team_id) if team_id is not None else fake.team
        )
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=timeout, verify=_tls())

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def tampered(
        self,
        *,
        wrong_signature: bool = False,
        timestamp_skew: float = 0.0,
        unsigned: bool = False,
    ) -> SlackSender:
        """The same sender signing badly: a wrong signature, a skewed timestamp, or none."""
        twin = SlackSender(
            self.app_url,
            self._secret,
            self.fake,
            team_id=self._team.id,
            signing=Signing(wrong_signature, timestamp_skew, unsigned),
            clock=self._clock,
            client=self._client,
        )
        return twin

    # -- what users do -----------------------------------------------------------------------

    def command(
        self,
        user: str,
        text: str,
        *,
        channel: str = DEFAULT_CHANNEL,
        command: str = DEFAULT_COMMAND,
    ) -> Response:
        """`user` types `{command} {text}` in `channel`."""
        who, where = find_user(self.fake, user), find_channel(self.fake, channel)
        trigger_id = self.fake.issue_trigger(who.id)
        response_url = self.fake.issue_response_url(who.id, where.id)
        fields = payloads.slash_command(
            user=who,
            channel=where,
            team=self._team,
            bot=self.fake.bot,
            command=command,
            text=text,
            trigger_id=trigger_id,
            response_url=response_url,
        )
        response = self._send(urlencode(fields).encode(), FORM, fields, trigger_id, response_url)
        reply = response.ack_body()
        if response.status_code == 200 and reply is not None:
            self.fake.show_command_reply(who.id, where.id, response_url, reply)
        return response

    def block_action(
        self,
        user: str,
        action_id: str,
        value: str | None = None,
        *,
        message: Json | str | None = None,
        view: Json | str | None = None,
        channel: str | None = None,
        block_id: str | None = None,
        selected_option: Json | None = None,
        state: Mapping[str, Mapping[str, InputValue]] | None = None,
    ) -> Response:
        """`user` clicks or picks `action_id` in a `message` (dict or ts) or a `view` (dict or id).

        The element is looked up in the current blocks, so the action has its real `block_id`,
        `type`, and button text; clicking something that is not there raises `UnknownTarget`.
        """
        if (message is None) == (view is None):
            raise ValueError("give exactly one of message= or view=")
        who = find_user(self.fake, user)
        trigger_id = self.fake.issue_trigger(who.id)
        action_ts = f"{self._now():.6f}"

        def clicked(blocks: list[Json]) -> list[Json]:
            found = payloads.action(
                blocks,
                action_id,
                value,
                block_id=block_id,
                selected_option=selected_option,
                action_ts=action_ts,
            )
            return [found]

        if view is not None:
            current = find_view(self.fake, who, view)
            actions = clicked(current.get("blocks", []))
            view_state = payloads.state_values(state) if state else current["state"]["values"]
            payload = payloads.block_actions(
                user=who,
                team=self._team,
                bot=self.fake.bot,
                trigger_id=trigger_id,
                actions=actions,
                container={"type": "view", "view_id": current["id"]},
                state={"values": view_state},
                view=current,
            )
            return self._send_payload(payload, trigger_id, None)

        ref, shown = find_message(self.fake, who, message, channel)
        where = find_channel(self.fake, ref.channel)
        container: Json = {
            "type": "message",
            "message_ts": ref.ts,
            "channel_id": where.id,
            "is_ephemeral": ref.ephemeral_user is not None,
        }
        if shown.get("thread_ts"):
            container["thread_ts"] = shown["thread_ts"]
        response_url = self.fake.issue_response_url(who.id, where.id, origin=ref)
        actions = clicked(shown.get("blocks", []))
        shown.pop("channel", None)
        shown.pop("via", None)
        payload = payloads.block_actions(
            user=who,
            team=self._team,
            bot=self.fake.bot,
            trigger_id=trigger_id,
            actions=actions,
            container=container,
            state={"values": payloads.state_values(state or {})},
            channel=where,
            # Slack does not echo an ephemeral message back in the payload.
            message=None if ref.ephemeral_user else shown,
            response_url=response_url,
        )
        return self._send_payload(payload, trigger_id, response_url)

    def view_submission(
        self,
        user: str,
        view_id: str | None = None,
        values: Mapping[str, Mapping[str, InputValue]] | None = None,
    ) -> Response:
        """`user` submits their open modal (or `view_id`) with `{block_id: {action_id: value}}`.

        A value is Slack's value dict (`{"type": "plain_text_input", "value": "x"}`) or a bare
        string for a plain text input. After a 200 the fake applies the ack's `response_action`.
        """
        who = find_user(self.fake, user)
        current = find_view(self.fake, who, view_id)
        state = payloads.state_values(values or {})
        current["state"] = {"values": state}
        self.fake.record_view_state(current["id"], state)
        trigger_id = self.fake.issue_trigger(who.id)
        payload = payloads.view_submission(
            user=who, team=self._team, bot=self.fake.bot, trigger_id=trigger_id, view=current
        )
        response = self._send_payload(payload, trigger_id, None)
        if response.status_code == 200:
            self.fake.apply_view_submission_ack(who.id, current["id"], response.ack_body())
        return response

    def view_closed(
        self, user: str, view_id: str | None = None, *, is_cleared: bool = False
    ) -> Response:
        """`user` closes their open modal (or all of them with `is_cleared`)."""
        who = find_user(self.fake, user)
        current = find_view(self.fake, who, view_id)
        self.fake.close_view(who.id, current["id"], cleared=is_cleared)
        payload = payloads.view_closed(
            user=who, team=self._team, bot=self.fake.bot, view=current, is_cleared=is_cleared
        )
        return self._send_payload(payload, None, None)

    def event(
        self,
        event: Json,
        *,
        event_id: str | None = None,
        event_time: int | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> Response:
        """An Events API delivery of `event`; pass the same `event_id` with `retry_num` to retry."""
        envelope = payloads.event_callback(
            event,
            team=self._team,
            bot=self.fake.bot,
            event_id=event_id or ids.random_id("Ev"),
            event_time=event_time if event_time is not None else int(self._now()),
        )
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        body = json.dumps(envelope).encode()
        return self._send(body, "application/json", envelope, None, None, headers)

    def url_verification(self, challenge: str) -> Response:
        envelope = payloads.url_verification(challenge)
        return self._send(json.dumps(envelope).encode(), "application/json", envelope, None, None)

    def post(
        self, body: bytes, *, content_type: str = FORM, headers: Mapping[str, str] | None = None
    ) -> Response:
        """Send any body, signed per `self.signing`."""
        return self._send(body, content_type, {}, None, None, dict(headers or {}))

    # -- plumbing ----------------------------------------------------------------------------

    def _now(self) -> float:
        return self._clock() if self._clock is not None else time.time()

    def _send_payload(
        self, payload: Json, trigger_id: str | None, response_url: str | None
    ) -> Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._send(body, FORM, payload, trigger_id, response_url)

    def _send(
        self,
        body: bytes,
        content_type: str,
        sent: Mapping[str, Any],
        trigger_id: str | None,
        response_url: str | None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Response:
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        headers.update(self._signature_headers(body))
        headers.update(extra_headers or {})
        answer = self._client.post(self.app_url, content=body, headers=headers)
        return Response(
            status_code=answer.status_code,
            headers=answer.headers,
            body=answer.content,
            sent=sent,
            trigger_id=trigger_id,
            response_url=response_url,
        )

    def _signature_headers(self, body: bytes) -> dict[str, str]:
        if self.signing.unsigned:
            return {}
        timestamp = str(int(self._now() + self.signing.timestamp_skew))
        secret = self._secret + "-wrong" if self.signing.wrong_signature else self._secret
        return {
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(secret, timestamp, body),
        }
