"""What buttons and modals carry: one codec per button value and per ``private_metadata``.

A view draws a button with ``SomeRef(...).encode()``; the listener reads it back with
``SomeRef.decode(raw)``, which raises :class:`NotValidAnyMore` for anything the app did not make
(a value from an older release, a forged payload) before anything is looked up or recorded.
They carry ids only — account numbers, request/run/confirmation ids — never data to trust.

The wire format of a ``PipeValue`` is its fields in order joined by ``|``, the last taking the
rest; it is the format messages already posted in Slack carry, so a release keeps their buttons
working.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from commands.errors import CommandError

MAX_ACCOUNT_DIGITS = 12

AccountNumber = Annotated[str, StringConstraints(pattern=rf"^[0-9]{{1,{MAX_ACCOUNT_DIGITS}}}$")]
RecordId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
UserId = Annotated[str, StringConstraints(pattern=r"^[UW][A-Z0-9]{2,20}$")]
# Where a button was shown ("digest:2026-11-24"): short and printable, or empty.
Origin = Annotated[str, StringConstraints(pattern=r"^[!-~]{0,64}$")]


class NotValidAnyMore(CommandError):
    def __init__(self) -> None:
        super().__init__("That button is not valid any more.")


LEDGER_SEQ_MAX = 2**63 - 1  # the audit sequence is a bigint


def sequence_cursor(cursor: str) -> int | None:
    """A pager's or Share button's position in the audit log: none when empty, else ASCII
    digits within the ledger's bigint — anything else was not made by the bot."""
    if not cursor:
        return None
    if not (cursor.isascii() and cursor.isdigit()) or int(cursor) > LEDGER_SEQ_MAX:
        raise NotValidAnyMore()
    return int(cursor)


class PipeValue(BaseModel):
    """A value made of a few short fields, joined by ``|`` (the last field takes the rest)."""

    model_config = ConfigDict(frozen=True)
    LIMIT: ClassVar[int] = 2000  # Slack's limit on a button's value

    def encode(self) -> str:
        raw = "|".join(str(getattr(self, name)) for name in type(self).model_fields)
        if len(raw) > self.LIMIT:
            raise ValueError(f"{type(self).__name__} is {len(raw)} characters; the limit is 2000")
        return raw

    @classmethod
    def decode(cls, raw: str | None) -> Self:
        names = list(cls.model_fields)
        parts = (raw or "").split("|", len(names) - 1)
        try:
            return cls.model_validate(dict(zip(names, parts, strict=False)))
        except ValidationError:
            raise NotValidAnyMore() from None


class AccountRef(PipeValue):
    """A button about one account: Refresh, Snooze, Update from Zuora…"""

    account: AccountNumber


class VerbTarget(PipeValue):
    """A ``verb:<name>`` button: the account, and where the button was shown."""

    account: AccountNumber
    origin: Origin = ""

    def encode(self) -> str:
        return f"{self.account}|{self.origin}" if self.origin else self.account


class RecordRef(PipeValue):
    """Approve / Deny / Cancel / Retry / Confirm: the id of the ledger record they act on."""

    id: RecordId


class PageRef(PipeValue):
    """A pager button (emails Previous/Next, audit Newer/Older): the account and the page."""

    account: AccountNumber
    cursor: str = ""


class ShareRef(PipeValue):
    """What a Share button names: the read verb, the account number and the page."""

    verb: Annotated[str, StringConstraints(pattern=r"^[a-z-]{1,20}$")]
    account: AccountNumber
    cursor: str = ""


# -- the account changes (edit, invoice email, PBX, emergency) ---------------------------------


class Codec(Protocol):
    """What ``Click.value`` and ``Submission.meta`` read with (a PipeValue, a JsonValue)."""

    @classmethod
    def decode(cls, raw: str | None) -> Self: ...


ChannelId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{0,32}$")]
PbxId = Annotated[str, StringConstraints(pattern=r"^[!-~]{1,200}$")]


class JsonValue(BaseModel):
    """A value that is a small JSON object (the format of the account changes' modals and
    Retry buttons): short keys, fields left at their default omitted."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)
    LIMIT: ClassVar[int] = 2000

    def encode(self) -> str:
        raw = self.model_dump_json(by_alias=True, exclude_defaults=True)
        if len(raw) > self.LIMIT:
            raise ValueError(f"{type(self).__name__} is {len(raw)} characters (max {self.LIMIT})")
        return raw

    @classmethod
    def decode(cls, raw: str | None) -> Self:
        try:
            return cls.model_validate_json(raw or "")
        except ValidationError:
            raise NotValidAnyMore() from None


class ModalContext(JsonValue):
    """What an account-change modal carries in ``private_metadata``: ids only, resolved again
    on submit, and where to answer. ``{"a": account, "c": channel, "p": pbx id, "d": digest}``."""

    LIMIT: ClassVar[int] = 3000  # Slack's limit on private_metadata

    account: AccountNumber = Field(alias="a")
    channel: ChannelId = Field("", alias="c")
    pbx_id: Annotated[str, StringConstraints(pattern=r"^[!-~]{0,200}$")] = Field("", alias="p")
    # The emergency modal: the fingerprint of the address pulled from Zuora.
    pulled: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{0,32}$")] = Field("", alias="d")


class PbxRef(PipeValue):
    """The PBX view's buttons (subscription, group name): ``account|pbx id``."""

    account: AccountNumber
    pbx_id: PbxId


class EditRetry(JsonValue):
    """The Retry of a half-done edit: ``{"k": "name"|"parent", "a": account, "t": target}``."""

    kind: Literal["name", "parent"] = Field(alias="k")
    account: AccountNumber = Field(alias="a")
    target: str | None = Field(None, alias="t")


# -- the suspension override and the snooze modal -------------------------------------------------


class OverrideRef(JsonValue):
    """The override's confirm button: the account and the reason typed (both checked again),
    and who asked (only they may confirm). ``{"a": account, "r": reason, "u": user}``; buttons
    posted before the asker was carried have no ``u``."""

    account: AccountNumber = Field(alias="a")
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(alias="r")
    asked_by: UserId | None = Field(default=None, alias="u")


class SnoozeRef(JsonValue):
    """The snooze modal's ``private_metadata``: the account, and the channel to answer in.
    ``{"a": account, "c": channel}``, as the modals already open carry it."""

    LIMIT: ClassVar[int] = 3000  # Slack's limit on private_metadata

    account: AccountNumber = Field(alias="a")
    channel: ChannelId = Field("", alias="c")


class PromiseRef(JsonValue):
    """The promise-to-pay modal's ``private_metadata``: the account, and the channel to answer
    in. ``{"a": account, "c": channel}``."""

    LIMIT: ClassVar[int] = 3000

    account: AccountNumber = Field(alias="a")
    channel: ChannelId = Field("", alias="c")


class TakeOverRef(PipeValue):
    """A digest row's *Take over*: the account and who was shown to have it (the take-over is
    a compare-and-set on that person)."""

    account: AccountNumber
    holder: UserId
