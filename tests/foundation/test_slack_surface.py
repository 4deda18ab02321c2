"""The foundation over Slack's real protocol: signed requests in, Web API calls out."""

import json
from urllib.parse import urlencode

import httpx
import pytest
from sqlmodel import select

from audit import AuditEvent
from tests.fixtures.bot import ALICE, GROUPIE, NOBODY, VERA
from tests.fixtures.sandbox import TLS


def _events(bot, **where):
    with bot.ledger.session() as session:
        rows = session.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()
    return [e for e in rows if all(getattr(e, k) == v for k, v in where.items())]


def test_help_answers_with_the_verb_list(bot):
    response = bot.command(ALICE, "help")
    assert response.status_code == 200
    body = response.ack_body()
    assert "/jethub suspend &lt;account&gt; [reason]" in json.dumps(body)
    assert "/jethub deactivate &lt;account&gt;" in body["text"]


def test_help_lists_what_a_viewer_may_run_and_who_grants_the_rest(bot):
    body = bot.command(VERA, "help").ack_body()
    assert "/jethub account" in body["text"] and "/jethub suspend" not in body["text"]
    assert "more verbs need a role you don't have" in json.dumps(body)


def test_unknown_verb_gets_a_usage_error(bot):
    response = bot.command(ALICE, "frobnicate 1001")
    assert response.status_code == 200
    assert "`frobnicate` is not a /jethub verb" in response.ack_body()["text"]
    assert "/jethub help" in response.ack_body()["text"]


def test_missing_account_names_the_right_form(bot):
    response = bot.command(ALICE, "suspend")
    assert "Usage: `/jethub suspend &lt;account&gt; [reason]`" in response.ack_body()["text"]


def test_a_user_without_a_role_is_refused_and_audited(bot):
    response = bot.command(NOBODY, "suspend 1001 unpaid")
    text = response.ack_body()["text"]
    assert "You need the *operator* role to suspend an account." in text
    assert "JETHUB_OPERATORS" in text  # no JETHUB_ROLE_CONTACT: the setting that grants it
    refused = _events(bot, actor=NOBODY, outcome="refused")
    assert [(e.action, e.account) for e in refused] == [("suspend", "1001")]
    assert refused[0].details["needed_role"] == "operator"
    assert refused[0].correlation_id


def test_a_viewer_may_not_run_an_operator_verb(bot):
    response = bot.command(VERA, "refresh-auth 1001")
    assert "operator" in response.ack_body()["text"]
    assert _events(bot, actor=VERA, outcome="refused")


def test_user_group_membership_grants_its_role_and_is_cached(bot):
    bot.command(GROUPIE, "frobnicate")  # no role check for usage errors
    for _ in range(3):
        response = bot.command(GROUPIE, "suspend 1001 unpaid")
        assert response.status_code == 200
        assert "role" not in ((response.ack_body() or {}).get("text") or "")
    role_refusals = [e for e in _events(bot, actor=GROUPIE) if "needed_role" in e.details]
    assert role_refusals == []
    assert len(bot.slack.calls("usergroups.users.list")) == 1


@pytest.mark.parametrize("tamper", ["signature", "timestamp"])
def test_forged_or_stale_requests_get_401_and_run_nothing(bot, tamper):
    kwargs = {"wrong_signature": True} if tamper == "signature" else {"timestamp_skew": -301}
    response = bot.send.tampered(**kwargs).command(NOBODY, "suspend 1001 unpaid")
    bot.wait_idle()
    assert response.status_code == 401
    assert _events(bot) == []
    assert bot.slack.calls("chat.postMessage") == []


def test_a_retried_delivery_is_answered_without_running_again(bot):
    first = bot.send.command(NOBODY, "suspend 1001 unpaid")
    again = bot.send.post(urlencode(first.sent).encode())
    bot.wait_idle()
    assert first.status_code == again.status_code == 200
    assert len(_events(bot, actor=NOBODY)) == 1


def test_healthz_and_metrics(bot):
    bot.command(ALICE, "help")
    assert httpx.get(f"{bot.url}/healthz", verify=TLS).json() == {"ok": True}
    metrics = httpx.get(f"{bot.url}/metrics", verify=TLS).text
    assert 'jethub_slack_requests_total{kind="command",status="200"}' in metrics
    assert "jethub_ack_seconds_bucket" in metrics


def test_oversized_bodies_are_refused(bot):
    response = httpx.post(f"{bot.url}/slack/events", content=b"x" * (1024 * 1024 + 1), verify=TLS)
    assert response.status_code == 413


def test_a_refusal_says_who_grants_roles_when_the_contact_is_set(tmp_path):
    from tests.fixtures.bot import start_bot

    harness = start_bot(f"sqlite:///{tmp_path / 'l.db'}", jethub_role_contact="ask in #it-help")
    bot = next(harness)
    try:
        text = bot.command(VERA, "deactivate 1001").ack_body()["text"]
        assert text == (
            "You need the *operator* role to request a deactivation. To get it: ask in #it-help."
        )
        assert (
            "to get one: ask in #it-help"
            in bot.command(VERA, "help").ack_body()["blocks"][0]["text"]["text"]
        )
    finally:
        harness.close()
