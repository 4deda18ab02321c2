"""Deactivation in Slack: ``/jethub deactivate`` and its request modal (typed account number),
the blast radius in Block Kit (``radius``), the run's live progress on its approval message
(``progress``), and how it shows (``faces``: its request's look and its run's face, listed by
``bot.catalogue``).
"""
