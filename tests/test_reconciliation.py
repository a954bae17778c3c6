# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The reconciliation of the inventory valuation with the general ledger explains
every cent: every stock account, the difference broken down into buckets that add
up to it, two dating bases, the user's time zone on both sides."""

from datetime import datetime, timedelta

from odoo import fields
from odoo.tools import SQL

from .common_valuation import ReconciliationCase


class TestEveryStockAccount(ReconciliationCase):
    def test_group_change_story_balances_to_the_cent(self):
        """10 units at 5.00 posted to A; the item group moves to B; 4 delivered."""
        self._receive(self.fifo_product, 10, 5.0)
        self.fifo_product.item_group_id = self.other_group
        self._deliver(self.fifo_product, 4)
        rows = self._reconcile()
        self.assertIn(self.group_valuation, rows, "listed though no product maps to it")
        self.assertEqual(self._figures(rows[self.group_valuation]), (0.0, 0.0, 0.0))
        self.assertEqual(self._figures(rows[self.other_valuation]), (30.0, 30.0, 0.0))

    def test_a_change_without_transfer_is_explained(self):
        """Data of a database where the account changed and nothing moved the
        value: the difference is named on both accounts."""
        self._receive(self.fifo_product, 10, 5.0)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE product_template SET item_group_id = item_group_id"
                " || jsonb_build_object(%s, %s) WHERE id = %s",
                str(self.company.id),
                self.other_group.id,
                self.fifo_product.product_tmpl_id.id,
            )
        )
        self.env.invalidate_all()
        self._deliver(self.fifo_product, 4)
        rows = self._reconcile()
        old, new = rows[self.group_valuation], rows[self.other_valuation]
        self.assertEqual(self._figures(old), (50.0, 0.0, 50.0))
        self.assertEqual(old["buckets"]["moved"], 50.0)
        self.assertEqual(self._figures(new), (-20.0, 30.0, -50.0))
        self.assertEqual(new["buckets"]["moved"], -50.0)
        self.assertTrue(old["moved_ids"])

    def test_other_companies_stay_out(self):
        other = self.setup_other_company(name="PCV Company C")["company"]
        Account = self.env["account.account"]
        theirs = Account.search([("company_ids", "in", other.ids)]) - Account.search(
            [("company_ids", "in", self.company.ids)]
        )
        self.assertTrue(theirs)
        self._receive(self.fifo_product, 10, 5.0)
        rows = self._reconcile()
        self.assertFalse(set(rows) & set(theirs))
        self.assertEqual(self._figures(rows[self.group_valuation]), (50.0, 50.0, 0.0))


class TestDifferencesExplained(ReconciliationCase):
    def test_manual_entry_and_draft_entry(self):
        self._receive(self.fifo_product, 10, 5.0)
        manual = self._entry(self.group_valuation, 100.0)
        draft = self._entry(self.group_valuation, 40.0, state="draft")
        rec = self._reconcile()[self.group_valuation]
        self.assertEqual(self._figures(rec), (150.0, 50.0, 100.0))
        self.assertEqual(rec["buckets"]["unlinked"], 100.0)
        self.assertEqual(rec["buckets"]["no_entry"], 0.0)
        self.assertEqual(rec["buckets"]["other_side"], 0.0)
        self.assertEqual(rec["buckets"]["moved"], 0.0)
        self.assertEqual(rec["draft"], 40.0, "shown, not counted")
        manual_line = manual.line_ids.filtered(
            lambda line: line.account_id == self.group_valuation
        )
        self.assertEqual(rec["unlinked_ids"], manual_line.ids)
        self.assertEqual(
            rec["draft_ids"],
            draft.line_ids.filtered(
                lambda line: line.account_id == self.group_valuation
            ).ids,
        )

    def _periodic_product(self, name, account):
        """A storable product of a new FIFO category valued periodically, whose
        stock valuation account is ``account``."""
        category = self.env["product.category"].create(
            {
                "name": f"PCV Periodic {name}",
                "property_cost_method": "fifo",
                "property_valuation": "manual_periodic",
                "property_stock_valuation_account_id": account.id,
            }
        )
        return self.env["product.product"].create(
            {
                "name": f"PCV Periodic {name}",
                "is_storable": True,
                "categ_id": category.id,
            }
        )

    def test_periodic_product_layers_without_entry(self):
        bolt = self._periodic_product("bolt", self.other_valuation)
        self._receive(bolt, 5, 7.0)
        self.assertFalse(
            self.engine._has_journal_entries(self.company),
            "the valuation leaves the value with entry out of its scan",
        )
        rec = self._reconcile()[self.other_valuation]
        self.assertEqual(self._figures(rec), (0.0, 35.0, -35.0))
        self.assertEqual(rec["buckets"]["no_entry"], -35.0)

    def test_one_account_with_and_without_entries(self):
        """A real-time product and a periodic one on the same stock account: only
        the periodic one's value is without entry."""
        nut = self._periodic_product("nut", self.group_valuation)
        self._receive(self.fifo_product, 10, 5.0)
        self._receive(nut, 3, 2.5)
        self._deliver(self.fifo_product, 4)
        self.assertTrue(self.engine._has_journal_entries(self.company))
        rec = self._reconcile()[self.group_valuation]
        self.assertEqual(self._figures(rec), (30.0, 37.5, -7.5))
        self.assertEqual(rec["with_entry"], 30.0)
        self.assertEqual(
            rec["buckets"],
            {
                "unlinked": 0.0,
                "no_entry": -7.5,
                "other_side": 0.0,
                "differs": 0.0,
                "moved": 0.0,
                "unexplained": 0.0,
            },
        )

    def test_back_dated_adjustment_under_both_bases(self):
        """An inventory gain entered now and dated the day before: by valuation
        date the entry is on the other side of the as-of day; by accounting date
        the report agrees with the ledger."""
        self._receive(self.fifo_product, 10, 5.0)
        gain = self._move(
            self.fifo_product,
            2,
            self.fifo_product.with_company(self.company).property_stock_inventory,
            self.stock_location,
        )
        yesterday = fields.Date.today() - timedelta(days=1)
        entry = gain.stock_valuation_layer_ids.account_move_id
        self.assertTrue(entry)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET date = %(day)s WHERE id = %(id)s;"
                " UPDATE account_move_line SET date = %(day)s WHERE move_id = %(id)s",
                day=yesterday,
                id=entry.id,
            )
        )
        # the other layers were received the day before yesterday
        earlier = fields.Datetime.now() - timedelta(days=2)
        self.env.cr.execute(
            SQL(
                "UPDATE stock_valuation_layer SET create_date = %s"
                " WHERE product_id = %s AND id <> %s",
                earlier,
                self.fifo_product.id,
                gain.stock_valuation_layer_ids.id,
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET date = %(day)s WHERE id IN %(ids)s;"
                " UPDATE account_move_line SET date = %(day)s WHERE move_id IN %(ids)s",
                day=earlier.date(),
                ids=tuple(
                    (
                        self.fifo_product.stock_valuation_layer_ids
                        - gain.stock_valuation_layer_ids
                    ).account_move_id.ids
                ),
            )
        )
        self.env.invalidate_all()
        as_of = datetime.combine(yesterday, datetime.min.time()) + timedelta(hours=12)
        by_valuation = self._reconcile(date=as_of, tz="UTC")[self.group_valuation]
        gain_value = gain.stock_valuation_layer_ids.value
        self.assertEqual(by_valuation["ledger_balance"], 50.0 + gain_value)
        self.assertEqual(by_valuation["report_value"], 50.0)
        self.assertEqual(by_valuation["buckets"]["other_side"], gain_value)
        by_accounting = self._reconcile(date=as_of, date_basis="accounting")[
            self.group_valuation
        ]
        self.assertEqual(by_accounting["report_value"], 50.0 + gain_value)
        self.assertEqual(by_accounting["difference"], 0.0)
        self.assertEqual(by_accounting["buckets"]["other_side"], 0.0)

    def test_the_as_of_day_is_the_users(self):
        """At 20:00 UTC it is already the next day in Kiritimati (UTC+14): an
        entry dated that next day belongs to the as-of day of a user there."""
        self._receive(self.fifo_product, 10, 5.0)
        as_of = datetime.combine(fields.Date.today(), datetime.min.time()) + timedelta(
            hours=20
        )
        local_day = (as_of + timedelta(hours=14)).date()
        self.env.flush_all()
        moves = self.fifo_product.stock_valuation_layer_ids.account_move_id
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET date = %(day)s WHERE id IN %(ids)s;"
                " UPDATE account_move_line SET date = %(day)s WHERE move_id IN %(ids)s;"
                " UPDATE stock_valuation_layer SET create_date = %(at)s"
                " WHERE product_id = %(product)s",
                day=local_day,
                ids=tuple(moves.ids),
                at=as_of - timedelta(hours=1),
                product=self.fifo_product.id,
            )
        )
        self.env.invalidate_all()
        engine = self.engine.with_context(tz="Pacific/Kiritimati")
        report = engine._get_report_data(
            {
                "company_id": self.company.id,
                "date": fields.Datetime.to_string(as_of),
                "level": "summary",
            }
        )
        self.assertEqual(report["options"]["local_date"], local_day)
        rec = {r["account"]: r for r in report["reconciliation"]}[self.group_valuation]
        self.assertEqual((rec["ledger_balance"], rec["difference"]), (50.0, 0.0))

    def test_each_bucket_opens_what_is_behind_it(self):
        self._receive(self.fifo_product, 10, 5.0)
        manual = self._entry(self.group_valuation, 12.5)
        wizard = self.env["product.category.valuation.wizard"].create({})
        action = wizard.action_open_reconciliation()
        lines = self.env[action["res_model"]].search(action["domain"])
        unlinked = lines.filtered(
            lambda line: (
                line.bucket == "unlinked" and line.account_id == self.group_valuation
            )
        )
        self.assertEqual(unlinked.amount, 12.5)
        opened = unlinked.action_open()
        self.assertEqual(opened["res_model"], "account.move.line")
        items = self.env["account.move.line"].search(opened["domain"])
        self.assertEqual(
            items,
            manual.line_ids.filtered(
                lambda line: line.account_id == self.group_valuation
            ),
        )
