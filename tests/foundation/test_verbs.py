import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.edge.verbs import MAX_TEXT, VERBS, UsageError, help_lines, parse
from commands.actor import Actor, Role


@pytest.mark.parametrize(
    ("text", "verb", "account", "rest"),
    [
        ("", "help", None, ""),
        ("help", "help", None, ""),
        ("account 1001", "account", "1001", ""),
        ("ACCOUNT   1001  ", "account", "1001", ""),
        ("account acme plumbing", "account", "acme plumbing", ""),
        ("suspend 1001", "suspend", "1001", ""),
        ("suspend 1001 three invoices unpaid", "suspend", "1001", "three invoices unpaid"),
        ('suspend "Acme Plumbing" unpaid', "suspend", "Acme Plumbing", "unpaid"),
        ("suspend “Acme Plumbing” unpaid", "suspend", "Acme Plumbing", "unpaid"),
        ("acct 1002", "account", "1002", ""),
        ("refresh-auth 1003", "refresh-auth", "1003", ""),
        ("digest", "digest", None, ""),
        ("account A00001001", "account", "A00001001", ""),
        ("account 0412 345 678", "account", "0412 345 678", ""),
        ("suspend 0412 345 678 unpaid since May", "suspend", "0412 345 678", "unpaid since May"),
        ("suspend (02) 9000 1234 unpaid", "suspend", "(02) 9000 1234", "unpaid"),
        ("suspend 1001 3 invoices unpaid", "suspend", "1001", "3 invoices unpaid"),
        ("emails 1011 login", "emails", "1011", "login"),
        ('emails "Metro Cabs" Jet Phone', "emails", "Metro Cabs", "Jet Phone"),
    ],
)
def test_parse_reads_verb_account_and_rest(text, verb, account, rest):
    invocation = parse(text)
    assert (invocation.verb.name, invocation.account, invocation.rest) == (verb, account, rest)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("frobnicate 1001", "`frobnicate` is not a /jethub verb. Try `/jethub help`"),
        ("suspnd 1001", "Did you mean `/jethub suspend`?"),
        ("acount 1001", "Did you mean `/jethub account`?"),
        ("unsuspnd 1001", "Did you mean `/jethub unsuspend`?"),
        ("account", "Which account? Usage: `/jethub account &lt;account&gt;`"),
        ("deactivate 1001 now please", "takes one account"),
        ("digest 1001", "takes no arguments"),
        ('suspend "Acme unpaid', "missing its closing"),
        ("account " + "9" * MAX_TEXT, "the limit is"),
    ],
)
def test_parse_rejects_malformed_text_with_the_right_form(text, says):
    with pytest.raises(UsageError) as raised:
        parse(text)
    assert says in str(raised.value)


def test_help_lists_every_verb_once_for_an_admin():
    lines = help_lines(Actor.with_grants("U1", {Role.ADMIN}))
    assert len(lines) == len(VERBS)
    assert all(line.startswith(f"`/jethub {name}") for line, name in zip(lines, VERBS, strict=True))


def test_help_lists_only_the_verbs_your_role_allows():
    viewer = [
        line.split()[1].strip("`") for line in help_lines(Actor.with_grants("U1", {Role.VIEWER}))
    ]
    assert viewer == ["help", "account", "billing", "pbx", "emergency", "emails", "audit"]
    nobody = help_lines(Actor.with_grants("U2", set()))
    assert [line.split()[1].strip("`") for line in nobody] == ["help"]


def test_usage_in_help_is_escaped_so_slack_does_not_read_a_link():
    for line in help_lines(Actor.with_grants("U1", {Role.ADMIN})):
        assert "<" not in line and "account account" not in line
    assert (
        "`/jethub account &lt;account&gt;`" in help_lines(Actor.with_grants("U1", {Role.ADMIN}))[1]
    )


@given(st.text(max_size=300))
def test_parse_never_fails_other_than_a_usage_error(text):
    try:
        invocation = parse(text)
    except UsageError as exc:
        assert str(exc)
        return
    assert invocation.verb.name in VERBS
    if invocation.account is not None:
        assert invocation.account.strip() == invocation.account
        assert invocation.account
        assert not any(ord(ch) < 32 and ch not in "\t\n" for ch in invocation.account)
