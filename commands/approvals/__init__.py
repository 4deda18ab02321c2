"""The kernel's four-eyes: requesting an approval (``requests``), deciding it exactly once
(``decisions``), expiry and reminders (``expiry``), withdrawal, and the request's model.
It names no feature; each feature declares its ``ApprovalKind``.
"""
