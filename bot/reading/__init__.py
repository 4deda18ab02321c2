"""The read side in Slack: ``/jethub account|billing|pbx|emergency|history|emails|search``
(``readers``, ``views/``), Share (``share``), App Home (``home``) and the activity feed
(``activity``).
"""
