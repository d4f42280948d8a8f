"""Accepting marketplace orders (OR21): by stock, all, or by a person.

A Mirakl order waits in WAITING_ACCEPTANCE until the shop accepts or refuses
each line. The decision is taken in one transaction under the warehouse's
turn (``retail.mirakl.stock.turn``) and recorded on the order's lines; the
call telling Mirakl is a separate job, so no lock is held while Mirakl
answers. Accepted orders hold their stock as quotations until Mirakl has
debited the customer.
"""

import json

from markupsafe import Markup, escape

from odoo import _, fields, models

from odoo.addons.retail_connector_base import const as base_const
from odoo.addons.retail_connector_base.tools import http_client

from ..tools import api as mirakl_api
from ..tools import mappers


class RetailBackend(models.Model):
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    def _mirakl_acceptance_requested(self, sale):
        """An order arrived waiting for acceptance: decide, or ask a person."""
        if self.mirakl_acceptance_policy == "manual":
            sale.message_post(
                body=_(
                    "Waiting for your decision: accept or refuse it with the buttons "
                    "of this order before the marketplace's deadline."
                )
            )
            return
        self.with_delay(
            channel=base_const.JOB_CHANNEL_INBOUND,
            identity_key=f"mirakl-decide-{sale.id}",
            description=_("Decide on %s", sale.name),
        )._mirakl_decide_job(sale.id)

    def _mirakl_decide_job(self, sale_id):
        """Job: decide on a waiting order by the connection's policy."""
        self.ensure_one()
        sale = self.env["sale.order"].browse(sale_id).exists()
        if not sale or sale.mirakl_acceptance_state != "waiting":
            return _("Nothing to do: the order is not waiting for a decision.")
        if self.mirakl_acceptance_policy == "accept_all":
            decisions = dict.fromkeys(sale._mirakl_waiting_line_ids(), True)
            return self._mirakl_record_decision(sale, decisions, _("every order"))
        return self._mirakl_decide(sale)

    def _mirakl_decide(self, sale):
        """Accept the lines the warehouse has free stock for; refuse the rest."""
        self.ensure_one()
        warehouse = sale.warehouse_id or self.warehouse_id
        self.env["retail.mirakl.stock.turn"]._take(warehouse)
        lines = sale._mirakl_acceptance_lines()
        available = self._mirakl_free_by_sku(sale, warehouse)
        decisions = mappers.acceptance_decisions(
            lines, available, self.mirakl_partial_acceptance
        )
        return self._mirakl_record_decision(
            sale, decisions, _("by stock"), available=available
        )

    def _mirakl_free_by_sku(self, sale, warehouse):
        """``{offer sku: quantity}`` the order's products have free in
        `warehouse`, net of what other channel quotations hold (accepted
        marketplace orders included, orders still waiting for a decision
        not: they have been promised nothing yet)."""
        by_line = {
            line.retail_external_line_id: line.product_id
            for line in sale.order_line
            if line.retail_external_line_id and line.product_id.is_storable
        }
        products = self.env["product.product"].union(*by_line.values())
        held = self._mirakl_held_elsewhere(products, warehouse, sale)
        free = {
            product.id: product.free_qty - held.get(product.id, 0)
            for product in products.with_context(warehouse_id=warehouse.id)
        }
        available = {}
        for line_id, sku, _quantity in sale._mirakl_acceptance_lines():
            product = by_line.get(line_id)
            # A product whose stock Odoo does not track is always available.
            available[sku] = free[product.id] if product else float("inf")
        return available

    def _mirakl_held_elsewhere(self, products, warehouse, sale):
        groups = (
            self.env["sale.order.line"]
            .sudo()
            ._read_group(
                [
                    ("product_id", "in", products.ids),
                    ("order_id", "!=", sale.id),
                    ("order_id.retail_backend_id", "!=", False),
                    ("order_id.state", "in", ("draft", "sent")),
                    ("order_id.warehouse_id", "=", warehouse.id),
                    (
                        "order_id.mirakl_acceptance_state",
                        "not in",
                        ("waiting", "refused"),
                    ),
                    ("mirakl_acceptance", "!=", "refused"),
                ],
                ["product_id"],
                ["product_uom_qty:sum"],
            )
        )
        return {product.id: quantity for product, quantity in groups}

    def _mirakl_record_decision(self, sale, decisions, how, available=None):
        """Record `decisions` ({order line id: accepted}) and queue OR21."""
        self.ensure_one()
        for line in sale.order_line:
            if line.retail_external_line_id in decisions:
                line.mirakl_acceptance = (
                    "accepted" if decisions[line.retail_external_line_id] else "refused"
                )
        accepted = sum(1 for value in decisions.values() if value)
        if accepted == len(decisions):
            state = "accepted"
        elif accepted:
            state = "partial"
        else:
            state = "refused"
        sale.mirakl_acceptance_state = state
        sale.message_post(
            body=self._mirakl_decision_note(sale, decisions, how, available)
        )
        self.with_delay(
            channel=base_const.JOB_CHANNEL_OUTBOUND,
            identity_key=f"mirakl-accept-{sale.id}",
            description=_("Tell the marketplace the decision on %s", sale.name),
        )._mirakl_accept_job(sale.id)
        return _("%(order)s: %(state)s", order=sale.name, state=state)

    def _mirakl_decision_note(self, sale, decisions, how, available):
        lines = {
            line_id: (sku, quantity)
            for line_id, sku, quantity in sale._mirakl_acceptance_lines()
        }
        rows = Markup("").join(
            Markup("<li>%s × %s: %s%s</li>")
            % (
                escape(lines.get(line_id, (line_id,))[0]),
                escape(lines.get(line_id, (None, "?"))[1]),
                _("accepted") if accepted else _("refused"),
                ""
                if available is None
                else _(" (%s free)", available.get(lines.get(line_id, (None,))[0], 0)),
            )
            for line_id, accepted in decisions.items()
        )
        return Markup("%s<ul>%s</ul>") % (_("Marketplace decision (%s):", how), rows)

    # ------------------------------------------------------------------
    # Telling Mirakl (OR21)
    # ------------------------------------------------------------------
    def _mirakl_accept_job(self, sale_id):
        """Job: send the recorded decision on an order (OR21)."""
        self.ensure_one()
        sale = self.env["sale.order"].browse(sale_id).exists()
        if not sale or sale.mirakl_acceptance_state not in (
            "accepted",
            "partial",
            "refused",
        ):
            return _("Nothing to do: no decision to send.")
        if sale.mirakl_decision_sent_at:
            return _("Nothing to do: the decision was sent already.")
        if sale.mirakl_state != mirakl_api.WAITING_ACCEPTANCE:
            return _(
                "Nothing to do: the marketplace shows the order %s.", sale.mirakl_state
            )
        replay = self._outbound_replay("_mirakl_accept_job", sale_id)
        result, refused = replay._retail_export(sale, replay._mirakl_send_decision)
        return refused or result

    def _mirakl_send_decision(self, sale):
        decisions = {
            line.retail_external_line_id: line.mirakl_acceptance == "accepted"
            for line in sale.order_line
            if line.mirakl_acceptance
        }
        payload = {"order_id": sale.retail_external_id, "decisions": decisions}
        try:
            with self._outbound_call(
                "order.accept",
                payload,
                external_id=sale.retail_external_id,
                record=sale,
            ):
                self._mirakl_client().accept(sale.retail_external_id, decisions)
        except http_client.ChannelHttpError as exc:
            if (
                mirakl_api.ERROR_PARTIAL_ACCEPTANCE_DISABLED
                not in (exc.body or str(exc))
                or not self.mirakl_partial_acceptance
            ):
                raise
            # The marketplace forbids partial acceptance: say so on the
            # connection and decide again, all or nothing.
            self.sudo().mirakl_partial_acceptance = False
            sale.mirakl_acceptance_state = "waiting"
            sale.order_line.mirakl_acceptance = False
            sale.message_post(
                body=_(
                    "The marketplace does not accept part of an order: deciding "
                    "again, all lines or none."
                )
            )
            self._mirakl_decide(sale)
            return _("Decided again, all or nothing.")
        sale.mirakl_decision_sent_at = fields.Datetime.now()
        return _("Decision sent: %s", sale.mirakl_acceptance_state)

    def _mirakl_refuse_unknown_job(self, exchange_id):
        """Job: refuse on the marketplace an order Odoo could not take."""
        self.ensure_one()
        exchange = self.env["retail.exchange"].browse(exchange_id).exists()
        if not exchange or exchange.state != "failed":
            return _("Nothing to do: the order was taken after all.")
        payload = json.loads(exchange.payload or "{}")
        order_id = payload.get("order_id") or exchange.external_id
        lines = mappers.acceptance_lines(payload)
        if not lines:
            return _("Nothing to do: no line waits for a decision.")
        sent = self.env["retail.exchange"].search_count(
            [
                ("backend_id", "=", self.id),
                ("direction", "=", "outbound"),
                ("topic", "=", "order.refuse"),
                ("external_id", "=", order_id),
                ("state", "=", "done"),
            ]
        )
        if sent:
            return _("Nothing to do: already refused.")
        decisions = {line_id: False for line_id, _sku, _qty in lines}
        with self._outbound_call(
            "order.refuse",
            {"order_id": order_id, "decisions": decisions, "why": exchange.error},
            external_id=order_id,
            record=exchange,
        ):
            self._channel_call(self._mirakl_client().accept, order_id, decisions)
        exchange.message_post(
            body=_("Refused on the marketplace: Odoo could not take the order.")
        )
        return _("Order %s refused.", order_id)
