"""Trigger ids and each user's stack of open modals.

Not thread-safe by itself: `FakeSlack` calls it with its lock held. Views are Slack-shaped dicts
as views.open answers them (`id`, `hash`, `root_view_id`, `state`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devkit.slack import ids
from devkit.slack.blocks import (
    VIEW_BLOCK_LIMIT,
    InvalidBlocks,
    input_block_ids,
    normalize_blocks,
    validate_blocks,
)
from devkit.slack.directory import Directory
from devkit.slack.errors import SlackRejected
from devkit.slack.records import ApiError, Json

TRIGGER_TTL_SECONDS = 3.0
VIEW_STACK_LIMIT = 3


@dataclass
class _Trigger:
    user: str
    issued_at: float
    used: bool = False


def check_view(view: Any, kind: str = "modal") -> Json:
    """The cheap checks views.open/push/update (a modal) and views.publish (a home tab view)
    make; raises `ApiError`."""
    if not isinstance(view, dict) or view.get("type") != kind:
        raise ApiError("invalid_arguments", messages=[f"[ERROR] view must be a {kind}"])
    if kind == "modal" and not isinstance(view.get("title"), dict):
        raise ApiError("invalid_arguments", messages=["[ERROR] missing title"])
    try:
        validate_blocks(view.get("blocks"), limit=VIEW_BLOCK_LIMIT)
    except InvalidBlocks as exc:
        raise ApiError("invalid_blocks", messages=[str(exc)]) from exc
    return view


class Modals:
    def __init__(self, directory: Directory, *, trigger_ttl: float = TRIGGER_TTL_SECONDS) -> None:
        self._directory = directory
        self._trigger_ttl = trigger_ttl
        self._triggers: dict[str, _Trigger] = {}
        self._stacks: dict[str, list[Json]] = {}

    def issue_trigger(self, user: str, now: float) -> str:
        trigger = ids.trigger_id()
        self._triggers[trigger] = _Trigger(user, now)
        return trigger

    def stack(self, user: str) -> list[Json]:
        return self._stacks.get(user, [])

    def find(self, view_id: str) -> tuple[list[Json], Json] | None:
        for stack in self._stacks.values():
            for view in stack:
                if view["id"] == view_id:
                    return stack, view
        return None

    # -- the Web API methods -----------------------------------------------------------------

    def open(self, trigger_id: str, view: Json, now: float) -> Json:
        user = self._use_trigger(trigger_id, now)
        opened = self._new_view(view, now, previous=None)
        self._stacks[user] = [opened]
        return opened

    def push(self, trigger_id: str, view: Json, now: float) -> Json:
        user = self._use_trigger(trigger_id, now)
        stack = self._stacks.get(user)
        if not stack:
            raise ApiError("not_found")
        if len(stack) >= VIEW_STACK_LIMIT:
            raise ApiError("push_limit_reached")
        pushed = self._new_view(view, now, previous=stack[-1])
        stack.append(pushed)
        return pushed

    def update(
        self,
        view: Json,
        now: float,
        *,
        view_id: str | None,
        external_id: str | None,
        expected_hash: str | None,
    ) -> Json:
        if view_id:
            found = self.find(view_id)
        elif external_id:
            found = self._find_external(external_id)
        else:
            raise ApiError("invalid_arguments", messages=["[ERROR] view_id or external_id"])
        if found is None:
            raise ApiError("not_found")
        stack, current = found
        if expected_hash and expected_hash != current["hash"]:
            raise ApiError("hash_conflict")
        updated = self._replace(current, view, now)
        stack[stack.index(current)] = updated
        return updated

    # -- what Slack does with the user's actions and the bot's acks ---------------------------

    def record_state(self, view_id: str, values: Json) -> None:
        found = self.find(view_id)
        if found is not None:
            found[1]["state"] = {"values": values}

    def apply_submission_ack(self, user: str, view_id: str, ack: Json | None, now: float) -> None:
        """A view_submission's ack: close, keep open with errors, update, push, or clear."""
        stack = self._stacks.get(user, [])
        index = next((i for i, v in enumerate(stack) if v["id"] == view_id), None)
        if index is None:
            raise SlackRejected(f"view {view_id} is not open for {user}")
        ack = ack or {}
        action = ack.get("response_action")
        if action is None:
            del stack[index:]
        elif action == "clear":
            stack.clear()
        elif action == "errors":
            errors = ack.get("errors")
            inputs = input_block_ids(stack[index].get("blocks", []))
            if not isinstance(errors, dict) or not errors or set(errors) - inputs:
                raise SlackRejected(
                    f"errors must name input blocks of the view ({sorted(inputs)}): {errors}"
                )
        elif action in ("update", "push"):
            try:
                new_view = check_view(ack.get("view"))
            except ApiError as exc:
                raise SlackRejected(f"response_action {action}: {exc.error}") from exc
            if action == "update":
                stack[index] = self._replace(stack[index], new_view, now)
            elif len(stack) >= VIEW_STACK_LIMIT:
                raise SlackRejected("push_limit_reached")
            else:
                stack.append(self._new_view(new_view, now, previous=stack[-1]))
        else:
            raise SlackRejected(f"unknown response_action {action!r}")

    def close(self, user: str, view_id: str, *, cleared: bool) -> None:
        if cleared:
            self._stacks[user] = []
        else:
            self._stacks[user] = [v for v in self._stacks.get(user, []) if v["id"] != view_id]

    # -- helpers -------------------------------------------------------------------------------

    def _use_trigger(self, trigger_id: str, now: float) -> str:
        trigger = self._triggers.get(trigger_id)
        if trigger is None or now - trigger.issued_at > self._trigger_ttl:
            raise ApiError("expired_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        trigger.used = True
        return trigger.user

    def _new_view(self, view: Json, now: float, *, previous: Json | None) -> Json:
        team, bot = self._directory.team, self._directory.bot
        view_id = ids.random_id("V")
        return {
            "id": view_id,
            "team_id": team.id,
            "type": "modal",
            "title": view["title"],
            "blocks": normalize_blocks(view["blocks"]) or [],
            "close": view.get("close"),
            "submit": view.get("submit"),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": ids.view_hash(now),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "previous_view_id": previous["id"] if previous else None,
            "root_view_id": previous["root_view_id"] if previous else view_id,
            "app_id": bot.app_id,
            "app_installed_team_id": team.id,
            "bot_id": bot.bot_id,
        }

    def _replace(self, current: Json, view: Json, now: float) -> Json:
        replaced = self._new_view(view, now, previous=None)
        replaced.update(
            id=current["id"],
            previous_view_id=current["previous_view_id"],
            root_view_id=current["root_view_id"],
        )
        return replaced

    def _find_external(self, external_id: str) -> tuple[list[Json], Json] | None:
        for stack in self._stacks.values():
            for view in stack:
                if view.get("external_id") == external_id:
                    return stack, view
        return None
