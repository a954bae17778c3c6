# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import io
import json
import zipfile
from urllib.parse import urlencode

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import RolesMixin


@tagged("post_install", "-at_install")
class TestTours(RolesMixin, HttpCase):
    """In a real browser: a salesperson is refused a quotation below its minimum
    margin, a sales manager approves and confirms it, an accountant previews the
    valuation report."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_roles()
        lamps = cls.env["product.category"].create(
            {"name": "PCV Lamps", "is_main_article": True, "min_margin_rate": 30}
        )
        cls.lamp = cls.env["product.product"].create(
            {
                "name": "PCV Lamp",
                "is_storable": True,
                "categ_id": lamps.id,
                "list_price": 100,
                "standard_price": 80,
            }
        )
        receipt = cls.env["stock.move"].create(
            {
                "name": "PCV receipt",
                "product_id": cls.lamp.id,
                "product_uom_qty": 5,
                "product_uom": cls.lamp.uom_id.id,
                "location_id": cls.env.ref("stock.stock_location_suppliers").id,
                "location_dest_id": cls.env.ref("stock.stock_location_stock").id,
            }
        )
        receipt._action_confirm()
        receipt.picked = True
        receipt._action_done()
        customer = cls.env["res.partner"].create({"name": "PCV Customer"})
        cls.order = (
            cls.env["sale.order"]
            .with_user(cls.salesman)
            .create(
                {
                    "partner_id": customer.id,
                    "order_line": [
                        Command.create({"product_id": cls.lamp.id, "price_unit": 100})
                    ],
                }
            )
        )

    def test_salesperson_sees_the_warning_and_is_refused(self):
        self.start_tour(
            f"/odoo/sale.order/{self.order.id}",
            "pcv_margin_salesperson_tour",
            login=self.salesman.login,
        )
        self.assertEqual(self.order.state, "draft")
        self.assertTrue(self.order.margin_approval_requested)

    def test_salesperson_filters_the_quotations_below_their_minimum(self):
        generous = self.env["res.partner"].create({"name": "PCV Generous Customer"})
        self.env["sale.order"].with_user(self.salesman).create(
            {
                "partner_id": generous.id,
                "order_line": [
                    Command.create({"product_id": self.lamp.id, "price_unit": 200})
                ],
            }
        )
        self.start_tour(
            "/odoo/action-sale.action_quotations_with_onboarding",
            "pcv_margin_below_minimum_filter_tour",
            login=self.salesman.login,
        )

    def test_manager_approves_and_confirms(self):
        self.start_tour(
            f"/odoo/sale.order/{self.order.id}",
            "pcv_margin_manager_tour",
            login=self.sale_manager.login,
        )
        self.assertEqual(self.order.state, "sale")
        self.assertEqual(self.order.margin_approved_by_id, self.sale_manager)

    def test_accountant_previews_the_valuation(self):
        self.start_tour(
            "/odoo/action-product_category_valuation.valuation_report_wizard_action",
            "pcv_valuation_preview_tour",
            login=self.accountant.login,
        )

    def test_stock_manager_opens_a_products_layers_from_the_preview(self):
        self.start_tour(
            "/odoo/action-product_category_valuation.valuation_report_wizard_action",
            "pcv_valuation_drill_down_tour",
            login=self.stock_manager.login,
        )

    def test_stock_manager_closes_a_period(self):
        self.start_tour(
            "/odoo/action-product_category_valuation.stock_valuation_closing_action",
            "pcv_inventory_closing_tour",
            login=self.stock_manager.login,
        )
        closing = self.env["stock.valuation.closing"].search([], limit=1)
        self.assertEqual(closing.state, "done")
        self.assertEqual(closing.justification, "Stock counted by the auditors")
        self.assertEqual(self.env.company.inventory_closing_id, closing)

    def test_accountant_finds_the_choices_again_after_a_preview(self):
        wizard_url = (
            "/odoo/action-product_category_valuation.valuation_report_wizard_action"
        )
        self.start_tour(
            wizard_url, "pcv_valuation_choose_summary_tour", login=self.accountant.login
        )
        settings = self.env["res.users.settings"]._find_or_create_for_user(
            self.accountant
        )
        choices = settings.inventory_valuation_choices[str(self.env.company.id)]
        self.assertEqual(choices["level"], "summary")
        self.start_tour(
            wizard_url,
            "pcv_valuation_remembered_choices_tour",
            login=self.accountant.login,
        )

    def test_direct_invoice_refused_approved_then_posted(self):
        """A clerk who invoices a customer directly below the minimum is refused
        and asks; a sales manager approves; the clerk posts."""
        clerk = new_test_user(
            self.env,
            "pcv_tour_clerk",
            groups="account.group_account_invoice,sales_team.group_sale_salesman",
        )
        invoice = (
            self.env["account.move"]
            .with_user(clerk)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.order.partner_id.id,
                    "invoice_line_ids": [
                        Command.create({"product_id": self.lamp.id, "price_unit": 100})
                    ],
                }
            )
        )
        url = f"/odoo/account.move/{invoice.id}"
        self.start_tour(url, "pcv_invoice_margin_clerk_tour", login=clerk.login)
        self.assertEqual(invoice.state, "draft")
        self.assertTrue(invoice.margin_approval_requested)
        self.start_tour(
            url, "pcv_invoice_margin_manager_tour", login=self.sale_manager.login
        )
        self.assertEqual(invoice.margin_approved_by_id, self.sale_manager)
        self.assertEqual(invoice.state, "draft", "a person posts it")
        self.start_tour(url, "pcv_invoice_margin_post_tour", login=clerk.login)
        self.assertEqual(invoice.state, "posted")

    def _download(self, output, user):
        self.authenticate(user.login, user.login)
        data = (
            self.env["product.category.valuation.wizard"]
            .with_user(self.stock_manager)
            .create({"level": "detail"})
            ._prepare_report_data()
        )
        query = urlencode({"options": json.dumps(data)})
        return self.url_open(f"/product_category_valuation/valuation.{output}?{query}")

    def test_outputs_are_streamed_by_the_route(self):
        response = self._download("xlsx", self.accountant)
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertIn(".xlsx", response.headers["Content-Disposition"])
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            self.assertIn(b"PCV Lamp", archive.read("xl/sharedStrings.xml"))
        self.assertFalse(
            self.env["ir.attachment"].search(
                [("name", "ilike", "Inventory Valuation")]
            ),
            "nothing stored",
        )
        html = self._download("html", self.stock_manager)
        self.assertEqual(html.status_code, 200)
        self.assertIn("PCV Lamp", html.text)
        self.assertNotEqual(self._download("xlsx", self.salesman).status_code, 200)
