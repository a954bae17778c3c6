# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Who may run the valuation report, for which companies, at which date, and
through which route."""

from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form

from .common_valuation import ValuationReportCase


class TestReportAccess(ValuationReportCase):
    def test_one_group_implied_by_the_roles(self):
        group = self.env.ref("product_category_valuation.group_inventory_valuation")
        for xmlid in (
            "stock.group_stock_manager",
            "account.group_account_readonly",
            "account.group_account_manager",
        ):
            self.assertIn(group, self.env.ref(xmlid).implied_ids)
        self.assertIn(group, self.stock_manager.groups_id)
        self.assertIn(group, self.accountant.groups_id)
        self.assertNotIn(group, self.salesman.groups_id)
        self.assertNotIn(group, self.stock_user.groups_id)

    def test_stock_manager_and_accountant_run_it(self):
        for user in (self.stock_manager, self.accountant):
            report = self._report(user=user)
            self.assertTrue(report["rows"])
            html = self._render("html", self._data(user=user), user=user)
            self.assertIn(b"PCV FIFO desk", html)

    def test_salesperson_is_refused(self):
        with self.assertRaises(AccessError):
            self._wizard(user=self.salesman)
        data = self._data(user=self.stock_manager)
        with self.assertRaises(AccessError):
            self._engine(self.salesman)._get_report_data(data)
        with self.assertRaises(AccessError):
            self._render("html", data, user=self.salesman)
        with self.assertRaises(AccessError):
            self._render("xlsx", data, user=self.salesman)
        menus = self.env["ir.ui.menu"].with_user(self.salesman)._visible_menu_ids()
        for xmlid in ("menu_valuation_report_stock", "menu_valuation_report_account"):
            menu = self.env.ref(f"product_category_valuation.{xmlid}")
            self.assertNotIn(menu.id, menus)
        manager_menus = (
            self.env["ir.ui.menu"].with_user(self.stock_manager)._visible_menu_ids()
        )
        self.assertIn(
            self.env.ref("product_category_valuation.menu_valuation_report_stock").id,
            manager_menus,
        )

    def test_only_allowed_companies(self):
        other = self.setup_other_company(name="PCV Company B")["company"]
        data = dict(self._data(user=self.stock_manager), company_id=other.id)
        # a company the user may not read is not named
        with self.assertRefused(AccessError, f"of {other.id}:", "allowed companies"):
            self._engine(self.stock_manager)._get_report_data(data)
        # what a hand-made URL may carry: a clear refusal, nothing else
        for wrong in (None, 0, 999999, "1", [self.company.id, other.id]):
            with self.subTest(company_id=wrong):
                data["company_id"] = wrong
                with self.assertRefused(AccessError, "allowed companies"):
                    self._engine(self.stock_manager)._get_report_data(data)

    def test_the_as_of_date_is_a_day_unless_a_time_is_asked(self):
        """The form values a day by default, at its end (the day goes to the
        engine without a time); a precise time, when asked, starts on that day
        at this time of the day and goes as a UTC instant."""
        Wizard = self.env["product.category.valuation.wizard"].with_user(
            self.accountant
        )
        wizard = Wizard.create({"as_of_day": "2026-01-05"})
        self.assertFalse(wizard.precise_time)
        data = wizard._prepare_report_data()
        self.assertEqual(data["date"], "2026-01-05")
        self.assertIn(
            ("As of", "Jan 5, 2026, end of day"),
            self._engine()._get_report_data(data)["header"],
        )
        self.assertFalse(wizard.future_date)
        with Form(Wizard) as form:
            form.as_of_day = fields.Date.today() - timedelta(days=3)
            form.precise_time = True
            self.assertEqual(form.date.date(), fields.Date.today() - timedelta(days=3))
            form.date = datetime(2026, 1, 5, 10, 30)
            precise = form.save()
        self.assertEqual(precise._prepare_report_data()["date"], "2026-01-05 10:30:00")
        tomorrow = Wizard.create({"as_of_day": fields.Date.today() + timedelta(days=1)})
        self.assertTrue(tomorrow.future_date)
        self.assertFalse(Wizard.create({"as_of_day": fields.Date.today()}).future_date)

    def test_buttons_open_the_read_only_route(self):
        wizard = self._wizard(user=self.accountant, level="summary")
        preview = wizard.action_preview_html()
        self.assertEqual(preview["type"], "ir.actions.report")
        self.assertEqual(preview["report_type"], "qweb-html")
        self.assertEqual(preview["data"]["level"], "summary")
        for button, output in (
            ("action_print_pdf", "pdf"),
            ("action_export_xlsx", "xlsx"),
        ):
            action = getattr(wizard, button)()
            self.assertEqual(action["type"], "ir.actions.act_url")
            self.assertIn(
                f"/product_category_valuation/valuation.{output}?options=",
                action["url"],
            )
            self.assertNotIn("xlsx_file", wizard._fields)
