"""Mirakl orders: polled by update date (OR11), mapped, and the customer policy.

The seller API has no webhooks: every order version is read by the orders
stream, page by page, and fed through the base's exchange path like a
webhook delivery. Mirakl allows OR11 once a minute: when the next page must
wait, the run pauses and a job resumes it (``PollContinues``).
"""

import functools
import json
from datetime import timedelta

from odoo import _, fields, models

from odoo.addons.retail_connector_base import const as base_const
from odoo.addons.retail_connector_base.services.errors import PollContinues
from odoo.addons.retail_connector_base.tools.call_schedule import CallScheduled

from .. import const
from ..tools import api as mirakl_api
from ..tools import mappers

# Pages overlap by this many orders (a tenth of a small page): an order
# updated while the run pages leaves the update-date window and shifts the
# later ones back by one; the overlap reads them anyway (a re-read order is a
# no-op).
PAGE_OVERLAP = 5


class RetailBackend(models.Model):
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    mirakl_pending_partner_id = fields.Many2one(
        "res.partner",
        string="Customer Before Payment",
        help="Marketplace orders show their customer only once paid: until then "
        "their quotation is for this contact. Created when first needed.",
    )

    # ------------------------------------------------------------------
    # Polling
    # ------------------------------------------------------------------
    def _poll_streams(self):
        if self.channel != const.CHANNEL:
            return super()._poll_streams()
        return {
            base_const.POLL_STREAM_ORDERS: _("Orders"),
            const.POLL_STREAM_TRANSACTIONS: _("Transaction logs"),
            const.POLL_STREAM_INVOICES: _("Accounting documents"),
        }

    def _poll(self, stream, since, source):
        if self.channel != const.CHANNEL:
            return super()._poll(stream, since, source)
        if stream == const.POLL_STREAM_TRANSACTIONS:
            return self._mirakl_poll_transactions(since, source)
        if stream == const.POLL_STREAM_INVOICES:
            return self._mirakl_poll_documents(since, source)
        return self._mirakl_poll_orders(since, source)

    def _mirakl_poll_orders(self, since, source):
        """Feed every order updated after `since`, one OR11 page at a time."""
        resume = self._poll_cursor() or {
            "offset": 0,
            # A fixed end keeps the window still while the run pages.
            "end": mirakl_api.iso(fields.Datetime.now() + timedelta(seconds=1)),
        }
        client = self._mirakl_client()
        to_canonical = functools.partial(
            mappers.order_to_canonical, status_targets=self._status_mapping()
        )
        page_size = max(1, min(self.mirakl_page_size or 100, 1000))
        overlap = min(PAGE_OVERLAP, page_size // 10)
        offset, fed = resume["offset"], resume.get("fed", 0)
        while True:
            start = max(0, offset - overlap)
            try:
                orders, total = client.orders(
                    start_update_date=mirakl_api.iso(since),
                    end_update_date=resume["end"],
                    offset=start,
                    page_size=page_size,
                )
            except CallScheduled as wait:
                raise PollContinues(
                    dict(resume, offset=offset, fed=fed),
                    wait.wait,
                    _("%(fed)s orders fed, %(offset)s read", fed=fed, offset=offset),
                ) from wait
            for payload in orders:
                order_id, modified, _state = mappers.order_reference(payload)
                fed += self._poll_feed_order(
                    payload,
                    external_id=order_id,
                    modified=modified,
                    source=source,
                    to_canonical=to_canonical,
                )
            offset = start + len(orders)
            if not orders or offset >= total:
                return _(
                    "Orders: %(fed)s fed of %(total)s updated", fed=fed, total=total
                )

    # ------------------------------------------------------------------
    # Mapping and applying
    # ------------------------------------------------------------------
    def _map_inbound(self, exchange):
        if self.channel != const.CHANNEL:
            return super()._map_inbound(exchange)
        topic = exchange.topic or ""
        if topic.startswith("mirakl.transaction"):
            return self._mirakl_map_transactions(exchange)
        if topic.startswith("mirakl.document"):
            return self._mirakl_map_documents(exchange)
        if not topic.startswith("order."):
            return None
        order = mappers.order_to_canonical(
            json.loads(exchange.payload), status_targets=self._status_mapping()
        )
        # Refunds the operator made (or Odoo's own, recognised) follow it.
        return [order, *self._order_new_refunds(order)]

    def _order_partners(self, order):
        if self.channel != const.CHANNEL:
            return super()._order_partners(order)
        if order.billing_address.is_empty() and order.shipping_address.is_empty():
            # Not paid yet: Mirakl shows the customer only after the debit.
            partner = self._mirakl_pending_partner()
            return partner, partner, partner
        return super()._order_partners(order)

    def _mirakl_pending_partner(self):
        self.ensure_one()
        if not self.mirakl_pending_partner_id:
            self.sudo().mirakl_pending_partner_id = (
                self.env["res.partner"]
                .sudo()
                .create(
                    {
                        "name": _("%s customer (before payment)", self.name),
                        "company_id": self.company_id.id,
                        "active": True,
                    }
                )
            )
        return self.mirakl_pending_partner_id

    def _order_applied(self, sale, order, exchange):
        super()._order_applied(sale, order, exchange)
        if self.channel != const.CHANNEL or not exchange:
            return
        payload = json.loads(exchange.payload or "{}")
        state = payload.get("order_state") or ""
        sale.write(
            {
                "mirakl_state": state,
                "mirakl_can_cancel": bool(payload.get("can_cancel")),
                "mirakl_payload": exchange.payload,
            }
        )
        if state == mirakl_api.WAITING_ACCEPTANCE:
            if not sale.mirakl_acceptance_state:
                sale.mirakl_acceptance_state = "waiting"
                self._mirakl_acceptance_requested(sale)
        elif sale.mirakl_acceptance_state == "waiting" and state:
            # Decided elsewhere (the marketplace's back office, or refused
            # automatically when the acceptance deadline passed).
            sale.mirakl_acceptance_state = (
                "refused" if state == mirakl_api.REFUSED else "accepted"
            )
            sale.message_post(
                body=_("The marketplace says %s: decided outside Odoo.", state)
            )

    def _inbound_failed(self, exchange):
        super()._inbound_failed(exchange)
        if self.channel != const.CHANNEL or self.mirakl_acceptance_policy != "auto":
            return
        if exchange.error_category != "business" or not (
            exchange.topic or ""
        ).startswith("order."):
            return
        payload = json.loads(exchange.payload or "{}")
        if not mappers.is_waiting_acceptance(payload):
            return
        # Odoo cannot take this order (an unknown product, say): refuse it
        # rather than let the marketplace wait for the deadline.
        self.with_delay(
            channel=base_const.JOB_CHANNEL_OUTBOUND,
            identity_key=f"mirakl-refuse-{self.id}-{exchange.external_id}",
            description=_("Refuse %s on the marketplace", exchange.external_id),
        )._mirakl_refuse_unknown_job(exchange.id)
