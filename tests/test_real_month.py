# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A trading company's two months, through Odoo's own documents only, on the
generic chart of accounts (anglo-saxon) and on Odoo's French chart (continental
accounting, TVA 20 %): purchase orders with receipts and vendor bills (one
above its order), landed costs, sales orders with deliveries and invoices, a
customer return, a direct invoice, inventory counts, revaluations, a periodic
FIFO category and a perpetual AVCO one, each month closed with its periodic
adjustment, a draft entry in the closed month. At each month's end the report
is Odoo's value per product, every stock account reconciles (each difference
explained by its parts, nothing unexplained), the what-if columns are the
oracle's, and the French report reads in French."""

import random
from datetime import date, datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .common_flows import CompanyFlowsCase
from .common_valuation import what_if_oracle

ENGINE = "report.product_category_valuation.inventory_valuation"
MONTHS = (date(2026, 9, 1), date(2026, 10, 1))


class MonthCase(CompanyFlowsCase):
    """The set-up and the two months; the chart's subclasses run them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for user in (cls.controller, cls.stock_manager, cls.accountant):
            user.tz = "UTC"
        cls.periodic_stock = cls._account("370000", "asset_current")
        cls.periodic_variation = cls._account("603700", "expense")
        Category = cls.env["product.category"]
        cls.goods = Category.create(
            {
                "name": "PCV Goods",
                "property_cost_method": "fifo",
                "property_valuation": "manual_periodic",
                "property_stock_valuation_account_id": cls.periodic_stock.id,
                "property_stock_variation_account_id": cls.periodic_variation.id,
            }
        )
        cls.machines = Category.create(
            {
                "name": "PCV Machines",
                "property_cost_method": "average",
                "property_valuation": "real_time",
                "min_margin_rate": 25,
                "is_main_article": True,
                **cls._perpetual_accounts(),
            }
        )
        Product = cls.env["product.product"]

        def product(name, category, price):
            return Product.create(
                {
                    "name": name,
                    "is_storable": True,
                    "categ_id": category.id,
                    "list_price": price,
                    "taxes_id": [Command.set(cls.company_data["default_tax_sale"].ids)],
                    "supplier_taxes_id": [
                        Command.set(cls.company_data["default_tax_purchase"].ids)
                    ],
                }
            )

        cls.wine = product("PCV Wine crate", cls.goods, 15.0)
        cls.cheese = product("PCV Cheese wheel", cls.goods, 9.0)
        cls.espresso = product("PCV Espresso machine", cls.machines, 180.0)
        cls.grinder = product("PCV Grinder", cls.machines, 60.0)
        cls.items = cls.wine | cls.cheese | cls.espresso | cls.grinder
        cls.company.inventory_closing_adjustment = True

    @classmethod
    def _account(cls, code, account_type):
        """The company's account of ``code``, made if its chart has none."""
        Account = cls.env["account.account"].with_company(cls.company)
        return Account.search(
            [("code", "=", code), *Account._check_company_domain(cls.company)],
            limit=1,
        ) or Account.create(
            {"name": f"PCV {code}", "code": code, "account_type": account_type}
        )

    @classmethod
    def _perpetual_accounts(cls):
        """The stock accounts of the perpetual category: the chart's own."""
        return {}

    # ------------------------------------------------------------------
    # The months
    # ------------------------------------------------------------------
    def _new_layers(self, seen):
        """The items' layers not in ``seen`` (ids), and every id now."""
        layers = self.env["stock.valuation.layer"].search(
            [("product_id", "in", self.items.ids)]
        )
        return layers.filtered(lambda layer: layer.id not in seen), set(layers.ids)

    def _first_month(self):
        start = MONTHS[0]
        day = start + timedelta(days=9)
        wine_order = self._purchase(self.wine, 20, 8.0)
        self._bill(wine_order, day=day)
        machine_order = self._purchase(self.espresso, 10, 100.0)
        self._bill(machine_order, 110.0, day=day)  # above its order
        self._purchase(self.grinder, 6, 30.0)
        cheese_order = self._purchase(self.cheese, 30, 4.0)
        self._land(cheese_order.picking_ids, 30.0)
        sale = self._sell_lines(
            [(self.wine, 5, 15.0), (self.espresso, 3, 180.0)], discount=5.0
        )
        self._invoice(sale, day=start + timedelta(days=14))
        self._return(sale.picking_ids.filtered(lambda p: p.state == "done")[:1], 1)
        self._direct_invoice(self.grinder, 2, 60.0, day=start + timedelta(days=20))
        self._count(self.cheese, 29)
        self._month_history(start)

    def _second_month(self):
        start = MONTHS[1]
        order = self._purchase(self.wine, 10, 9.0)
        self._bill(order, 9.5, day=start + timedelta(days=5))
        self._land(order.picking_ids, 12.0)
        sale = self._sell_lines(
            [(self.cheese, 10, 9.0), (self.wine, 12, 15.0), (self.grinder, 2, 60.0)]
        )
        self._invoice(sale, day=start + timedelta(days=12))
        self._count(self.espresso, 7)
        self._revalue(self.espresso, 14.0)  # perpetual: an entry
        self._revalue(self.wine, 6.0)  # periodic: none
        self._month_history(start)

    def _month_history(self, start):
        """The month's layers dated over the month (from its 2nd, seven hours
        apart, in the order Odoo made them), with their entries."""
        layers, self.seen = self._new_layers(getattr(self, "seen", set()))
        self._date_history(
            layers, datetime.combine(start, datetime.min.time()) + timedelta(days=1)
        )

    def _sell_lines(self, lines, discount=0.0):
        """A quotation of ``lines`` (product, quantity, unit price) confirmed by
        a salesperson, its delivery validated by the warehouse."""
        order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": quantity,
                                "price_unit": price,
                                "discount": discount,
                            }
                        )
                        for product, quantity, price in lines
                    ],
                }
            )
        )
        order.action_confirm()
        self._validate(order.picking_ids)
        return order

    def _close(self, month):
        end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        closing = (
            self.env["stock.valuation.closing"]
            .with_user(self.controller)
            .create({"date": end, "justification": "Invoices and bills of the month"})
        )
        closing.action_close()
        self.assertEqual(closing.state, "done")
        return closing

    # ------------------------------------------------------------------
    # The checks at a month's end
    # ------------------------------------------------------------------
    def _report(self, day, lang="en_US"):
        engine = self.env[ENGINE].with_user(self.controller).with_context(lang=lang)
        data = {
            "company_id": self.company.id,
            "date": fields.Date.to_string(day),
            "show_what_if": True,
            "include_zero": True,
            "level": "detail",
        }
        return engine, engine._get_options(data), engine._get_report_data(data)

    def _check_month(self, day):
        """The report at the end of ``day``: Odoo's value per product, the
        oracle's what-if, every stock account reconciled part by part."""
        engine, options, report = self._report(day)
        lines = {line["product_id"]: line for line in engine._get_valuation(options)[0]}
        at = options["day_end"] - timedelta(seconds=1)
        for item in self.items.with_context(to_date=at):
            line = lines[item.id]
            self.assertAlmostEqual(line["quantity"], item.quantity_svl, 4, item.name)
            self.assertAlmostEqual(line["value"], item.value_svl, 2, item.name)
            layers = self.env["stock.valuation.layer"].search(
                [("product_id", "=", item.id), ("create_date", "<=", at)],
                order="create_date, id",
            )
            for key, expected in what_if_oracle(layers).items():
                self.assertAlmostEqual(
                    line[key], expected, delta=0.0101, msg=f"{key} {item.name}"
                )
        rows = {rec["account"]: rec for rec in report["reconciliation"]}
        self.assertIn(self.periodic_stock, rows)
        for account, rec in rows.items():
            buckets = rec["buckets"]
            where = f"{account.code} on {day}"
            self.assertEqual(buckets["unexplained"], 0.0, where)
            self.assertAlmostEqual(sum(buckets.values()), rec["difference"], 2, where)
            if account == self.periodic_stock:
                # its stock posts nothing (a price difference keeps its vendor
                # bill, which posts to purchases): the closings' adjustments
                # against the value of every layer
                self.assertEqual(buckets["no_entry"], -rec["report_value"], where)
                self.assertEqual(buckets["unlinked"], rec["ledger_balance"], where)
                self.assertEqual(
                    (buckets["moved"], buckets["differs"], buckets["other_side"]),
                    (0.0, 0.0, 0.0),
                    where,
                )
            else:
                # perpetual: the ledger is the stock, entry by entry
                self.assertEqual(rec["difference"], 0.0, where)
                self.assertEqual(set(buckets.values()), {0.0}, where)
        return report, rows

    def _periodic_balance(self, day):
        self.env.flush_all()
        lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", self.periodic_stock.id),
                ("parent_state", "=", "posted"),
                ("date", "<=", day),
            ]
        )
        return round(sum(lines.mapped("balance")), 2)

    def _check_closing(self, closing):
        """The periodic adjustment brings the periodic stock account to the
        closing value of the periodic products, in the stock journal."""
        periodic = closing.line_ids.filtered(
            lambda line: line.valuation == "manual_periodic"
        )
        self.assertEqual(
            self._periodic_balance(closing.date),
            round(sum(periodic.mapped("value")), 2),
        )
        self.assertTrue(closing.adjustment_move_ids)
        self.assertEqual(
            closing.adjustment_move_ids.journal_id,
            self.wine.product_tmpl_id.with_company(self.company)._stock_journal(),
        )
        for line in closing.account_ids:
            self.assertEqual(line.difference, 0.0, line.account_id.code)

    def _draft_in_closed_month(self, closing):
        """An accountant's draft on the periodic stock dated in the closed
        month: saved, refused when posted, and the closing holds."""
        draft = (
            self.env["account.move"]
            .with_user(self.accountant)
            .create(
                {
                    "move_type": "entry",
                    "date": closing.date - timedelta(days=3),
                    "journal_id": self.company_data["default_journal_misc"].id,
                    "line_ids": [
                        Command.create(
                            {"account_id": self.periodic_stock.id, "balance": 25.0}
                        ),
                        Command.create(
                            {"account_id": self.periodic_variation.id, "balance": -25.0}
                        ),
                    ],
                }
            )
        )
        with self.assertRaises(UserError):
            draft.action_post()
        self.env.flush_all()
        self.assertFalse(closing.stale)
        return draft

    def _margins_of_the_month(self):
        """Two dozen quotations of espresso machines (the main article, a 25 %
        minimum), with discounts, a tax-included price or a pricelist in
        another currency, judged on Odoo's own margin: those below the minimum
        wait for a sales manager, the others confirm; a down payment on a
        confirmed order is invoiced and posted."""
        order = self._purchase(self.espresso, 30, 100.0)
        self._bill(order, 110.0)  # the machines cost 110.00 on average
        sale_tax = self.company_data["default_tax_sale"]
        included = sale_tax.copy(
            {"name": f"{sale_tax.name} incl.", "price_include_override": "tax_included"}
        )
        usd = self.setup_other_currency("USD", rates=[("2020-01-01", 1.25)])
        pricelist = self.env["product.pricelist"].create(
            {"name": "PCV Dollars", "currency_id": usd.id}
        )
        rng = random.Random(37)
        judged = {True: 0, False: 0}
        confirmed = self.env["sale.order"]
        for _index in range(24):
            kind = rng.choice(["plain", "included", "dollars"])
            price = rng.randint(125, 200) * (1.25 if kind == "dollars" else 1)
            quotation = (
                self.env["sale.order"]
                .with_user(self.salesman)
                .create(
                    {
                        "partner_id": self.customer.id,
                        **({"pricelist_id": pricelist.id} if kind == "dollars" else {}),
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": self.espresso.id,
                                    "product_uom_qty": rng.randint(1, 3),
                                    "price_unit": price,
                                    "discount": rng.choice([0, 0, 5, 10, 20]),
                                    "tax_id": [
                                        Command.set(
                                            (
                                                included
                                                if kind == "included"
                                                else sale_tax
                                            ).ids
                                        )
                                    ],
                                }
                            )
                        ],
                    }
                )
            )
            # Odoo's margin, in the order's currency and before taxes
            rate = quotation.margin / quotation.amount_untaxed * 100
            below = float_compare(rate, 25.0, precision_digits=2) < 0
            where = f"{kind} at {price} ({rate:.2f} %)"
            self.assertEqual(quotation.margin_below_minimum, below, where)
            judged[below] += 1
            if below:
                with self.assertRaises(UserError, msg=where):
                    quotation.action_confirm()
                self.assertEqual(quotation.state, "draft", where)
            else:
                quotation.action_confirm()
                self.assertEqual(quotation.state, "sale", where)
                confirmed = quotation
        self.assertTrue(judged[True] and judged[False], judged)
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_user(self.salesman)
            .with_context(active_model="sale.order", active_ids=confirmed.ids)
            .create({"advance_payment_method": "percentage", "amount": 30})
        )
        wizard.create_invoices()
        down_payment = confirmed.invoice_ids.with_user(self.accountant)
        down_payment.invoice_date = fields.Date.today()
        down_payment.action_post()
        self.assertEqual(down_payment.state, "posted")

    def _two_months(self):
        self._first_month()
        first_end = date(2026, 9, 30)
        _report, rows = self._check_month(first_end)
        self.assertLess(rows[self.periodic_stock]["ledger_balance"], 1.0)
        first = self._close(MONTHS[0])
        self._check_closing(first)
        self._check_month(first_end)
        draft = self._draft_in_closed_month(first)
        self._second_month()
        second_end = date(2026, 10, 31)
        _report, rows = self._check_month(second_end)
        # the draft is read live, beside the parts
        self.assertEqual(rows[self.periodic_stock]["draft"], 25.0)
        self.assertEqual(
            rows[self.periodic_stock]["draft_ids"],
            draft.line_ids.filtered(
                lambda line: line.account_id == self.periodic_stock
            ).ids,
        )
        second = self._close(MONTHS[1])
        self._check_closing(second)
        _engine, options, _report = self._report(second_end)
        self.assertEqual(options["closing"], second)
        self._check_month(second_end)
        return first, second


class TestMonthOnTheGenericChart(MonthCase):
    def test_two_months(self):
        self.assertTrue(self.company.anglo_saxon_accounting)
        self._two_months()

    def test_margins_of_the_month(self):
        self._margins_of_the_month()


class TestMonthOnTheFrenchChart(MonthCase):
    country_code = "FR"
    chart_template = "fr"

    @classmethod
    def _perpetual_accounts(cls):
        variation = cls._account("603100", "expense")
        return {
            "property_stock_valuation_account_id": cls._account(
                "310000", "asset_current"
            ).id,
            "property_stock_account_input_categ_id": variation.id,
            "property_stock_account_output_categ_id": variation.id,
        }

    def test_margins_of_the_month(self):
        self._margins_of_the_month()

    def test_two_months(self):
        self.assertFalse(self.company.anglo_saxon_accounting)
        self.assertEqual(self.company.country_id.code, "FR")
        self._two_months()
        # the French report reads in French, the accounts' names too (Odoo
        # loads them with the chart in a French database)
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["product", "stock", "stock_account", "product_category_valuation"],
            ["fr_FR"],
            overwrite=True,
        )
        self.env["account.chart.template"]._load_translations(
            langs=["fr_FR"], companies=self.company
        )
        self.controller.lang = "fr_FR"
        html = (
            self.env["ir.actions.report"]
            .with_user(self.controller)
            .with_context(lang="fr_FR")
            ._render_qweb_html(
                "product_category_valuation.inventory_valuation",
                [],
                data={
                    "company_id": self.company.id,
                    "date": "2026-10-31",
                    "level": "detail",
                    "show_what_if": True,
                },
            )[0]
            .decode()
        )
        for french in (
            "Valorisation des stocks par catégorie",
            "Quantité",
            "Valeur",
            "Méthode de coût",
            "Coût moyen (AVCO)",
            "Rapprochement avec le grand livre",
            "Solde comptable",
            "Couches de valorisation sans écriture",
            "370000 Stocks de marchandises",
            "310000 Matières premières et fournitures",
        ):
            self.assertIn(french, html)
        for english in ("Ledger Balance", "Stocks of goods", "Quantity"):
            self.assertNotIn(english, html)
