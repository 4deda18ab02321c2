"""The Slack edge every feature stands on: the gate that refuses malformed requests, typed
payloads and button values (``payloads``, ``codecs``), the listener turns (``turns``), the one
error boundary (``boundary``), Block Kit helpers (``blocks``, ``modals``), the verb table's
shape (``verbs``) and Slack's rate limits (``slack_limits``). It names no feature.
"""
