# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sales and invoice analyses by main article: the figures a manager pivots by
the category that governs each margin, against sums computed by hand."""

from odoo import Command

from .common_margin import MarginCase


class TestMarginAnalysis(MarginCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for product in cls.desk | cls.lamp | cls.setup_service:
            product.taxes_id = [Command.clear()]
        # Furniture: 2 desks and a set-up, 250.00 for 165.00 of cost (85.00),
        # then 10 desks at 70.00, 700.00 for 600.00 (100.00): together 950.00
        # for a margin of 185.00, 19.47 % (an average of the two orders'
        # rates, 34 % and 14.29 %, would say 24.14 %).
        # Lamps: 1 lamp at 200.00 for 80.00, a margin of 120.00, 60 %.
        cls.orders = (
            cls._order(cls, (cls.desk, 2, 100), (cls.setup_service, 1, 50))
            | cls._order(cls, (cls.desk, 10, 70))
            | cls._order(cls, (cls.lamp, 1, 200))
        )
        cls.orders.sudo().write({"margin_approved_by_id": cls.sale_manager.id})
        cls.orders.sudo().write({"margin_approved_rate": 0})
        cls.orders.action_confirm()
        cls.env.flush_all()

    def _by_category(self, model, margin, domain):
        groups = self.env[model]._read_group(
            domain,
            ["main_categ_id"],
            [
                "price_subtotal:sum",
                f"{margin}:sum",
                "margin_rate:avg",
                "main_min_margin_rate:max",
            ],
        )
        return {
            category: tuple(round(value, 2) for value in figures)
            for category, *figures in groups
        }

    def test_sales_analysis_by_main_article_category(self):
        figures = self._by_category(
            "sale.report",
            "margin",
            [
                (
                    "order_reference",
                    "in",
                    self.orders.mapped(lambda o: f"sale.order,{o.id}"),
                )
            ],
        )
        self.assertEqual(
            figures,
            {
                self.furniture: (950.0, 185.0, 19.47, 15.0),
                self.lamps: (200.0, 120.0, 60.0, 30.0),
            },
        )

    def test_sales_analysis_rows_carry_their_order_main_article(self):
        rows = self.env["sale.report"].search(
            [("order_reference", "=", f"sale.order,{self.orders[0].id}")]
        )
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows.main_product_id, self.desk)
        service = rows.filtered(lambda row: row.product_id == self.setup_service)
        self.assertEqual(service.main_categ_id, self.furniture)
        self.assertAlmostEqual(service.margin_rate, 10.0, places=2)

    def test_invoice_analysis_by_main_article_category(self):
        invoices = self.orders._create_invoices(grouped=True)
        invoices.action_post()
        direct = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": self.lamp.id, "quantity": 2, "price_unit": 150}
                    )
                ],
            }
        )
        direct.action_post()
        figures = self._by_category(
            "account.invoice.report",
            "price_margin",
            [("move_id", "in", (invoices | direct).ids)],
        )
        # Lamps: 200.00 + 300.00 for 3 x 80.00 of cost: 260.00, 52 %.
        self.assertEqual(
            figures,
            {
                self.furniture: (950.0, 185.0, 19.47, 15.0),
                self.lamps: (500.0, 260.0, 52.0, 30.0),
            },
        )

    def test_only_a_category_shows_a_minimum_rate(self):
        """The pivot's total, or a group of several categories, shows no minimum
        rate: the largest of its categories' would read as its own."""
        Report = self.env["sale.report"]
        domain = [
            (
                "order_reference",
                "in",
                self.orders.mapped(lambda o: f"sale.order,{o.id}"),
            )
        ]
        ((total_rate, margin_rate),) = Report._read_group(
            domain, [], ["main_min_margin_rate:max", "margin_rate:avg"]
        )
        self.assertIs(total_rate, False)
        self.assertTrue(margin_rate, "the group's own margin rate stays")
        (total,) = Report.read_group(domain, ["main_min_margin_rate"], [])
        self.assertIs(total["main_min_margin_rate"], False)
        by_category = dict(
            Report._read_group(domain, ["main_categ_id"], ["main_min_margin_rate:max"])
        )
        self.assertEqual(by_category[self.lamps], 30.0)

    def test_saved_views_group_by_main_article_category(self):
        for xmlid in (
            "product_category_valuation.sale_report_filter_main_article",
            "product_category_valuation.account_invoice_report_filter_main_article",
        ):
            saved = self.env.ref(xmlid)
            self.assertFalse(saved.user_id, "shared with every user")
            self.assertFalse(saved.is_default, "Odoo's own default stays")
            self.assertIn("'pivot_row_groupby': ['main_categ_id']", saved.context)
            # a bar per category, not a line drawn between them
            self.assertIn("'graph_mode': 'bar'", saved.context)
        action = self.env.ref(
            "product_category_valuation.action_sale_report_main_article"
        )
        self.assertEqual(action.view_mode, "pivot,graph")
