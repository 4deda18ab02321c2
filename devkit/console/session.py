"""One person at the console: who they are, where they are, what is on their screen.

Every action goes to the bot as Slack sends it (`SlackSender`: signed HTTP to `/slack/events`);
what the bot does shows up in the FakeSlack, and the session renders what is new there for the
person at the keyboard: channel posts and threads, their direct messages and ephemerals, their
modal (`screen`). Buttons are numbered afresh for each screen; typing a number presses one.
Questions to the person (a modal's fields, a confirmation, a choice) are in `asking`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, Protocol

from devkit.console import asking, forms, payments
from devkit.console.render import mrkdwn, render_blocks
from devkit.console.screen import Item, Screen, Target
from devkit.console.world import CHANNELS, PEOPLE, SUPPORT, Person, World, person
from devkit.slack import StandinError

Json = dict[str, Any]

SETTLE_LIMIT_SECONDS = 120.0


class Terminal(Protocol):
    """Where the session writes and where it reads the next line (None: no more input)."""

    def show(self, lines: Iterable[str]) -> None: ...

    def ask(self, prompt: str) -> str | None: ...


HELP = [
    "Type as in Slack:        /jethub help · /jethub account 1001 · /jethub deactivate 1001",
    "A number               presses that button on the screen above (e.g. 1)",
    "/as <person>           act as someone else: "
    + ", ".join(f"{p.name} ({p.role})" for p in PEOPLE),
    "/channel [name]        go to a channel and show its history with threads; no name: the list",
    "/clock                 run the scheduled jobs now: the overdue digest and the sweeper",
    "/home                  open your App Home tab (your requests, what waits for you)",
    "/pay <account> [amt]   the customer pays in Zuora (all it owes, or the amount), oldest first",
    "/play <file>           play a transcript here (e.g. /play examples/demo.jethub)",
    "/reset                 start again: demo accounts as shipped, an empty ledger and channels",
    "/help · /quit",
    "In a modal: answer each field; blank keeps what is shown in [ ]; /cancel closes the modal.",
]


class Session:
    def __init__(self, world: World, io: Terminal, *, live: bool = False) -> None:
        self.world = world
        self.io = io
        self.live = live  # show the bot's progress while it works, not only when it is done
        self.me: Person = PEOPLE[0]
        self.channel = SUPPORT
        self.screen = Screen(world)

    # -- what the person types ---------------------------------------------------------------

    def prompt(self) -> str:
        return f"{self.me.name} #{self.screen.channel_name(self.channel)}> "

    def banner(self) -> list[str]:
        here = self.screen.channel_name(self.channel)
        return [
            "jethub console: the real bot, a stand-in for Slack, the demo sandbox, a new ledger.",
            f"You are {self.me.name} ({self.me.role}) in #{here}. Try:",
            "  /jethub help                the verbs",
            "  /jethub account 1001        an account; type a number to press one of its buttons",
            "  /jethub deactivate 1001     ask, then /as bob and /channel approvals to approve it",
            "  /as bob · /channel approvals · /clock (run the digest now) · /help · /quit",
            "Watch the whole demo:  /play examples/demo.jethub   (the guide, page by page:",
            "   /play examples/tour.jethub; from a shell: jethub console --script FILE)",
            *self.where(),
        ]

    def where(self) -> list[str]:
        """Where this session's ledger and the bot's log are (gone when the console quits)."""
        return [
            f"Ledger (SQLite): {self.world.ledger_file}",
            f"Bot log:         {self.world.log_file}",
        ]

    def reset(self) -> None:
        """`/reset`: a fresh world, and alice in #support again, as at start."""
        self.world.reset()
        self.me, self.channel = PEOPLE[0], SUPPORT
        self.screen.clear()
        self.io.show(
            [
                "The world is fresh: demo accounts 1001-1012 as shipped, an empty ledger, empty "
                f"channels. You are {self.me.name} ({self.me.role}) in "
                f"#{self.screen.channel_name(self.channel)}.",
                *self.where(),
            ]
        )

    def handle(self, line: str) -> bool:
        """Act on one typed line; False when the person asked to leave."""
        line = line.strip()
        self.screen.fresh = True
        if not line:
            return True
        if line.isdigit():
            self.press(int(line))
            return True
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if word == "/jethub":
            self.command(rest)
        elif word in ("/quit", "/exit"):
            return False
        elif word == "/help":
            self.io.show(HELP)
        elif word == "/as":
            self.become(rest)
        elif word == "/channel":
            self.go_to(rest)
        elif word == "/clock":
            self.clock()
        elif word == "/home":
            self.home()
        elif word == "/reset":
            self.reset()
        elif word == "/pay":
            self.pay(rest)
        elif word.startswith("/"):
            self.io.show([f"{word} is not a command here; /help lists what is."])
        else:
            self.io.show(["Messages are not sent anywhere; type /jethub … or /help."])
        return True

    def command(self, text: str) -> None:
        """`/jethub text` in the current channel."""
        try:
            response = self.world.send.command(self.me.user_id, text, channel=self.channel)
        except StandinError as exc:
            self.io.show([f"Slack rejected the bot's answer: {exc}"])
            return
        self._check_http(response.status_code, "/jethub")
        self.settle()

    def press(self, number: int) -> None:
        entry = self.screen.control(number)
        if entry is None:
            self.io.show([f"There is no button {number} on the screen."])
            return
        control, target = entry
        if control.confirm is not None and not asking.confirmed(self.io, control):
            self.io.show(["(not pressed)"])
            return
        chosen = asking.choose(self.io, control, self._person_id)
        if chosen is None:
            return
        value, option = chosen
        state = self._message_inputs(target) if target.view_id is None else None
        try:
            if target.view_id is not None:
                response = self.world.send.block_action(
                    self.me.user_id,
                    control.action_id,
                    value,
                    view=target.view_id,
                    block_id=control.block_id,
                    selected_option=option,
                )
            else:
                response = self.world.send.block_action(
                    self.me.user_id,
                    control.action_id,
                    value,
                    message=target.ts,
                    channel=target.channel,
                    block_id=control.block_id,
                    selected_option=option,
                    state=state,
                )
        except StandinError as exc:
            self.io.show([f"{self.me.name} cannot press that: {exc}"])
            return
        self._check_http(response.status_code, control.label)
        self.settle()

    def become(self, name: str) -> None:
        found = person(name) if name else None
        if found is None:
            people = ", ".join(f"{p.name} ({p.role})" for p in PEOPLE)
            self.io.show([f"/as whom? One of: {people}"])
            return
        self.me = found
        self.screen.shown_view = None
        self.io.show([f"You are now {found.name} ({found.role})."])
        self.show_changes()

    def go_to(self, name: str) -> None:
        if not name:
            self.io.show(
                [
                    f"#{label}" + (" (you are here)" if cid == self.channel else "")
                    for cid, label in CHANNELS.items()
                ]
            )
            return
        found = self.world.slack.directory.channel("#" + name.lstrip("#"))
        if found is None:
            self.io.show([f"No channel #{name.lstrip('#')}; /channel lists them."])
            return
        self.channel = found.id
        self.io.show([f"#{found.name} — history, oldest first:"])
        shown = False
        for item in self.screen.channel_history(found.id):
            shown = True
            self._show_item(item, edited=False)
        if not shown:
            self.io.show(["  (no messages yet)"])

    def clock(self) -> None:
        from devkit.console.jobs import run_scheduled_jobs

        self.io.show(run_scheduled_jobs(self.world.services))
        self.settle()

    def pay(self, text: str) -> None:
        """The customer pays in Zuora (the sandbox, over HTTP)."""
        try:
            account, amount = payments.parse_pay(text)
            answer = payments.pay(self.world.sandbox.url, account, amount)
        except payments.PayError as exc:
            self.io.show([str(exc)])
            return
        lines = [
            f"Zuora: payment {answer['number']} of ${answer['amount']:,.2f} on account "
            f"{account}, {answer['appliedAmount']:,.2f} applied to its invoices."
        ]
        settings = self.world.services.settings
        url, credentials = self.world.callout_url, settings.callout_credentials
        if url is not None and credentials is not None:
            status = payments.deliver_callout(url, credentials, account, answer)
            lines.append(f"Zuora's callout to the bot: HTTP {status}.")
        else:
            lines.append("No callout over Socket Mode: /clock runs the payment check.")
        self.io.show(lines)
        self.settle()

    def home(self) -> None:
        """Open the App Home tab, as clicking the app's name in Slack does."""
        event = {"type": "app_home_opened", "user": self.me.user_id, "tab": "home"}
        if not self._check_http(self.world.send.event(event).status_code, "app_home_opened"):
            return
        self.settle()
        view = self.world.slack.home(self.me.user_id)
        if view is None:
            self.io.show(["(the bot published no Home tab)"])
            return
        blocks = view.get("blocks") or []
        rendered = render_blocks(blocks, names=self.screen.name, first_number=1)
        self.io.show(
            ["", f"Home · jethub · {self.me.name}", *("  " + line for line in rendered.lines)]
        )

    # -- what the bot did ----------------------------------------------------------------------

    def settle(self) -> None:
        """Wait for the bot's work after the ack, showing progress if live, then what is new."""
        executor = self.world.services.executor
        deadline = time.monotonic() + SETTLE_LIMIT_SECONDS
        while not executor.wait_idle(timeout=0.25 if self.live else 5.0):
            if self.live:
                self.show_changes(final=False)
            if time.monotonic() > deadline:
                self.io.show(["(the bot is still working; its answers will show later)"])
                break
        self.show_changes()

    def show_changes(self, *, final: bool = True) -> None:
        """Show every message new or changed since last shown, then the modal if it changed."""
        previous = None
        for item in self.screen.changed(self.me):
            previous = self._show_item(item, after=previous)
        if not final:
            return  # a modal is shown once the bot is done with it (not its "Loading…")
        view = self.world.slack.open_view(self.me.user_id)
        if view is None:
            self.screen.shown_view = None
            return
        if self.screen.shown_view == (view["id"], view["hash"]):
            return
        self.io.show(self.screen.view_lines(view))
        self.fill(view)

    def fill(self, view: Json) -> None:
        """Ask for the modal's inputs by label and submit them; re-ask what the bot refuses."""
        fields = forms.fields_of(view)
        if not fields and not view.get("submit"):
            return
        values: dict[str, dict[str, Json]] = {}
        errors: dict[str, str] = {}
        asked = fields
        while True:
            for field in asked:
                value = self._ask_field(field, errors.get(field.block_id))
                if value is None:
                    self._close(view)
                    return
                values[field.block_id] = {field.action_id: value}
            if not fields:
                submit = mrkdwn(str((view.get("submit") or {}).get("text", "Submit")))
                typed = self.io.ask(f"Submit “{submit}”? (y/n) ")
                if typed is None or not typed.strip().lower().startswith("y"):
                    self._close(view)
                    return
            try:
                response = self.world.send.view_submission(self.me.user_id, view["id"], values)
            except StandinError as exc:
                self.io.show([f"Slack rejected the bot's answer: {exc}"])
                return
            if not self._check_http(response.status_code, "the modal"):
                return
            ack = response.ack_body() or {}
            if ack.get("response_action") != "errors":
                break
            errors = {str(k): mrkdwn(str(v)) for k, v in (ack.get("errors") or {}).items()}
            asked = [f for f in fields if f.block_id in errors] or fields
        self.screen.shown_view = None
        self.settle()

    # -- helpers -------------------------------------------------------------------------------

    def _ask_field(
        self, field: forms.Field, error: str | None, *, lenient: bool = False
    ) -> Json | None:
        today = self.world.services.deps.today()
        return asking.ask_field(
            self.io, field, error, today=today, people=self._person_id, lenient=lenient
        )

    def _message_inputs(self, target: Target) -> dict[str, dict[str, Json]] | None:
        """A message can hold inputs too (a reason box): Slack sends what is typed in them with
        the click, so ask for them first. Blank keeps what is shown; the bot checks the rest."""
        assert target.ts is not None
        slack = self.world.slack
        ref = slack.find_message(target.ts, user=self.me.user_id)
        message = slack.message(ref) if ref is not None else None
        fields = forms.fields_of(message or {})
        if not fields:
            return None
        state: dict[str, dict[str, Json]] = {}
        for field in fields:
            value = self._ask_field(field, None, lenient=True)
            if value is not None:
                state[field.block_id] = {field.action_id: value}
        return state

    def _close(self, view: Json) -> None:
        self.world.send.view_closed(self.me.user_id, view["id"])
        self.screen.shown_view = None
        self.io.show(["(modal closed)"])
        self.settle()

    def _check_http(self, status: int, what: str) -> bool:
        if status == 200:
            return True
        self.io.show([f"Slack would say: {what} failed (the bot answered HTTP {status})."])
        return False

    def _show_item(
        self, item: Item, *, edited: bool | None = None, after: str | None = None
    ) -> str:
        header, lines = self.screen.item_lines(item, edited=edited, after=after)
        self.io.show(lines)
        return header

    def _person_id(self, name: str) -> str | None:
        found = person(name)
        return found.user_id if found is not None else None
