"""Who holds which role, from the ``JETHUB_*`` settings: Slack user ids or user-group ids.

User-group membership is read with ``usergroups.users.list`` and cached for a few minutes, so a
role check costs a dictionary lookup on the hot path.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from commands.actor import Actor, Role

log = logging.getLogger(__name__)

CACHE_SECONDS = 300.0


class RoleDirectory:
    def __init__(
        self,
        grants: Mapping[Role, tuple[str, ...]],
        *,
        client: WebClient | None,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._grants = {role: tuple(ids) for role, ids in grants.items()}
        self._client = client
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def actor(self, user_id: str) -> Actor:
        granted = {role for role, ids in self._grants.items() if self._holds(user_id, ids)}
        return Actor.with_grants(user_id, granted)

    def _holds(self, user_id: str, ids: tuple[str, ...]) -> bool:
        if user_id in ids:
            return True
        return any(user_id in self._members(group) for group in ids if group.startswith("S"))

    def _members(self, group: str) -> frozenset[str]:
        now = self._clock()
        with self._lock:
            cached = self._groups.get(group)
        if cached and now - cached[0] < self._cache_seconds:
            return cached[1]
        members = self._fetch(group, stale=cached[1] if cached else frozenset())
        with self._lock:
            self._groups[group] = (now, members)
        return members

    def _fetch(self, group: str, *, stale: frozenset[str]) -> frozenset[str]:
        if self._client is None:
            return stale
        try:
            answer = self._client.usergroups_users_list(usergroup=group)
        except SlackApiError as exc:
            # Keep what we knew: a Slack hiccup must not strip or grant roles wholesale.
            log.warning("could not read user group %s: %s", group, exc.response.get("error"))
            return stale
        return frozenset(answer.get("users") or ())
