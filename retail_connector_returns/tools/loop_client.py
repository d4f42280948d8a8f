"""Loop's API, as far as the connector uses it: webhook subscriptions.

Pure Python on the base's shared HTTP client (the connection builds it);
the API key goes in ``X-Authorization``.
"""

API_PREFIX = "/api/v1"


class LoopClient:
    """One Loop shop."""

    def __init__(self, http):
        self.http = http

    def webhooks(self):
        """Every webhook subscription of the shop (a list of dicts)."""
        data = self.http.get(f"{API_PREFIX}/webhooks").json()
        if isinstance(data, dict):
            data = data.get("webhooks") or data.get("data") or []
        return list(data)

    def subscribe(self, body):
        """Create one (topic, trigger) subscription; returns it."""
        return self.http.post(f"{API_PREFIX}/webhooks", json=body).json()

    def set_status(self, webhook_id, status):
        """Activate or deactivate a subscription."""
        return self.http.put(
            f"{API_PREFIX}/webhooks/{webhook_id}", json={"status": status}
        ).json()

    def delete(self, webhook_id):
        self.http.delete(f"{API_PREFIX}/webhooks/{webhook_id}")

    def close_return(self, return_id, refunds=()):
        """Close a return, saying what was refunded (list of
        ``{gateway, amount, currency, provider_refund_id}``)."""
        return self.http.post(
            f"{API_PREFIX}/warehouse/return/{return_id}/close",
            json={"refunds": list(refunds)},
        ).json()
