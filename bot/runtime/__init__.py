"""What a process runs on: settings, ``Services`` (built by ``bot.compose``), logging with
secrets masked, metrics, roles from Slack user groups, the work pool, pre-fork serving.
"""
