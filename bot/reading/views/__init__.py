"""The read views: one module per page, ``common`` for what they share."""
