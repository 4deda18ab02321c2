"""Suspension for non-payment in Slack: ``/jethub suspend|unsuspend``, the confirmation and its
clicks, the results, how a suspension's request and runs show (``faces``) and its refusals'
words (``errors``); the override (suspending before the threshold) in ``override/``.
"""
