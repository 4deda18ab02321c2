from datetime import timedelta

from audit import first_time
from bot.jobs.sweeper import KEEP_DELIVERY_KEYS, sweep


def test_the_sweeper_forgets_delivery_ids_slack_can_no_longer_retry(bot):
    now = bot.services.deps.now()
    with bot.ledger.session() as session:
        assert first_time(session=session, key="old", now=now - KEEP_DELIVERY_KEYS - timedelta(1))
        assert first_time(session=session, key="recent", now=now - timedelta(minutes=5))
    sweep(bot.services, bot.app.client)
    with bot.ledger.session() as session:
        assert first_time(session=session, key="old", now=now)  # forgotten: new again
        assert not first_time(session=session, key="recent", now=now)  # still remembered
