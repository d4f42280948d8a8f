from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import BERLIN, NEW_YORK, SquareCase


@tagged("post_install", "-at_install")
class TestFranchise(SquareCase):
    """Berlin is a franchise: its own company, books, stock and people."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        eur = cls.env.ref("base.EUR")
        eur.active = True
        cls.franchise = cls.env["res.company"].create(
            {
                "name": "Berlin Franchise GmbH",
                "currency_id": eur.id,
                "country_id": cls.env.ref("base.de").id,
            }
        )
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.franchise, install_demo=False
        )
        # The generic chart sets its own currency: the franchise sells in EUR.
        cls.franchise.currency_id = eur
        cls.franchise_warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.franchise.id)], limit=1
        )
        vat = cls.env["account.tax"].create(
            {
                "name": "MwSt 19% incl.",
                "amount": 19.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": cls.franchise.id,
            }
        )
        cls.env["retail.tax.mapping"].create(
            {
                "rate": 19.0,
                "price_include": True,
                "tax_id": vat.id,
                "company_id": cls.franchise.id,
            }
        )
        for product in cls.products.values():
            cls.env["stock.quant"].with_company(
                cls.franchise
            )._update_available_quantity(
                product, cls.franchise_warehouse.lot_stock_id, 20
            )
        cls.store_berlin = cls.store(BERLIN)
        cls.store_berlin.write(
            {"active": True, "warehouse_id": cls.franchise_warehouse.id}
        )
        cls.store_berlin.action_create_pos_config()
        cls.franchise_user = cls.env["res.users"].create(
            {
                "name": "Berlin store manager",
                "login": "berlin-manager",
                "company_id": cls.franchise.id,
                "company_ids": [Command.set(cls.franchise.ids)],
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("base.group_user").id,
                            cls.env.ref("point_of_sale.group_pos_manager").id,
                            cls.env.ref("stock.group_stock_user").id,
                            cls.env.ref("retail_connector_base.group_retail_user").id,
                        ]
                    )
                ],
            }
        )

    def test_franchise_sales_stay_in_the_franchise(self):
        berlin_sale = self.sell(BERLIN, (("TEE-LIN-M", 1, None),), tender="CARD")
        ny_sale = self.sell(NEW_YORK, (("TEE-LIN-M", 1, None),), tender="CARD")
        berlin = self.pos_order(berlin_sale["order"]["id"])
        ny = self.pos_order(ny_sale["order"]["id"])
        self.assertEqual(berlin.company_id, self.franchise)
        self.assertEqual(berlin.currency_id.name, "EUR")
        self.assertAlmostEqual(berlin.amount_total, 35.0, places=2)
        self.assertAlmostEqual(berlin.amount_tax, 5.59, places=2)
        self.assertEqual(
            berlin.picking_ids.location_id, self.franchise_warehouse.lot_stock_id
        )
        self.assertEqual(ny.company_id, self.company)

        env = self.env(user=self.franchise_user)
        days = env["retail.pos.day"].search([])
        self.assertEqual(days.pos_config_id, self.store_berlin.pos_config_id)
        self.assertTrue(days.mapped("display_name"))
        self.assertEqual(days.receipt_count, 1)
        orders = env["pos.order"].search([])
        self.assertEqual(orders, berlin.with_env(env))
        with self.assertRaises(AccessError):
            ny.with_env(env).read(["amount_total"])
        configs = env["pos.config"].search([])
        self.assertEqual(configs, self.store_berlin.pos_config_id.with_env(env))
