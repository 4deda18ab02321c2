"""SbcClient: per-number auth rules on the SBC, and the "refresh auth rules" sync."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from urllib.parse import quote

import httpx

from integrations.errors import IntegrationError, NotFound, UnexpectedResponse
from integrations.http import (
    DEFAULT_LIMITS,
    DEFAULT_TIMEOUT,
    Answer,
    AttemptHook,
    JsonHttp,
    RetryPolicy,
    error_for_status,
    parse_as,
    parse_list,
)
from integrations.sbc._models import ChangeKind, RuleChange, RuleChanges, SbcRule, expected_rule

__all__ = ["SbcClient"]

BACKEND = "sbc"
_REPORT_ORDER = {"added": 0, "fixed": 1, "removed": 2}


def read_sbc_error(response: Answer) -> IntegrationError | None:
    """``{"error": {"code": "not_found", "message": "..."}}`` with the HTTP status."""
    if response.is_success:
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code, message = error.get("code"), error.get("message")
    return error_for_status(
        BACKEND,
        response,
        code=str(code) if code is not None else None,
        message=str(message) if message else None,
        request_id=response.headers.get("X-Request-Id"),
    )


def _seg(value: str) -> str:
    return quote(value, safe="")


class SbcClient:
    """The SBC's auth-rule API. ``base_url`` is the server root (the client adds ``/sbc/v1``);
    ``token`` is sent as a bearer token. Raises only :mod:`integrations.errors`."""

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_attempts: int = 4,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_attempt: AttemptHook | None = None,
    ) -> None:
        self._http = JsonHttp(
            backend=BACKEND,
            base_url=base_url,
            read_error=read_sbc_error,
            headers={"Authorization": f"Bearer {token}"},
            transport=transport,
            timeout=timeout,
            limits=DEFAULT_LIMITS,
            retry=retry or RetryPolicy(max_attempts=max_attempts),
            sleep=sleep,
            on_attempt=on_attempt,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SbcClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    expected_rule = staticmethod(expected_rule)

    def rules(self, tag: str) -> list[SbcRule]:
        """Every rule tagged with ``tag`` (a Jet Hub account number)."""
        body = self._http.request_json(
            "GET", "/sbc/v1/rules", endpoint="GET /sbc/v1/rules", params={"tag": tag}
        )
        if not isinstance(body, dict):
            raise UnexpectedResponse(BACKEND, "rules answer is not an object")
        return parse_list(BACKEND, SbcRule, body.get("rules"))

    def upsert(self, rule: SbcRule) -> SbcRule:
        body = self._http.request_json(
            "PUT",
            f"/sbc/v1/rules/{_seg(rule.id)}",
            endpoint="PUT /sbc/v1/rules/{id}",
            json=rule.model_dump(),
        )
        return parse_as(BACKEND, SbcRule, body)

    def delete(self, rule_id: str) -> bool:
        """Remove a rule; False when it was already gone (404)."""
        try:
            self._http.request(
                "DELETE", f"/sbc/v1/rules/{_seg(rule_id)}", endpoint="DELETE /sbc/v1/rules/{id}"
            )
        except NotFound:
            return False
        return True

    def reload(self) -> None:
        """Make the SBC reload its rule tables."""
        self._http.request("POST", "/sbc/v1/reload", endpoint="POST /sbc/v1/reload")

    def sync_account(self, account: str, numbers: Iterable[str]) -> RuleChanges:
        """Make the account's rules exactly those its in-service ``numbers`` need.

        ``numbers`` are the account's in-service national numbers (leave quarantined ones out:
        they must have no rule). Missing rules are added, wrong ones fixed, stray ones removed,
        and the SBC reloaded only if anything changed, so a second run writes nothing.
        """
        wanted: dict[str, tuple[str, SbcRule]] = {}
        for number in numbers:
            rule = expected_rule(account, number)
            wanted[rule.id] = (number, rule)
        current = {rule.id: rule for rule in self.rules(account)}
        changes: list[RuleChange] = []
        for rule_id, (number, rule) in wanted.items():
            existing = current.get(rule_id)
            if existing == rule:
                continue
            self.upsert(rule)
            kind: ChangeKind = "added" if existing is None else "fixed"
            changes.append(RuleChange(kind=kind, rule_id=rule_id, number=number))
        for rule_id in current:
            if rule_id not in wanted and self.delete(rule_id):
                changes.append(RuleChange(kind="removed", rule_id=rule_id))
        changes.sort(key=lambda change: _REPORT_ORDER[change.kind])  # stable: added, fixed, removed
        if changes:
            self.reload()
        return RuleChanges(account=account, changes=changes, reloaded=bool(changes))
