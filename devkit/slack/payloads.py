"""Slack's request payloads to an app, as pure functions (slash command, interactions, events).

Shapes follow what Slack sends (see reference/slack.md); `SlackSender` fills in the trigger ids and
response URLs that the fake issues, and signs and posts the result.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from devkit.slack import ids
from devkit.slack.blocks import interactive_elements
from devkit.slack.directory import BotIdentity, Channel, Team, User
from devkit.slack.errors import UnknownTarget

Json = dict[str, Any]
# What the test gives per input: Slack's value dict, or a bare string for a plain text input.
InputValue = Mapping[str, Any] | str

LEGACY_VERIFICATION_TOKEN = "legacy-verification-token"


def user_json(user: User, team: Team) -> Json:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": team.id}


def team_json(team: Team) -> Json:
    return {"id": team.id, "domain": team.domain}


def slash_command(
    *,
    user: User,
    channel: Channel,
    team: Team,
    bot: BotIdentity,
    command: str,
    text: str,
    trigger_id: str,
    response_url: str,
) -> dict[str, str]:
    """The form fields of a slash command."""
    fields = {
        "token": LEGACY_VERIFICATION_TOKEN,
        "team_id": team.id,
        "team_domain": team.domain,
        "channel_id": channel.id,
        "channel_name": "directmessage" if channel.is_im else channel.name,
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": bot.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    if team.enterprise_id:
        fields["enterprise_id"] = team.enterprise_id
    return fields


def action(
    blocks: list[Json],
    action_id: str,
    value: str | None,
    *,
    block_id: str | None,
    selected_option: Json | None,
    action_ts: str,
) -> Json:
    """One entry of `actions[]`, shaped by the element the user acted on."""
    found = find_element(blocks, action_id, block_id)
    if found is None:
        if block_id is None:
            raise UnknownTarget(f"no element with action_id {action_id!r} in the blocks")
        found = (block_id, {"type": "button", "action_id": action_id})
    found_block_id, element = found
    kind = str(element.get("type", "button"))
    entry: Json = {
        "action_id": action_id,
        "block_id": found_block_id,
        "type": kind,
        "action_ts": action_ts,
    }
    if kind == "button":
        entry["text"] = element.get("text", {"type": "plain_text", "text": action_id})
        entry["value"] = value if value is not None else element.get("value", "")
        if "style" in element:
            entry["style"] = element["style"]
    elif kind in ("static_select", "external_select", "overflow", "radio_buttons"):
        entry["selected_option"] = selected_option or _option(element, value)
    elif kind in ("users_select", "conversations_select", "channels_select"):
        key = {"users_select": "selected_user", "channels_select": "selected_channel"}
        entry[key.get(kind, "selected_conversation")] = value
    elif kind == "datepicker":
        entry["selected_date"] = value
    elif kind == "checkboxes":
        entry["selected_options"] = [selected_option or _option(element, value)]
    else:
        entry["value"] = value
    return entry


def find_element(
    blocks: list[Json], action_id: str, block_id: str | None = None
) -> tuple[str, Json] | None:
    for found_block_id, element in interactive_elements(blocks):
        if element.get("action_id") == action_id and (block_id in (None, found_block_id)):
            return str(found_block_id), element
    return None


def _option(element: Json, value: str | None) -> Json:
    for option in element.get("options") or []:
        if option.get("value") == value:
            return dict(option)
    for group in element.get("option_groups") or []:
        for option in group.get("options") or []:
            if option.get("value") == value:
                return dict(option)
    return {"text": {"type": "plain_text", "text": str(value)}, "value": value}


def block_actions(
    *,
    user: User,
    team: Team,
    bot: BotIdentity,
    trigger_id: str,
    actions: list[Json],
    container: Json,
    state: Json,
    channel: Channel | None = None,
    message: Json | None = None,
    view: Json | None = None,
    response_url: str | None = None,
) -> Json:
    payload: Json = {
        "type": "block_actions",
        "user": user_json(user, team),
        "api_app_id": bot.app_id,
        "token": LEGACY_VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": trigger_id,
        "team": team_json(team),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": state,
        "actions": actions,
    }
    if channel is not None:
        payload["channel"] = {"id": channel.id, "name": channel.name}
    if message is not None:
        payload["message"] = message
    if view is not None:
        payload["view"] = view
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def state_values(values: Mapping[str, Mapping[str, InputValue]]) -> Json:
    """`state.values` from `{block_id: {action_id: value}}`; a bare string is a text input."""
    return {
        block_id: {
            action_id: (
                {"type": "plain_text_input", "value": value}
                if isinstance(value, str)
                else dict(value)
            )
            for action_id, value in by_action.items()
        }
        for block_id, by_action in values.items()
    }


def view_submission(
    *, user: User, team: Team, bot: BotIdentity, trigger_id: str, view: Json
) -> Json:
    return {
        "type": "view_submission",
        "team": team_json(team),
        "user": user_json(user, team),
        "api_app_id": bot.app_id,
        "token": LEGACY_VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "enterprise": None,
        "is_enterprise_install": False,
    }


def view_closed(*, user: User, team: Team, bot: BotIdentity, view: Json, is_cleared: bool) -> Json:
    return {
        "type": "view_closed",
        "team": team_json(team),
        "user": user_json(user, team),
        "api_app_id": bot.app_id,
        "token": LEGACY_VERIFICATION_TOKEN,
        "view": view,
        "is_cleared": is_cleared,
        "enterprise": None,
        "is_enterprise_install": False,
    }


def event_callback(
    event: Json, *, team: Team, bot: BotIdentity, event_id: str, event_time: int | None = None
) -> Json:
    at = event_time if event_time is not None else int(time.time())
    body = dict(event)
    body.setdefault("event_ts", f"{at}.000100")
    return {
        "token": LEGACY_VERIFICATION_TOKEN,
        "team_id": team.id,
        "api_app_id": bot.app_id,
        "event": body,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": at,
        "authorizations": [
            {
                "enterprise_id": team.enterprise_id,
                "team_id": team.id,
                "user_id": bot.user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + ids.random_id("", 24).lower(),
    }


def url_verification(challenge: str) -> Json:
    return {"token": LEGACY_VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
