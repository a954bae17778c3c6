# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Inventory closings: the monthly scheduled closing, and the periodic
adjustment entry."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL

from .common_closing import ClosingCase


class TestScheduledClosing(ClosingCase):
    def _previous_month_end(self):
        return fields.Date.today().replace(day=1) - timedelta(days=1)

    def _run_cron(self):
        self.env.ref(
            "product_category_valuation.ir_cron_close_inventory_months"
        ).method_direct_trigger()

    def test_nothing_without_the_setting(self):
        self.assertEqual(self.company.inventory_closing_schedule, "none")
        self._run_cron()
        self.assertFalse(
            self.env["stock.valuation.closing"].search(
                [("company_id", "=", self.company.id)]
            )
        )

    def test_the_previous_month_is_closed_when_the_ledger_agrees(self):
        self.company.inventory_closing_schedule = "monthly"
        self._run_cron()
        closing = self.company.inventory_closing_id
        self.assertEqual(closing.state, "done")
        self.assertEqual(closing.date, self._previous_month_end())
        self.assertSameStock(self._snapshot(closing), self._full_scan(closing.date))
        self._run_cron()  # closed already: nothing more
        self.assertEqual(
            self.env["stock.valuation.closing"].search(
                [("company_id", "=", self.company.id)]
            ),
            closing,
        )

    def test_the_scheduled_closing_speaks_the_company_s_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["product_category_valuation"], ["fr_FR"], overwrite=True
        )
        self.company.partner_id.lang = "fr_FR"
        self.company.inventory_closing_schedule = "monthly"
        self.env.cr.precommit.run()  # what the set-up left untracked
        cron = self.env.ref("product_category_valuation.ir_cron_close_inventory_months")
        cron.with_context(
            tracking_disable=False, mail_notrack=False
        ).method_direct_trigger()
        self.env.flush_all()
        self.env.cr.precommit.run()
        closing = self.company.inventory_closing_id
        states = closing.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "state"
        )
        self.assertEqual(states.mapped("new_value_char"), ["Clôturée"])

    def test_a_disagreement_waits_for_the_managers(self):
        self.company.inventory_closing_schedule = "monthly"
        self._entry(self.group_valuation, 75.0, date=self.days[1])
        self._run_cron()
        self._run_cron()
        closing = self.env["stock.valuation.closing"].search(
            [("company_id", "=", self.company.id)]
        )
        self.assertEqual(len(closing), 1)
        self.assertEqual(closing.state, "draft")
        self.assertFalse(closing.line_ids)
        self.assertFalse(self.company.inventory_closing_id)
        managers = closing.activity_ids.user_id
        self.assertIn(self.stock_manager, managers)
        self.assertIn(self.account_manager, managers)
        self.assertNotIn(self.stock_user, managers)
        self.assertEqual(len(closing.activity_ids), len(managers), "once each")
        self.assertIn("disagree on", closing.activity_ids[0].note)
        # a manager justifies and closes
        closing.with_user(self.stock_manager).justification = "Reclassified in March"
        closing.with_user(self.stock_manager).action_close()
        self.assertEqual(closing.state, "done")


class TestPeriodicAdjustment(ClosingCase):
    """Products valued periodically post nothing when they move: the closing
    brings their stock valuation account to the closing value, against each
    category's stock variation account (else its expense account)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Account = cls.env["account.account"]
        cls.periodic_stock = Account.create(
            {
                "name": "PCV Periodic stock",
                "code": "311000",
                "account_type": "asset_current",
            }
        )
        cls.variation = Account.create(
            {"name": "PCV Stock variation", "code": "603100", "account_type": "expense"}
        )
        Category = cls.env["product.category"]
        common = {
            "property_cost_method": "fifo",
            "property_valuation": "manual_periodic",
            "property_stock_valuation_account_id": cls.periodic_stock.id,
            "property_account_expense_categ_id": cls.categ_expense.id,
        }
        cls.bolts = Category.create({"name": "PCV Bolts", **common})
        cls.nuts = Category.create(
            {
                "name": "PCV Nuts",
                **common,
                "property_stock_variation_account_id": cls.variation.id,
            }
        )
        Product = cls.env["product.product"]
        cls.bolt = Product.create(
            {"name": "PCV Bolt", "is_storable": True, "categ_id": cls.bolts.id}
        )
        cls.nut = Product.create(
            {"name": "PCV Nut", "is_storable": True, "categ_id": cls.nuts.id}
        )
        cls._receive(cls.bolt, 10, 3.0)
        cls._receive(cls.nut, 4, 2.5)
        cls.company.inventory_closing_adjustment = True

    def _date_layers(self, products, day):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE stock_valuation_layer SET create_date = %s"
                " WHERE product_id IN %s AND create_date > %s",
                fields.Datetime.to_datetime(day) + timedelta(hours=10),
                tuple(products.ids),
                fields.Datetime.to_datetime(day),
            )
        )
        self.env.invalidate_all()

    def _items(self, move):
        return sorted((line.account_id.code, line.balance) for line in move.line_ids)

    def test_the_adjustment_follows_the_stock(self):
        day = self.days[-1] + timedelta(days=1)
        self._date_layers(self.bolt | self.nut, day)
        first = self._closing(day + timedelta(days=1))
        first.action_close()
        self.assertEqual(first.state, "done")
        self.assertEqual(
            self._items(first.adjustment_move_ids),
            [("311000", 40.0), ("600100", -30.0), ("603100", -10.0)],
        )
        self.assertEqual(first.adjustment_move_ids.date, first.date)
        self.assertEqual(first.adjustment_move_ids.state, "posted")
        self.assertEqual(
            first.adjustment_move_ids.journal_id,
            self.env["account.chart.template"]
            .with_company(self.company)
            .ref("inventory_valuation"),
            "the company's Inventory Valuation journal, as the categories have none",
        )
        periodic = first.account_ids.filtered(
            lambda line: line.account_id == self.periodic_stock
        )
        self.assertEqual(
            (periodic.ledger_balance, periodic.inventory_value, periodic.difference),
            (40.0, 40.0, 0.0),
        )
        # three bolts delivered (FIFO at 3.00): the next closing posts the change
        self._deliver(self.bolt, 3)
        later = day + timedelta(days=5)
        self._date_layers(self.bolt, later)
        second = self._closing(later + timedelta(days=1))
        second.action_close()
        self.assertEqual(
            self._items(second.adjustment_move_ids),
            [("311000", -9.0), ("600100", 9.0)],
        )
        # reopened: reversed on its day; closed again: posted again
        second.reopen_reason = "Count error"
        second.action_reopen()
        reversal = second.adjustment_move_ids.reversal_move_ids
        self.assertEqual(self._items(reversal), [("311000", 9.0), ("600100", -9.0)])
        self.assertEqual((reversal.state, reversal.date), ("posted", second.date))
        second.action_close()
        self.assertEqual(
            self._items(second.adjustment_move_ids),
            [("311000", -9.0), ("600100", 9.0)],
        )
        self.assertEqual(
            self.periodic_stock.current_balance, 31.0, "10 - 3 bolts at 3.00, 4 nuts"
        )

    def test_no_adjustment_unless_asked(self):
        self.company.inventory_closing_adjustment = False
        day = self.days[-1] + timedelta(days=1)
        self._date_layers(self.bolt | self.nut, day)
        closing = self._closing(day + timedelta(days=1))
        with self.assertRefused(UserError, "311000", "Justification"):
            closing.action_close()
        closing.justification = "Adjusted by hand"
        closing.action_close()
        self.assertFalse(closing.adjustment_move_ids)

    def test_one_entry_in_each_stock_journal(self):
        """Odoo posts the stock valuation entries of a product in its item
        group's stock journal, else its category's: so does the adjustment, an
        entry in each journal, each with its own products' change."""
        self.nut.item_group_id = self.env["product.item.group"].create(
            {
                "name": "PCV Hardware",
                "code": "HARD",
                "stock_valuation_account_id": self.periodic_stock.id,
                "stock_journal_id": self.group_journal.id,
            }
        )
        bolts_journal = self.env["account.journal"].create(
            {"name": "PCV Bolts Stock", "code": "PCVB", "type": "general"}
        )
        self.bolts.property_stock_journal = bolts_journal
        day = self.days[-1] + timedelta(days=1)
        self._date_layers(self.bolt | self.nut, day)
        # an entry by hand on the periodic stock account, before the closing
        self._entry(self.periodic_stock, 5.0, date=day)
        closing = self._closing(day + timedelta(days=1))
        closing.action_close()
        entries = {move.journal_id: move for move in closing.adjustment_move_ids}
        self.assertEqual(set(entries), {bolts_journal, self.group_journal})
        # the bolts' 30.00 and what the account held by hand (5.00) go with
        # the first category, the nuts' 10.00 with theirs
        self.assertEqual(
            self._items(entries[bolts_journal]), [("311000", 25.0), ("600100", -25.0)]
        )
        self.assertEqual(
            self._items(entries[self.group_journal]),
            [("311000", 10.0), ("603100", -10.0)],
        )
        self.assertEqual(set(closing.adjustment_move_ids.mapped("state")), {"posted"})
        self.assertEqual(self.periodic_stock.current_balance, 40.0)
        # reopened: each entry reversed in its journal
        closing.reopen_reason = "Count error"
        closing.action_reopen()
        reversals = closing.adjustment_move_ids.reversal_move_ids
        self.assertEqual(
            sorted(reversals.journal_id.ids),
            sorted(closing.adjustment_move_ids.journal_id.ids),
        )
        self.periodic_stock.invalidate_recordset(["current_balance"])
        self.assertEqual(self.periodic_stock.current_balance, 5.0)
