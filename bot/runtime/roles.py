"""Who holds which role, from the ``JETHUB_*`` settings: Slack user ids or user-group ids.

A role check never calls Slack: it reads user-group memberships that a background thread keeps
fresh with ``usergroups.users.list`` (every ``refresh_every`` seconds, and sooner when a check
finds one stale). A membership that could not be refreshed for ``max_age`` seconds grants
nothing: someone removed from a group while Slack is unreachable loses the role within
``max_age``, instead of keeping it for as long as the outage lasts.

A destructive decision (an approval, a denial, a Retry of a deactivation) asks ``confirm``
instead: the groups that could grant the role are read from Slack at that moment, so an approver
removed from the group is refused at once, and a Slack that cannot answer refuses the decision.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Self

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from commands.actor import Actor, Role, effective_roles

log = logging.getLogger(__name__)

REFRESH_EVERY = 300.0
MAX_AGE = 900.0
RETRY_AFTER = 10.0  # the shortest pause between two refreshes of a group that failed


class RoleDirectory:
    def __init__(
        self,
        grants: Mapping[Role, tuple[str, ...]],
        *,
        client: WebClient | None,
        refresh_every: float = REFRESH_EVERY,
        max_age: float = MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
        also: tuple[str, ...] = (),
    ) -> None:
        """``also``: user groups named elsewhere (the approval policy), kept fresh too."""
        self._grants = {role: tuple(ids) for role, ids in grants.items()}
        self._also = tuple(also)
        self._client = client
        self._refresh_every = refresh_every
        self._max_age = max_age
        self._clock = clock
        self._fetched: dict[str, tuple[float, frozenset[str]]] = {}  # group → (when, members)
        self._tried: dict[str, float] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def groups(self) -> tuple[str, ...]:
        """Every user group named in a grant (or handed in as ``also``)."""
        found = {i for ids in self._grants.values() for i in ids if i.startswith("S")}
        return tuple(sorted(found | {i for i in self._also if i.startswith("S")}))

    def actor(self, user_id: str) -> Actor:
        """``user_id`` with the roles it holds now, from what is known (never a Slack call)."""
        granted = {role for role, ids in self._grants.items() if self._holds(user_id, ids)}
        return Actor.with_grants(user_id, granted)

    def holds(self, user_id: str, role: Role) -> bool:
        """Whether ``user_id`` holds ``role`` now (checked again at the moment of effect)."""
        return self.actor(user_id).has(role)

    def confirm(self, user_id: str, role: Role) -> bool | None:
        """Whether ``user_id`` holds ``role``, every user group that could grant it read from
        Slack now (``Deps.membership``); None when a group could not be read and no other
        grant holds."""
        ids = tuple(
            i
            for granted, ids in self._grants.items()
            if role in effective_roles({granted})
            for i in ids
        )
        return self.listed(user_id, ids, True)

    def listed(self, user_id: str, ids: tuple[str, ...], fresh: bool) -> bool | None:
        """Whether ``user_id`` is one of ``ids`` or in one of its user groups (``Deps.listed``).
        ``fresh``: the groups are read from Slack now — one ``usergroups.users.list`` per group
        until one lists them, none for a user named by id — and what is read refreshes what
        ``actor`` knows; None when a group could not be read and no other id lists them."""
        if user_id in ids:
            return True
        groups = sorted({i for i in ids if i.startswith("S")})
        if not fresh or self._client is None:
            return any(user_id in self._members(group) for group in groups)
        unanswered = False
        for group in groups:
            members = self._fetch(group)
            if members is None:
                unanswered = True
                continue
            with self._lock:
                self._tried.pop(group, None)
                self._fetched[group] = (self._clock(), members)
            if user_id in members:
                return True
        return None if unanswered else False

    def _holds(self, user_id: str, ids: tuple[str, ...]) -> bool:
        if user_id in ids:
            return True
        return any(user_id in self._members(group) for group in ids if group.startswith("S"))

    def _members(self, group: str) -> frozenset[str]:
        with self._lock:
            known = self._fetched.get(group)
        age = self._clock() - known[0] if known else None
        if age is None or age >= self._refresh_every:
            self._wake.set()
        if known is None or age is None or age >= self._max_age:
            return frozenset()
        return known[1]

    def refresh(self, *, force: bool = False) -> None:
        """Read every group's members from Slack now (the background thread's work).

        A group that Slack will not list keeps what was known, with the time it was known, so it
        ages out; it is tried again after ``RETRY_AFTER`` seconds, or at once with ``force``.
        """
        if self._client is None:
            return
        for group in self.groups:
            now = self._clock()
            with self._lock:
                known, tried = self._fetched.get(group), self._tried.get(group)
            fresh = known is not None and now - known[0] < self._refresh_every
            if not force and (fresh or (tried is not None and now - tried < RETRY_AFTER)):
                continue
            members = self._fetch(group)
            with self._lock:
                if members is None:  # failed: wait RETRY_AFTER before asking Slack again
                    self._tried[group] = now
                else:
                    self._tried.pop(group, None)
                    self._fetched[group] = (self._clock(), members)

    def _fetch(self, group: str) -> frozenset[str] | None:
        assert self._client is not None
        try:
            answer = self._client.usergroups_users_list(usergroup=group)
        except SlackApiError as exc:
            log.warning("could not read user group %s: %s", group, exc.response.get("error"))
            return None
        except Exception as exc:  # Slack unreachable: the same, the membership ages out
            log.warning("could not read user group %s: %s", group, type(exc).__name__)
            return None
        return frozenset(answer.get("users") or ())

    def start(self) -> Self:
        """Read the groups once now (start-up, not inside an ack), then keep them fresh."""
        if self._client is None or not self.groups or self._thread is not None:
            return self
        self.refresh(force=True)
        self._thread = threading.Thread(target=self._run, name="roles-refresh", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=min(self._refresh_every, RETRY_AFTER))
            self._wake.clear()
            if self._stop.is_set():
                return
            self.refresh()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
