"""Pure view builders: results in, Block Kit (``slack_sdk.models``) out, one module per feature."""
