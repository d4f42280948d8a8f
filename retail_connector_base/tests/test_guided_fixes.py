from odoo.tests import tagged

from .common import RetailCase, make_order_data, trap_jobs


def one_line_order(external_id, rate, include, total, **overrides):
    """An order of one 100.00 desk at `rate` %, no shipping or fee."""
    data = make_order_data(external_id, **overrides)
    data["lines"] = [dict(data["lines"][0], discount="0", quantity="1", tax_rate=rate)]
    data["lines"][0]["unit_price"] = "100.00"
    data.update(
        shipping=[],
        fees=[],
        prices_include_tax=include,
        total=total,
        payment=dict(data["payment"], amount=total),
    )
    return data


@tagged("post_install", "-at_install")
class TestGuidedFixes(RetailCase):
    """Map Tax, Set Pricelist and Map Location: each cause fixed once, every
    order failed on it processed again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Tax = cls.env["account.tax"]

        def tax(name, amount, mode):
            return Tax.create(
                {
                    "name": name,
                    "amount": amount,
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "price_include_override": mode,
                    "sequence": 5,
                }
            )

        cls.tax_17 = tax("RC 17.5% excl.", 17.5, "tax_excluded")
        cls.tax_17_incl = tax("RC 17.5% incl.", 17.5, "tax_included")
        cls.tax_16 = tax("RC 16% excl.", 16.0, "tax_excluded")
        cls.tax_4_5 = tax("RC 4.5% excl.", 4.5, "tax_excluded")
        country = cls.company.account_fiscal_country_id or cls.company.country_id
        cls.country = f"{country.code} " if country.code else ""

    def fail_orders(self, orders):
        exchanges = self.env["retail.exchange"]
        for data in orders:
            exchanges |= self.process(data)
        self.assertEqual(set(exchanges.mapped("state")), {"failed"})
        return exchanges

    def open_fix(self, exchange):
        action = exchange.action_guided_fix()
        return self.env[action["res_model"]].browse(action["res_id"])

    def confirm_and_run(self, wizard, expected_jobs):
        with trap_jobs() as trap:
            wizard.action_confirm()
            trap.assert_jobs_count(expected_jobs)
            trap.perform_enqueued_jobs()

    def test_map_tax_ranks_same_rate_and_mode_first_and_retries_all(self):
        exchanges = self.fail_orders(
            one_line_order(external_id, "17.5", False, "117.50")
            for external_id in ("T-1", "T-2")
        )
        value = f"{self.country}17.5% excl."
        self.assertEqual(set(exchanges.mapped("failure_value")), {value})
        cause = self.env["retail.failure.cause"].search(
            [("backend_id", "=", self.backend.id), ("failure_value", "=", value)]
        )
        self.assertEqual(cause.exchange_count, 2)
        self.assertIn("Unknown tax rate", cause.summary)

        wizard = self.open_fix(exchanges[0])
        self.assertEqual(wizard._name, "retail.map.tax.wizard")
        self.assertEqual(wizard.failed_count, 2)
        self.assertEqual(wizard.company_id, self.company)
        taxes = wizard.proposal_ids.tax_id
        # Same rate and price mode first; the other mode after; never 16 %.
        self.assertEqual(taxes[0], self.tax_17)
        self.assertIn(self.tax_17_incl, taxes)
        self.assertNotIn(self.tax_16, taxes)
        self.assertEqual(wizard.proposal_ids[0].same_mode, True)
        self.assertEqual(wizard.tax_id, self.tax_17, "the first is preselected")

        self.confirm_and_run(wizard, 2)
        mapping = self.env["retail.tax.mapping"].search(
            [("backend_id", "=", self.backend.id), ("rate", "=", 17.5)]
        )
        self.assertEqual(mapping.tax_id, self.tax_17)
        self.assertFalse(mapping.price_include)
        self.assertEqual(
            set(exchanges.mapped("state")), {"done"}, exchanges.mapped("error")
        )
        self.assertEqual(self.sale_orders("T-2").order_line.tax_id, self.tax_17)
        self.assertEqual(self.sale_orders("T-2").amount_total, 117.5)

    def test_map_tax_in_the_other_price_mode_makes_the_tax_it_needs(self):
        # Prices include 4.5 %; the company only has the excluded one.
        exchange = self.fail_orders([one_line_order("T-5", "4.5", True, "100.00")])
        self.assertEqual(exchange.failure_value, f"{self.country}4.5% incl.")
        wizard = self.open_fix(exchange)
        self.assertEqual(wizard.proposal_ids[0].tax_id, self.tax_4_5)
        self.assertFalse(wizard.proposal_ids[0].same_mode)
        self.assertIn("a copy", wizard.proposal_ids[0].display_name)
        wizard.all_connections = True
        self.confirm_and_run(wizard, 1)

        mapping = self.env["retail.tax.mapping"].search(
            [("company_id", "=", self.company.id), ("rate", "=", 4.5)]
        )
        self.assertFalse(mapping.backend_id, "mapped for every connection")
        self.assertTrue(mapping.price_include)
        self.assertNotEqual(mapping.tax_id, self.tax_4_5)
        self.assertTrue(mapping.tax_id.price_include)
        self.assertEqual(mapping.tax_id.amount, 4.5)
        self.assertEqual(exchange.state, "done", exchange.error)
        self.assertEqual(self.sale_orders("T-5").amount_total, 100.0)

    def test_set_pricelist_for_a_new_currency(self):
        gbp = self.env.ref("base.GBP")
        gbp.active = False
        self.env["product.pricelist"].with_context(active_test=False).search(
            [("currency_id", "=", gbp.id)]
        ).action_archive()
        exchanges = self.fail_orders(
            make_order_data(external_id, currency="GBP")
            for external_id in ("P-1", "P-2")
        )
        self.assertEqual(set(exchanges.mapped("failure_kind")), {"no_pricelist"})
        self.assertEqual(set(exchanges.mapped("failure_value")), {"GBP"})

        wizard = self.open_fix(exchanges[0])
        self.assertEqual(wizard._name, "retail.fix.pricelist.wizard")
        self.assertEqual(wizard.currency_id, gbp)
        self.assertEqual(wizard.failed_count, 2)
        if wizard.pricelist_id:
            self.assertFalse(wizard.pricelist_id.active, "an archived one restored")
        else:
            self.assertEqual(wizard.new_name, "Test channel (GBP)")
        self.confirm_and_run(wizard, 2)

        self.assertTrue(gbp.active)
        self.assertEqual(
            set(exchanges.mapped("state")), {"done"}, exchanges.mapped("error")
        )
        self.assertEqual(self.sale_orders("P-1").currency_id, gbp)

    def test_map_location_proposes_the_closest_warehouse(self):
        outlet = self.env["stock.warehouse"].create(
            {"name": "Outlet Madrid", "code": "OUTM", "company_id": self.company.id}
        )
        self.set_stock_in(outlet)
        exchange = self.fail_orders([make_order_data("L-9", location="outlet-madrid")])
        self.assertEqual(exchange.failure_kind, "unknown_location")
        wizard = self.open_fix(exchange)
        self.assertEqual(wizard.warehouse_id, outlet)
        wizard.name = "Madrid outlet"
        self.confirm_and_run(wizard, 1)

        row = self.backend.location_mapping_ids.filtered(
            lambda m: m.location_code == "outlet-madrid"
        )
        self.assertEqual(row.warehouse_id, outlet)
        self.assertEqual(row.name, "Madrid outlet")
        self.assertEqual(exchange.state, "done", exchange.error)
        self.assertEqual(self.sale_orders("L-9").warehouse_id, outlet)

    def set_stock_in(self, warehouse):
        Quant = self.env["stock.quant"]
        for product in (self.desk, self.lamp):
            Quant._update_available_quantity(product, warehouse.lot_stock_id, 5)

    def test_dashboard_top_cause_opens_the_right_fix(self):
        self.fail_orders([one_line_order("T-7", "16.0", False, "116.00")])
        self.backend.invalidate_recordset(["failure_top_cause", "failure_top_cause_id"])
        action = self.backend.action_fix_top_cause()
        self.assertEqual(action["res_model"], "retail.map.tax.wizard")
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(wizard.tax_id, self.tax_16)
