"""Outcome categories of processing an exchange.

A business error waits for a person (unknown SKU, missing tax mapping, total
mismatch); anything else is technical and retried with backoff.
"""


class RetailBusinessError(Exception):
    """The event cannot be applied until somebody fixes data or a mapping."""


class RetailStaleEventError(Exception):
    """The event is older than what was already applied: nothing to do."""


class WebhookRejected(Exception):
    """An inbound HTTP delivery refused before anything is stored."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason
