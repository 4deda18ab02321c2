"""The change modals and results, one module per change; ``modal`` holds what they share."""
