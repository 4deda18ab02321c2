"""The renderer alone: Block Kit JSON in, the lines a person reads and the numbered controls out."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.edge.blocks import display_safe, esc
from devkit.console.render import (
    BOLD,
    CODE,
    UNBOLD,
    UNCODE,
    mrkdwn,
    plain,
    render_blocks,
    render_message,
    render_view,
    text_of,
)

NAMES = {"U0BOB": "bob", "C0APPROVALS": "approvals"}


def names(object_id: str) -> str:
    return NAMES.get(object_id, object_id)


def test_mentions_links_and_escapes_read_as_text() -> None:
    text = "<@U0BOB> in <#C0APPROVALS> <!here> <https://x.example/a|the page> <mailto:a@b.c|a@b.c>"
    assert mrkdwn(text, names) == "@bob in #approvals @here the page (https://x.example/a) a@b.c"
    escaped = esc("<!channel> & <@U0BOB>")
    assert escaped == "&lt;!channel&gt; &amp; &lt;@U0BOB&gt;"
    assert mrkdwn(escaped, names) == "<!channel> & <@U0BOB>"  # text, not a mention


@given(st.text(alphabet=st.characters(blacklist_characters=":", blacklist_categories=["Cs"])))
def test_escaped_outside_text_comes_back_as_displayed(text: str) -> None:
    # Unchanged but for invisible characters, which esc() drops or shows as [U+…].
    assert mrkdwn(esc(text), names, styles=False) == display_safe(text)


def test_bold_and_code_are_drawn_not_shown_as_markers() -> None:
    said = mrkdwn("*Overdue invoices* — `1001` and `*not bold*`; 2*3*4 and * alone *")
    assert said == (
        f"{BOLD}Overdue invoices{UNBOLD} — {CODE}1001{UNCODE} and {CODE}*not bold*{UNCODE}; "
        "2*3*4 and * alone *"
    )
    assert plain(said) == "Overdue invoices — 1001 and *not bold*; 2*3*4 and * alone *"
    assert text_of({"type": "plain_text", "text": "*as typed*"}) == "*as typed*"
    assert plain(mrkdwn("```\nline one\n```")) == "line one\n"


def test_a_mention_of_someone_outside_the_demo_is_named_plainly() -> None:
    from types import SimpleNamespace

    from devkit.console.screen import Screen
    from devkit.slack.directory import Directory, User

    directory = Directory()
    directory.add_user(User("U0BOB", "bob", "Bob", "bob@jethub.example"))
    screen = Screen(SimpleNamespace(slack=SimpleNamespace(directory=directory)))  # type: ignore[arg-type]
    line = mrkdwn("suspended by <@U02BILLING>, approved by <@U0BOB>", screen.name)
    assert line == "suspended by @U02BILLING (not a demo person), approved by @bob"


def test_known_emoji_codes_become_emoji_and_unknown_stay() -> None:
    assert mrkdwn(":white_check_mark: done :party-parrot: at 10:30:00") == (
        "✅ done :party-parrot: at 10:30:00"
    )


def test_every_block_kind_reads_and_buttons_are_numbered_in_order() -> None:
    blocks = [
        HeaderBlock(text="Overdue invoices"),
        SectionBlock(
            text=MarkdownTextObject(text="*Acme* &amp; Co"),
            fields=[MarkdownTextObject(text="*Status*\nActive")],
            accessory=ButtonElement(text="Edit", action_id="x.edit", value="1001"),
        ),
        DividerBlock(),
        ContextBlock(elements=[MarkdownTextObject(text="by <@U0BOB>")]),
        ActionsBlock(
            block_id="decide",
            elements=[
                ButtonElement(
                    text="Approve",
                    action_id="a.approve",
                    value="r1",
                    confirm=ConfirmObject(title="Sure?", text="Really", confirm="Yes", deny="No"),
                ),
                StaticSelectElement(
                    action_id="a.pick",
                    placeholder="Pick one",
                    options=[Option(value="a", label="Alpha"), Option(value="b", label="Beta")],
                ),
            ],
        ),
    ]
    rendered = render_blocks([b.to_dict() for b in blocks], names=names, first_number=4)
    assert [plain(line) for line in rendered.lines] == [
        "Overdue invoices",
        "════════════════",
        "Acme & Co",
        "  Status Active",
        "[4 Edit]",
        "─" * 40,
        "  by @bob",
        "[5 Approve] [6 Pick one ▾]",
    ]
    edit, approve, pick = rendered.controls
    assert (edit.number, edit.action_id, edit.value) == (4, "x.edit", "1001")
    assert approve.block_id == "decide" and approve.confirm is not None
    assert approve.confirm.title == "Sure?" and approve.confirm.deny == "No"
    assert [(o.text, o.value) for o in pick.options] == [("Alpha", "a"), ("Beta", "b")]


def test_a_message_without_blocks_shows_its_text() -> None:
    rendered = render_message({"text": "line one\n<@U0BOB> &lt;b&gt;"}, names=names)
    assert rendered.lines == ["line one", "@bob <b>"]
    assert rendered.controls == []


def test_a_modal_shows_title_inputs_and_its_buttons() -> None:
    view = View(
        type="modal",
        title="Deny request",
        submit="Deny",
        close="Back",
        blocks=[
            SectionBlock(text=MarkdownTextObject(text="Deny *1001*?")),
            InputBlock(
                block_id="reason",
                label="Why?",
                element=PlainTextInputElement(action_id="value", initial_value="late"),
                optional=True,
            ),
        ],
    ).to_dict()
    rendered = render_view(view)
    assert [plain(line) for line in rendered.lines] == [
        "┌ Deny request",
        "│ Deny 1001?",
        "│ Why? (optional): late",
        "└ close: Back · submit: Deny",
    ]
