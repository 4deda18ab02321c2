"""Suspension for non-payment in Slack: ``/jethub suspend|unsuspend|exclude|include``, the
confirmation and its clicks, the results, how a suspension's request and runs show (``faces``)
and its refusals' words (``errors``); the override (suspending before the threshold) in
``override/``; Zuora's payment callout and what the team is told of a payment (``payments``,
``payment_views``), and the clock's payment check (``backstop``).
"""
