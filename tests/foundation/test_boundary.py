from bot.edge.boundary import said, user_message
from commands.errors import AccountNotFound, Conflict
from integrations.errors import BackendRejected


def test_outside_text_in_a_command_error_cannot_mention_anyone():
    text = user_message(AccountNotFound("<!channel> & <@U123>"))
    assert "<!channel>" not in text
    assert "<@U123>" not in text
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in text


def test_deliberate_mentions_survive_and_nothing_else_does():
    error = Conflict("Asked by <@U0ALICE> for “<@U0EVIL>”.")
    error.mentions = ("U0ALICE",)
    text = user_message(error)
    assert "<@U0ALICE>" in text
    assert "<@U0EVIL>" not in text


def test_backend_messages_are_escaped_too():
    text = user_message(BackendRejected("zuora", "53100320", "name <!here> is invalid"))
    assert "<!here>" not in text
    assert text.startswith(":warning: Zuora")


def test_unexpected_errors_quote_a_reference_not_the_exception():
    text = user_message(RuntimeError("secret internals"))
    assert "secret internals" not in text
    assert "Reference" in text


def test_listener_notices_do_not_escape_a_boundary_message_twice():
    payload = said(user_message(AccountNotFound("Smith & Sons")))
    shown = payload["blocks"][0]["text"]["text"]
    assert "Smith &amp; Sons" in shown
    assert "&amp;amp;" not in shown
