"""Settings: the environment-variable contract of DESIGN.md, read in one place.

Nothing else in the project reads ``os.environ``; the composition root builds a ``Settings`` and
hands plain values inward.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from audit.keys import MIN_KEY_LENGTH
from integrations.audit_sink import check_sink
from integrations.clock import BusinessClock

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``24h``, ``2d`` or bare seconds."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration like 30m, 24h or 2d")
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def _id_list(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items = [item.strip() for item in value.split(",")]
    elif isinstance(value, list | tuple):
        items = [str(item).strip() for item in value]
    else:
        raise ValueError("expected a comma-separated list of Slack ids")
    bad = [item for item in items if item and not re.fullmatch(r"[USW][A-Z0-9]+", item)]
    if bad:
        raise ValueError(f"not Slack user (U…) or user-group (S…) ids: {', '.join(bad)}")
    return tuple(item for item in items if item)


IdList = Annotated[tuple[str, ...], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    jethub_slack_posts_per_second: float = Field(default=1.0, gt=0)
    jethub_ledger_backoff_scale: float = Field(default=1.0, gt=0, le=1)
    jethub_retry_pause_scale: float = Field(default=1.0, gt=0, le=1)
    port: int = 3000
    jethub_metrics_port: int | None = None
    zuora_ui_url: str | None = None
    jethub_portal_url: str | None = None

    database_url: str = "sqlite:///jethub.db"
    jethub_audit_key: SecretStr | None = None
    jethub_audit_channel: str | None = None
    # Where the clock streams the audit log (stdout, file:PATH or https://…), the webhook's
    # bearer token, and a CA bundle to trust for it (a private CA).
    jethub_audit_sink: str | None = None
    jethub_audit_sink_token: SecretStr | None = None
    jethub_audit_sink_ca: str | None = None

    zuora_base_url: str | None = None
    zuora_client_id: str | None = None
    zuora_client_secret: SecretStr | None = None
    jethub_api_url: str | None = None
    jethub_api_token: SecretStr | None = None
    sbc_api_url: str | None = None
    sbc_api_token: SecretStr | None = None

    jethub_approvals_channel: str | None = None
    jethub_digest_channel: str | None = None
    jethub_activity_channel: str | None = None
    jethub_digest_time: time = time(9, 0)
    jethub_timezone: str = "Australia/Sydney"
    jethub_overdue_days: int = Field(default=7, ge=0)
    jethub_overdue_min_balance: float = Field(default=0.01, ge=0)
    jethub_approval_ttl: timedelta = timedelta(hours=24)
    # A TOML file of per-kind approval rules (docs/approvals.md); unset: the settings' behaviour.
    jethub_approval_policy: Path | None = None
    jethub_suspend_requires_approval: bool = False
    jethub_role_contact: str | None = Field(default=None, max_length=200)
    jethub_snooze_days: int = Field(default=7, ge=1, le=365)
    jethub_deactivation_delay: timedelta = timedelta(hours=1)
    jethub_quarantine_days: int = Field(default=90, ge=1, le=3650)
    jethub_promise_max_days: int = Field(default=30, ge=1, le=365)

    # Zuora's payment callout (``POST /zuora/events``): off while either is unset.
    jethub_zuora_callout_user: str | None = Field(default=None, min_length=1, max_length=200)
    jethub_zuora_callout_password: SecretStr | None = None
    jethub_unsuspend_on_payment: Literal["auto", "ask", "off"] = "ask"
    jethub_payment_check_minutes: int = Field(default=15, ge=1, le=1440)

    # Reconciliation (docs/reconcile.md): the daily report's time of day (unset: no daily
    # report), the days past the threshold before an overdue account "fell through", and where
    # drift the bot must not fix is told to the billing team.
    jethub_reconcile_at: time | None = None
    jethub_reconcile_grace_days: int = Field(default=3, ge=0, le=365)
    jethub_billing_channel: str | None = None

    jethub_viewers: IdList = ()
    jethub_operators: IdList = ()
    jethub_approvers: IdList = ()
    jethub_admins: IdList = ()

    @field_validator(
        "jethub_viewers", "jethub_operators", "jethub_approvers", "jethub_admins", mode="before"
    )
    @classmethod
    def _split_ids(cls, value: object) -> tuple[str, ...]:
        return _id_list(value)

    @field_validator("jethub_approval_ttl", "jethub_deactivation_delay", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("jethub_audit_key")
    @classmethod
    def _audit_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        keys = [part.strip() for part in value.get_secret_value().split(",")]
        if not any(keys) or any(len(key) < MIN_KEY_LENGTH for key in keys if key):
            raise ValueError(f"must be at least {MIN_KEY_LENGTH} characters long (each key)")
        return value

    @field_validator("jethub_audit_sink")
    @classmethod
    def _audit_sink(cls, value: str | None) -> str | None:
        if value:
            check_sink(value)
        return value or None

    @field_validator("jethub_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("jethub_zuora_callout_password")
    @classmethod
    def _callout_password(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 12:
            raise ValueError("must be at least 12 characters long")
        return value

    @property
    def callout_credentials(self) -> tuple[str, str] | None:
        """Zuora's callout user and password, or None while the endpoint is off."""
        user, password = self.jethub_zuora_callout_user, self.jethub_zuora_callout_password
        if not user or password is None:
            return None
        return user, password.get_secret_value()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.jethub_timezone)

    @property
    def clock(self) -> BusinessClock:
        """Where the whole product, sandbox included, takes "now" and "today" from."""
        return BusinessClock(self.zone)

    @property
    def uses_sandbox(self) -> bool:
        return not (self.zuora_base_url and self.jethub_api_url and self.sbc_api_url)

    def require(self, *names: str) -> None:
        """Stop with one line naming the first required setting that is unset."""
        for name in names:
            if getattr(self, name.lower()) in (None, ""):
                raise SettingsError(f"{name.upper()} is required but not set")

    def check_consistency(self) -> None:
        """Settings that are each valid but make no sense together."""
        if self.jethub_suspend_requires_approval and not self.jethub_approvals_channel:
            raise SettingsError(
                "JETHUB_SUSPEND_REQUIRES_APPROVAL is true but JETHUB_APPROVALS_CHANNEL is not set"
            )
        sink = self.jethub_audit_sink
        if sink and check_sink(sink) == "https" and self.jethub_audit_sink_token is None:
            raise SettingsError(
                "JETHUB_AUDIT_SINK is an https:// webhook: set JETHUB_AUDIT_SINK_TOKEN"
            )
        has_user = bool(self.jethub_zuora_callout_user)
        if has_user != (self.jethub_zuora_callout_password is not None):
            raise SettingsError(
                "JETHUB_ZUORA_CALLOUT_USER and JETHUB_ZUORA_CALLOUT_PASSWORD must be set together"
            )


def load_settings(**overrides: object) -> Settings:
    """Read the environment (and ``.env``); turn pydantic's report into one line per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"{name}: {first['msg']}") from None
