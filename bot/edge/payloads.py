"""The Slack payloads the app handles, as typed models: parsed once at the edge, read by name.

Only the fields the app reads are declared; everything else Slack sends is ignored. A payload
that does not fit (a forged or truncated body that passed the signature check) fails validation
and is answered as "not valid" by the listener adapters in ``bot.edge.turns``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SlashCommand(_Payload):
    """``/jethub …`` as Slack posts it (form-encoded, decoded by Bolt)."""

    user_id: str
    channel_id: str = ""
    text: str = ""
    trigger_id: str = ""


class _User(_Payload):
    id: str


class _Channel(_Payload):
    id: str = ""


class _Container(_Payload):
    channel_id: str = ""
    message_ts: str = ""


class _Message(_Payload):
    ts: str = ""


class _Option(_Payload):
    value: str = ""


class Clicked(_Payload):
    """One element of ``actions``: a button, or a select's chosen option."""

    action_id: str
    value: str = ""
    selected_option: _Option | None = None

    @property
    def chosen(self) -> str:
        """The button's value, or the value of the option picked in a select."""
        return self.value or (self.selected_option.value if self.selected_option else "")


class _Element(_Payload):
    """One input's state in a view or in a message's inputs."""

    type: str = ""
    value: str | None = None
    selected_option: _Option | None = None
    selected_options: list[_Option] = Field(default_factory=list)
    selected_date: str | None = None


class State(_Payload):
    values: dict[str, dict[str, _Element]] = Field(default_factory=dict)

    def element(self, block_id: str, action_id: str | None = None) -> _Element | None:
        """The input in ``block_id`` (the one named ``action_id``, else its only one)."""
        elements = self.values.get(block_id) or {}
        if action_id is not None:
            return elements.get(action_id)
        return next(iter(elements.values()), None)

    def text(self, block_id: str, action_id: str | None = None) -> str | None:
        """What a text input, select, radio or date picker holds; None when it is not there."""
        found = self.element(block_id, action_id)
        if found is None:
            return None
        if found.selected_option is not None:
            return found.selected_option.value
        if found.selected_date is not None:
            return found.selected_date
        return found.value or ""

    def chosen(self, block_id: str) -> list[str]:
        """The values ticked in a checkbox group (empty when none is, or it is not there)."""
        found = self.element(block_id)
        return [option.value for option in found.selected_options] if found else []


class BlockAction(_Payload):
    """A click on a button or a choice in a select, in a message or a view."""

    user: _User
    trigger_id: str = ""
    actions: list[Clicked] = Field(min_length=1)
    channel: _Channel | None = None
    container: _Container | None = None
    message: _Message | None = None
    state: State | None = None

    @property
    def clicked(self) -> Clicked:
        return self.actions[0]

    @property
    def channel_id(self) -> str:
        if self.channel is not None and self.channel.id:
            return self.channel.id
        return self.container.channel_id if self.container is not None else ""

    @property
    def message_ts(self) -> str | None:
        if self.message is not None and self.message.ts:
            return self.message.ts
        return (self.container.message_ts or None) if self.container is not None else None


class _Text(_Payload):
    text: str = ""


class _View(_Payload):
    id: str = ""
    title: _Text | None = None
    hash: str = ""
    callback_id: str = ""
    private_metadata: str = ""
    state: State = Field(default_factory=State)


class ViewSubmission(_Payload):
    user: _User
    view: _View
    trigger_id: str = ""


class AppHomeOpened(_Payload):
    """The ``app_home_opened`` event (the ``event`` of the envelope)."""

    user: str = ""
    tab: str = ""
