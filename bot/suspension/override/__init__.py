"""The suspension override in Slack: ``/jethub override``, its confirmation, and its face."""
