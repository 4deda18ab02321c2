"""The overdue digest in Slack: the scheduled post and ``/jethub digest`` (``views``, ``chart``),
its rows kept true as accounts are acted on (``rows``), the snooze modal and row buttons.
"""
