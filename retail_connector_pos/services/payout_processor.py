"""Store a Square payout with its entries and match it with the bank."""

from odoo.addons.retail_connector_base.services.locks import lock_or_retry


class PayoutProcessor:
    """Applies ``receipts.Payout`` records of one connection."""

    def __init__(self, env, backend):
        self.env = env
        self.backend = backend

    def apply(self, payout, exchange=None):
        lock_or_retry(self.env, "square-payout", self.backend.id, payout.id)
        store = self.backend._pos_store(payout.location_id)
        record = (
            self.env["retail.pos.payout"]
            .sudo()
            ._square_upsert(self.backend, store, payout)
        )
        record._payout_match_bank()
        return record
