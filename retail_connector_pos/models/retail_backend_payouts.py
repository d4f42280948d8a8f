"""Square payouts: read on their events and by a polled stream.

``payout.sent``, ``payout.paid`` and ``payout.failed`` name the payout: the
job reads it with every entry and stores it (``retail.pos.payout``), then
matches it with the bank. The ``payouts`` stream reads each store's payouts
created since the last run, and the ones Odoo still has as sent, and feeds
what Odoo does not show through the same exchange path; it also tries again
the paid payouts still waiting for their bank transaction.
"""

import json

from odoo import _, models

from odoo.addons.retail_connector_base import const as base_const
from odoo.addons.retail_connector_base.tools import canonical

from .. import const
from ..services.payout_processor import PayoutProcessor
from ..tools import receipts


class RetailBackend(models.Model):
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    def _canonical_processors(self):
        processors = super()._canonical_processors()
        if self.channel == const.CHANNEL:
            processors = {**processors, receipts.Payout: PayoutProcessor}
        return processors

    def _square_map_other(self, exchange, topic):
        if not topic.startswith("payout."):
            return super()._square_map_other(exchange, topic)
        payout_id = exchange.external_id
        if not payout_id:
            raise canonical.CanonicalError("id", f"the {topic} event names no payout")
        client = self._square_client()
        record = self._channel_call(client.payout, payout_id)
        entries = self._channel_call(client.payout_entries, payout_id)
        return receipts.payout(record, entries)

    # ------------------------------------------------------------------
    # The payouts stream
    # ------------------------------------------------------------------
    def _poll_streams(self):
        streams = super()._poll_streams()
        if self.channel == const.CHANNEL:
            streams = {**streams, const.STREAM_PAYOUTS: _("Card payouts")}
        return streams

    def _poll(self, stream, since, source):
        if self.channel != const.CHANNEL or stream != const.STREAM_PAYOUTS:
            return super()._poll(stream, since, source)
        client = self._square_client()
        end = None  # open-ended: a window ending at this second misses its milliseconds
        stores = self.location_mapping_ids.filtered(
            lambda s: s.active and s.pos_config_id
        )
        seen, fed = set(), 0
        for code in stores.mapped("location_code"):
            cursor = None
            while True:
                payouts, cursor = self._channel_call(
                    client.payouts, code, since, end, cursor
                )
                for payout in payouts:
                    seen.add(payout.get("id"))
                    fed += self._square_feed_payout(payout, source)
                if not cursor:
                    break
        Payout = self.env["retail.pos.payout"].sudo()
        sent = Payout.search(
            [
                ("backend_id", "=", self.id),
                ("status", "=", "SENT"),
                ("name", "not in", list(seen)),
            ]
        )
        for payout in sent:
            fed += self._square_feed_payout(
                self._channel_call(client.payout, payout.name), source
            )
        waiting = Payout.search(
            [
                ("backend_id", "=", self.id),
                ("status", "=", "PAID"),
                ("statement_line_id", "=", False),
            ]
        )
        matched = waiting._payout_match_bank()
        return _(
            "%(seen)s Square payouts read, %(fed)s not in Odoo fed, %(matched)s "
            "matched with the bank.",
            seen=len(seen) + len(sent),
            fed=fed,
            matched=len(matched),
        )

    def _square_feed_payout(self, payout, source):
        """Feed a payout whose state Odoo does not show."""
        payout_id = payout.get("id") if isinstance(payout, dict) else None
        status = payout.get("status") if payout_id else None
        if not payout_id or not isinstance(status, str):
            return 0
        version = payout.get("version") or 0
        known = (
            self.env["retail.pos.payout"]
            .sudo()
            .search([("backend_id", "=", self.id), ("name", "=", payout_id)], limit=1)
        )
        if known and known.status == status and known.version >= version:
            return 0
        topic = f"payout.{status.lower()}"
        body = {
            "type": topic,
            "data": {"type": "payout", "id": payout_id, "object": {"payout": payout}},
        }
        raw_body = json.dumps(body, separators=(",", ":")).encode()
        return int(
            self._poll_store(
                topic,
                raw_body,
                dedup_key=(
                    f"{base_const.POLL_DEDUP_PREFIX}:payout:{payout_id}:{status}:{version}"
                ),
                external_id=payout_id,
                source=source,
            )
        )
