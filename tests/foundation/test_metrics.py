"""What ``/metrics`` says about actions and backends is exactly what happened."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from audit import latest
from tests.fixtures.bot import ALICE, VERA, BotHarness
from tests.fixtures.sandbox import TLS

Counts = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(bot: BotHarness) -> Counts:
    text = httpx.get(f"{bot.url}/metrics", verify=TLS).text
    counts: Counts = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_total"):
                counts[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return counts


def grew(before: Counts, after: Counts, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """How much each series of ``name`` grew between two scrapes (the registry is per process)."""
    return {
        labels: value - before.get((metric, labels), 0.0)
        for (metric, labels), value in after.items()
        if metric == name and value != before.get((metric, labels), 0.0)
    }


def test_one_ok_one_refused_one_failed_action_are_counted_exactly(bot: BotHarness) -> None:
    before = scrape(bot)
    bot.command(ALICE, "refresh-auth 1001")  # ok
    bot.command(VERA, "refresh-auth 1001")  # refused: a viewer
    bot.sandbox.faults("sbc").set(error_rate=1.0)
    bot.command(ALICE, "refresh-auth 1002")  # failed: the SBC answers 500 to every attempt
    after = scrape(bot)

    assert grew(before, after, "jethub_actions_total") == {
        (("action", "refresh_auth"), ("outcome", "ok")): 1.0,
        (("action", "refresh_auth"), ("outcome", "refused")): 1.0,
        (("action", "refresh_auth"), ("outcome", "failed")): 1.0,
    }
    errors = grew(before, after, "jethub_backend_errors_total")
    failed_calls = sum(
        value
        for labels, value in grew(before, after, "jethub_backend_calls_total").items()
        if dict(labels)["outcome"] != "ok"
    )
    assert {dict(labels)["backend"] for labels in errors} == {"sbc"}
    assert sum(errors.values()) == failed_calls >= 2  # each failed attempt once, in one metric


def test_what_a_command_records_itself_is_counted_once_and_a_question_not_at_all(
    bot: BotHarness,
) -> None:
    with bot.sandbox.world.lock:
        bot.sandbox.world.platform.accounts["1004"].status = "deactivated"
    before = scrape(bot)
    bot.command(ALICE, "refresh-auth a")  # a name several accounts match: a pick-list, no event
    bot.command(ALICE, "refresh-auth 1004")  # refused: the account is deactivated
    bot.sandbox.faults("platform").set(error_rate=1.0)
    bot.command(ALICE, "refresh-auth 1002")  # failed before any run: the account can't be read
    after = scrape(bot)

    assert grew(before, after, "jethub_actions_total") == {
        (("action", "refresh_auth"), ("outcome", "refused")): 1.0,
        (("action", "refresh_auth"), ("outcome", "failed")): 1.0,
    }
    with bot.ledger.read_session() as session:
        recorded = [(e.account, str(e.outcome)) for e in reversed(latest(session=session))]
    assert recorded[-2:] == [("1004", "refused"), ("1002", "failed")]
