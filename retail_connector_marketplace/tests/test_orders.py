"""Marketplace orders over real HTTP: polled, accepted, confirmed, shipped."""

from odoo.tests import tagged

from .common import MiraklCase, trap_jobs


@tagged("post_install", "-at_install")
class TestMarketplaceOrders(MiraklCase):
    def test_test_connection_names_the_shop_and_its_currency(self):
        message = self.backend._test_connection()
        self.assertIn("EUR", message)
        self.assertEqual(self.backend.mirakl_currency, "EUR")
        self.assertTrue(self.backend.mirakl_shop_name)

    def test_order_accepted_by_stock_then_confirmed_with_its_customer(self):
        order = self.place(("MKP-MUG", 2), ("MKP-LAMP", 1))
        order_id = order["order_id"]

        self.assertIn("1 fed", self.poll())
        sale = self.sale(order_id)
        self.assertEqual(sale.state, "draft")
        self.assertEqual(sale.mirakl_acceptance_state, "accepted")
        self.assertEqual(sale.partner_id, self.backend.mirakl_pending_partner_id)
        self.assertEqual(
            self.mirakl_order(order_id)["order_state"], "WAITING_DEBIT_PAYMENT"
        )
        (accept,) = self.exchanges(topic="order.accept")
        self.assertEqual(accept.state, "done")
        self.assertIn(
            "accepted",
            sale.message_ids[:3].mapped("body")[-1]
            + "".join(sale.message_ids.mapped("body")),
        )

        self.marketplace.debit(order_id)
        self.poll()
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.partner_id.name, "Jeanne Martin")
        self.assertEqual(sale.partner_shipping_id.city, "Lyon")
        self.assertEqual(sale.partner_shipping_id.country_id.code, "FR")
        mirakl = self.mirakl_order(order_id)
        commission = sum(
            float(line["commission_fee"]) for line in mirakl["order_lines"]
        )
        self.assertGreater(commission, 0)
        self.assertAlmostEqual(sale.retail_commission, commission, places=2)
        self.assertAlmostEqual(
            sale.retail_net_after_commission, sale.amount_untaxed - commission, places=2
        )
        self.assertAlmostEqual(
            sale.amount_total, float(mirakl["total_price"]), places=2
        )

        # Read again: nothing new is stored.
        self.assertIn("0 fed", self.poll())

    def test_a_customer_known_by_e_mail_only_and_without_country(self):
        customer = {
            "customer_id": "no.country@example.com",
            "firstname": "",
            "lastname": "",
            "billing_address": {
                "street_1": "1 Main Street",
                "city": "Nowhere",
                "country_iso_code": None,
            },
            "shipping_address": {
                "street_1": "1 Main Street",
                "city": "Nowhere",
                "country_iso_code": None,
            },
        }
        order_id = self.place(("MKP-MUG", 1), customer=customer)["order_id"]
        self.poll()
        self.marketplace.debit(order_id)
        self.poll()
        sale = self.sale(order_id)
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.partner_id.email, "no.country@example.com")
        self.assertFalse(sale.partner_shipping_id.country_id)
        self.assertEqual(sale.partner_shipping_id.city, "Nowhere")

    def test_manual_acceptance_waits_for_a_person(self):
        self.backend.mirakl_acceptance_policy = "manual"
        order_id = self.place(("MKP-RUG", 1))["order_id"]
        self.poll()
        sale = self.sale(order_id)
        self.assertEqual(sale.mirakl_acceptance_state, "waiting")
        self.assertFalse(self.exchanges(topic="order.accept"))
        self.assertIn(
            sale,
            self.env["sale.order"].search(
                [("mirakl_acceptance_state", "=", "waiting")]
            ),
        )

        with trap_jobs() as trap:
            sale.action_mirakl_refuse()
        self.run_jobs(trap)
        self.assertEqual(sale.mirakl_acceptance_state, "refused")
        self.assertEqual(self.mirakl_order(order_id)["order_state"], "REFUSED")
        self.poll()
        self.assertEqual(sale.state, "cancel")

    def test_shipment_sends_tracking_then_ships(self):
        order_id = self.place(("MKP-LAMP", 1))["order_id"]
        self.poll()
        self.marketplace.debit(order_id)
        self.poll()
        sale = self.sale(order_id)
        carrier = self.env["delivery.carrier"].create(
            {
                "name": "Colissimo",
                "delivery_type": "fixed",
                "product_id": self.env["product.product"]
                .create({"name": "Colissimo shipping", "type": "service"})
                .id,
            }
        )
        self.env["retail.mirakl.carrier"].create(
            {
                "backend_id": self.backend.id,
                "carrier_id": carrier.id,
                "mirakl_code": "COLISSIMO",
            }
        )
        picking = sale.picking_ids
        picking.write({"carrier_id": carrier.id, "carrier_tracking_ref": "6A123456789"})
        picking.move_ids.picked = True
        with trap_jobs() as trap:
            picking.button_validate()
        self.run_jobs(trap)

        mirakl = self.mirakl_order(order_id)
        self.assertEqual(mirakl["order_state"], "SHIPPED")
        self.assertEqual(mirakl.get("shipping_tracking"), "6A123456789")
        self.assertEqual(mirakl.get("shipping_carrier_code"), "COLISSIMO")
        topics = self.exchanges(direction="outbound").mapped("topic")
        self.assertLess(topics.index("order.tracking"), topics.index("order.ship"))

    def test_cancelled_in_odoo_is_cancelled_on_the_marketplace(self):
        order_id = self.place(("MKP-MUG", 1))["order_id"]
        self.poll()
        self.marketplace.debit(order_id)
        self.poll()
        sale = self.sale(order_id)
        self.assertTrue(sale.mirakl_can_cancel)
        with trap_jobs() as trap:
            sale._action_cancel()
        self.run_jobs(trap)
        self.assertEqual(self.mirakl_order(order_id)["order_state"], "CANCELED")
        (cancel,) = self.exchanges(topic="order.cancel")
        self.assertEqual(cancel.state, "done")

    def test_a_cancellation_mirakl_no_longer_allows_waits_with_its_reason(self):
        order_id = self.place(("MKP-MUG", 1))["order_id"]
        self.poll()
        self.marketplace.debit(order_id)
        self.poll()
        sale = self.sale(order_id)
        sale.mirakl_can_cancel = False
        with trap_jobs() as trap:
            sale._action_cancel()
        self.run_jobs(trap)
        self.assertEqual(self.mirakl_order(order_id)["order_state"], "SHIPPING")
        (cancel,) = self.exchanges(topic="order.cancel")
        self.assertEqual(cancel.state, "failed")
        self.assertIn("can_cancel is false", cancel.error)
        self.assertEqual(cancel.replay_method, "_export_order_cancel_job")

    def test_a_line_the_operator_cancels_reduces_the_order(self):
        order_id = self.place(("MKP-MUG", 3), ("MKP-LAMP", 1))["order_id"]
        self.poll()
        self.marketplace.debit(order_id)
        self.poll()
        sale = self.sale(order_id)
        mug_line = next(
            line
            for line in self.mirakl_order(order_id)["order_lines"]
            if line["offer_sku"] == "MKP-MUG"
        )
        self.marketplace.cancel_line(mug_line["order_line_id"], 1)

        self.poll()

        mugs = sale.order_line.filtered(
            lambda line: line.product_id == self.products["MKP-MUG"]
        )
        self.assertEqual(mugs.product_uom_qty, 2)
        self.assertEqual(sale.state, "sale")
        # The delivery carries two mugs; no return of a mug that never left.
        moves = sale.picking_ids.move_ids.filtered(
            lambda move: (
                move.product_id == self.products["MKP-MUG"] and move.state != "cancel"
            )
        )
        self.assertEqual(moves.mapped("product_uom_qty"), [2.0])
        self.assertEqual(moves.location_dest_id.usage, "customer")
        self.assertAlmostEqual(
            sale.amount_total,
            float(self.mirakl_order(order_id)["total_price"]),
            places=2,
        )

    def test_an_order_odoo_cannot_take_is_refused(self):
        order_id = self.place(("UNKNOWN-SKU", 1))["order_id"]
        self.poll()
        (exchange,) = self.exchanges(direction="inbound", external_id=order_id)
        self.assertEqual(exchange.state, "failed")
        self.assertEqual(self.mirakl_order(order_id)["order_state"], "REFUSED")
        (refusal,) = self.exchanges(topic="order.refuse")
        self.assertEqual(refusal.state, "done")
