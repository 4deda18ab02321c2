"""The ledger's key and the secrets to mask, from the settings alone: what ``jethub db`` and
``jethub audit`` need, without the service graph (`bot.runtime.services`) and every feature it
imports."""

from __future__ import annotations

from pathlib import Path

from audit import AuditKey, Keyring
from audit.db import normalise_url
from audit.keys import key_file_for, load_or_create_key_file
from bot.runtime.settings import Settings, SettingsError

SANDBOX_CREDENTIAL = "sandbox"


def _sqlite_file(settings: Settings) -> Path | None:
    url = normalise_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def audit_key(settings: Settings, *, create: bool = True) -> Keyring | None:
    """The ledger's keys: ``JETHUB_AUDIT_KEY`` (one key, or several comma-separated while a
    rotation is under way or to verify old events), else the key file beside an embedded SQLite
    ledger (created on first use unless ``create`` is false). PostgreSQL needs the setting."""
    if settings.jethub_audit_key is not None:
        return Keyring.parse(settings.jethub_audit_key.get_secret_value())
    if normalise_url(settings.database_url).get_backend_name() != "sqlite":
        raise SettingsError("JETHUB_AUDIT_KEY is required when DATABASE_URL is not SQLite")
    database = _sqlite_file(settings)
    if database is None:
        # an in-memory ledger lives as long as its process
        return Keyring([AuditKey.generate()]) if create else None
    path = key_file_for(database)
    if not create and not path.exists():
        return None
    try:
        return load_or_create_key_file(path)
    except (OSError, ValueError) as exc:
        raise SettingsError(f"cannot read or create the audit key file {path}: {exc}") from None


def key_file(settings: Settings) -> Path | None:
    """The key file of an embedded SQLite ledger without ``JETHUB_AUDIT_KEY``, else None."""
    database = _sqlite_file(settings)
    if settings.jethub_audit_key is not None or database is None:
        return None
    return key_file_for(database)


def secret_values(settings: Settings) -> list[str]:
    """Every configured secret, for the log filter that masks them."""
    fields = (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.zuora_client_secret,
        settings.jethub_api_token,
        settings.sbc_api_token,
        settings.jethub_audit_key,
        settings.jethub_zuora_callout_password,
        settings.jethub_audit_sink_token,
    )
    # The sandbox's placeholder credential is a word, not a secret: masking it would mangle text.
    values = [
        value.get_secret_value()
        for value in fields
        if value is not None and value.get_secret_value() != SANDBOX_CREDENTIAL
    ]
    try:
        keys = audit_key(settings, create=False)
    except (SettingsError, ValueError):
        keys = None
    values.extend(key.reveal() for key in keys or ())  # each key of a list, on its own too
    return values
