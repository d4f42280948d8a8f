from odoo import Command
from odoo.tests import tagged

from .. import const
from .common import RetailCase, make_order_data, trap_jobs


@tagged("post_install", "-at_install")
class TestStockQuantities(RetailCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Binding = cls.env["retail.product.binding"]
        cls.desk_binding = Binding.create(
            {
                "backend_id": cls.backend.id,
                "product_id": cls.desk.id,
                "external_id": "RC-DESK",
                "external_sku": "RC-DESK",
            }
        )
        cls.lamp_binding = Binding.create(
            {
                "backend_id": cls.backend.id,
                "product_id": cls.lamp.id,
                "external_id": "RC-LAMP",
                "external_sku": "RC-LAMP",
            }
        )

    def test_available_quantity_uses_buffer_and_never_goes_negative(self):
        quantities = self.backend._get_available_quantities(self.desk | self.lamp)
        self.assertEqual(quantities, {self.desk.id: 10, self.lamp.id: 4})
        self.backend.stock_buffer = 5
        quantities = self.backend._get_available_quantities(self.desk | self.lamp)
        self.assertEqual(quantities, {self.desk.id: 5, self.lamp.id: 0})

    def test_reserved_stock_is_not_offered(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.env["res.partner"].create({"name": "Buyer"}).id,
                "order_line": [
                    Command.create({"product_id": self.desk.id, "product_uom_qty": 3})
                ],
            }
        )
        order.action_confirm()
        quantities = self.backend._get_available_quantities(self.desk)
        self.assertEqual(quantities[self.desk.id], 7)

    def test_a_new_channel_quotation_queues_a_stock_push(self):
        # The quotation reserves nothing in Odoo, yet it changes what the
        # channels may sell: they must hear of it now, not at the next move.
        data = make_order_data("Q-1", status="pending")
        data["total"] = None
        with trap_jobs() as trap:
            exchange = self.receive(data)
            exchange._process_job()
            self.assertEqual(self.sale_orders("Q-1").state, "draft")
            trap.assert_jobs_count(1, only=self.backend._export_stock_job)
        self.assertTrue(self.desk_binding.stock_export_pending)

    def test_channel_quotations_hold_their_quantities(self):
        data = make_order_data(status="pending")
        data["lines"][0]["quantity"] = "3"
        data["lines"][0]["discount"] = "0"
        data["total"] = None
        self.process(data)
        self.assertEqual(self.sale_orders().state, "draft")
        quantities = self.backend._get_available_quantities(self.desk | self.lamp)
        self.assertEqual(quantities, {self.desk.id: 7, self.lamp.id: 3})
        self.sale_orders().action_confirm()
        quantities = self.backend._get_available_quantities(self.desk | self.lamp)
        self.assertEqual(
            quantities,
            {self.desk.id: 7, self.lamp.id: 3},
            "reserved once confirmed: counted once, not twice",
        )

    def test_hundred_moves_give_one_pending_job_per_connection(self):
        stock = self.warehouse.lot_stock_id
        customers = self.env.ref("stock.stock_location_customers")
        with trap_jobs() as trap:
            for index in range(100):
                product = self.desk if index % 2 else self.lamp
                move = self.env["stock.move"].create(
                    {
                        "name": "Move",
                        "product_id": product.id,
                        "product_uom_qty": 1,
                        "product_uom": product.uom_id.id,
                        "location_id": customers.id,
                        "location_dest_id": stock.id,
                    }
                )
                move._action_confirm()
                move.quantity = move.product_uom_qty
                move.picked = True
                move._action_done()
            export_jobs = [
                job
                for job in trap.enqueued_jobs
                if job.method_name == "_export_stock_job"
            ]
            # A hundred moves of two products: one job for the connection.
            self.assertEqual(len(export_jobs), 1)
            self.assertEqual(
                export_jobs[0].identity_key, f"retail-stock-{self.backend.id}"
            )
            # It carries the connection's whole backlog through outages.
            self.assertEqual(export_jobs[0].max_retries, const.PUSH_JOB_MAX_RETRIES)
            self.assertEqual(
                {job.channel for job in export_jobs}, {"root.retail.outbound"}
            )
        self.assertTrue(self.desk_binding.stock_export_pending)
        self.assertTrue(self.lamp_binding.stock_export_pending)

    def test_no_job_for_unbound_products_or_paused_connection(self):
        chair = self.env["product.product"].create(
            {"name": "Chair", "default_code": "RC-CHAIR", "is_storable": True}
        )
        with trap_jobs() as trap:
            self.env["retail.backend"]._notify_stock_change(chair)
            trap.assert_jobs_count(0)
            self.backend.action_pause()
            self.env["retail.backend"]._notify_stock_change(self.desk)
            trap.assert_jobs_count(0)

    def test_pending_stock_left_without_job_is_queued_again(self):
        # A change whose transaction began before the job started saw it
        # still waiting and queued none, and committed after the job had read
        # the pending bindings; the periodic check gives it a job.
        Job = self.env["queue.job"].sudo()
        key = f"retail-stock-{self.backend.id}"
        Job.search([("identity_key", "=", key)]).unlink()
        (self.desk_binding | self.lamp_binding).stock_export_pending = False
        self.env["retail.backend"]._cron_requeue_orphans()
        self.assertFalse(Job.search([("identity_key", "=", key)]), "nothing waits")

        self.desk_binding.stock_export_pending = True
        self.env["retail.backend"]._cron_requeue_orphans()
        job = Job.search([("identity_key", "=", key)])
        self.assertEqual(len(job), 1)
        self.assertEqual(job.state, "pending")
        self.assertEqual(job.method_name, "_export_stock_job")

        # While that job waits, the check queues no second one.
        self.env["retail.backend"]._cron_requeue_orphans()
        self.assertEqual(Job.search_count([("identity_key", "=", key)]), 1)
