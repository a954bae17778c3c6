# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The reconciliation of the inventory valuation with the general ledger explains
every cent: every stock account, the difference broken down into buckets that add
up to it, two dating bases, the user's time zone on both sides."""

from datetime import datetime, timedelta
from unittest.mock import patch

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_date

from .common import date_layers
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
        self._regroup_behind_the_orm(self.fifo_product, self.other_group)
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

    def test_periodic_product_layers_without_entry(self):
        bolt = self._periodic_product("bolt", self.other_valuation)
        self._receive(bolt, 5, 7.0)
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

    def test_one_product_with_and_without_entries(self):
        """A real-time product whose layers mostly have an entry, one of them
        none (a revaluation whose posting failed, the day before; another, the
        day after the as-of date), and a
        periodic product switched to real time with stock on hand: the value
        without entry is that layer's alone, to the cent, at every date, on
        both bases, in the report and from the reconciliation's button."""
        bolt = self._periodic_product("bolt", self.group_valuation)
        self._receive(bolt, 5, 7.0)
        bolt.categ_id.write(
            {
                "property_valuation": "real_time",
                "property_stock_account_input_categ_id": self.categ_input.id,
                "property_stock_account_output_categ_id": self.categ_output.id,
            }
        )
        bolt_layers = self.env["stock.valuation.layer"].search(
            [("product_id", "=", bolt.id)]
        )
        self.assertEqual(
            sorted(bool(layer.account_move_id) for layer in bolt_layers),
            [False, False, True],
            "the switch empties the stock without entry and refills it with one",
        )
        self._receive(self.fifo_product, 10, 5.0)
        unposted = self._layer(12.34, description="PCV unposted revaluation")
        # and one more, the day after the as-of date: not counted
        later = unposted.copy({"value": 1.0})
        now = fields.Datetime.now()
        date_layers(
            self.env,
            {unposted: now - timedelta(days=1), later: now + timedelta(days=1)},
        )
        for basis in ("valuation", "accounting"):
            rec = self._reconcile(date=now, date_basis=basis)[self.group_valuation]
            self.assertEqual(self._figures(rec), (85.0, 97.34, -12.34), basis)
            self.assertEqual(rec["buckets"]["no_entry"], -12.34, basis)
            self.assertEqual(rec["with_entry"], 85.0, basis)
            _options, reconciliation = self.engine._get_reconciliation_data(
                {
                    "company_id": self.company.id,
                    "date": fields.Datetime.to_string(now),
                    "date_basis": basis,
                }
            )
            by_account = {line["account"]: line for line in reconciliation}
            self.assertEqual(
                by_account[self.group_valuation]["buckets"], rec["buckets"], basis
            )
        # the day before: the revaluation alone, without entry
        day_before = now - timedelta(days=1) + timedelta(seconds=1)
        rec = self._reconcile(date=day_before)[self.group_valuation]
        self.assertEqual(self._figures(rec), (0.0, 12.34, -12.34))
        self.assertEqual(rec["buckets"]["no_entry"], -12.34)

    def test_layers_of_no_value_without_entry_need_no_second_look(self):
        """Odoo posts no entry for a layer of no value (units received free of
        charge): the real-time product's value without entry is nothing, read
        in the one scan of the layers; no product's layers are read again."""
        self._receive(self.fifo_product, 10, 5.0)
        free = self._layer(
            0.0, quantity=2, unit_cost=0.0, description="PCV received free of charge"
        )
        free._validate_accounting_entries()
        self.assertFalse(free.account_move_id, "Odoo posts nothing for it")
        engine = type(self.engine)
        with patch.object(
            engine, "_values_without_entry", side_effect=AssertionError("read again")
        ):
            rec = self._reconcile()[self.group_valuation]
        self.assertEqual(self._figures(rec), (50.0, 50.0, 0.0))
        self.assertEqual(rec["buckets"]["no_entry"], 0.0)

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

    def test_nothing_differs_says_so_in_words(self):
        self._receive(self.fifo_product, 10, 5.0)
        wizard = self.env["product.category.valuation.wizard"].create({})
        action = wizard.action_open_reconciliation()
        self.assertFalse(self.env[action["res_model"]].search(action["domain"]))
        self.assertIn(
            "The ledger agrees with the inventory on every stock account at "
            + format_date(self.env, wizard.as_of_day, date_format="medium")
            + ", end of day.",
            action["help"],
        )
        Line = self.env["product.category.valuation.reconciliation.line"]
        self.assertEqual(Line._fields["bucket"].string, "Cause")

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


class TestEveryPartFromItsOwnItems(ReconciliationCase):
    """Each part of a difference is computed from the journal items or layers
    behind it, and lists them; what none explains is shown as such."""

    def _parts(self, rec, **expected):
        """Assert the parts of ``rec``: the ones named, and 0 for the others."""
        self.assertEqual(
            rec["buckets"],
            dict(dict.fromkeys(rec["buckets"], 0.0), **expected),
            rec["account_name"],
        )

    def _valuation_line(self, entry, account=None):
        return entry.line_ids.filtered(
            lambda line: line.account_id == (account or self.group_valuation)
        )

    def _edit(self, entry, amount):
        """Reset ``entry`` to draft, put ``amount`` on its stock valuation line
        (and its opposite on the counterpart) and post it again."""
        entry.button_draft()
        line = self._valuation_line(entry)
        entry.write(
            {
                "line_ids": [
                    Command.update(line.id, {"balance": amount}),
                    Command.update((entry.line_ids - line).id, {"balance": -amount}),
                ]
            }
        )
        entry.action_post()

    def test_an_edited_entry_differs_from_its_layer(self):
        receipt = self._receive(self.fifo_product, 10, 10.0)
        entry = receipt.stock_valuation_layer_ids.account_move_id
        self._edit(entry, 120.0)
        rec = self._reconcile()[self.group_valuation]
        self.assertEqual(self._figures(rec), (120.0, 100.0, 20.0))
        self._parts(rec, differs=20.0)
        self.assertEqual(rec["differs_ids"], self._valuation_line(entry).ids)
        self.assertFalse(rec["moved_ids"] or rec["unexplained_ids"])

    def test_an_entry_left_in_draft(self):
        receipt = self._receive(self.fifo_product, 10, 10.0)
        entry = receipt.stock_valuation_layer_ids.account_move_id
        entry.button_draft()
        rec = self._reconcile()[self.group_valuation]
        self.assertEqual(self._figures(rec), (0.0, 100.0, -100.0))
        self._parts(rec, differs=-100.0)
        self.assertEqual(rec["differs_ids"], self._valuation_line(entry).ids)
        self.assertEqual(rec["draft"], 100.0, "shown, not counted")
        # a manual draft too: items of entries with and without layers, both
        # in draft, make one part with the items of both
        manual = self._entry(self.group_valuation, 7.0, state="draft")
        rec = self._reconcile()[self.group_valuation]
        self.assertEqual(rec["draft"], 107.0)
        self.assertEqual(
            rec["draft_ids"],
            sorted((self._valuation_line(entry) | self._valuation_line(manual)).ids),
        )
        self.assertEqual(rec["ledger_parts"]["draft"][1], 2)

    def test_an_entry_dated_after_its_layer(self):
        receipt = self._receive(self.fifo_product, 10, 5.0)
        entry = receipt.stock_valuation_layer_ids.account_move_id
        tomorrow = fields.Date.today() + timedelta(days=1)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET date = %(day)s WHERE id = %(id)s;"
                " UPDATE account_move_line SET date = %(day)s WHERE move_id = %(id)s",
                day=tomorrow,
                id=entry.id,
            )
        )
        self.env.invalidate_all()
        rec = self._reconcile()[self.group_valuation]
        self.assertEqual(self._figures(rec), (0.0, 50.0, -50.0))
        self._parts(rec, other_side=-50.0)
        self.assertEqual(rec["other_side_ids"], self._valuation_line(entry).ids)
        by_accounting = self._reconcile(date_basis="accounting")[self.group_valuation]
        self.assertEqual(self._figures(by_accounting), (0.0, 0.0, 0.0))

    def test_value_posted_while_the_product_mapped_elsewhere(self):
        receipt = self._receive(self.fifo_product, 10, 5.0)
        entry = receipt.stock_valuation_layer_ids.account_move_id
        self._regroup_behind_the_orm(self.fifo_product, self.other_group)
        rows = self._reconcile()
        old, new = rows[self.group_valuation], rows[self.other_valuation]
        self._parts(old, moved=50.0)
        self._parts(new, moved=-50.0)
        self.assertEqual(old["moved_ids"], self._valuation_line(entry).ids)
        self.assertEqual(new["moved_ids"], self._valuation_line(entry).ids)

    def test_transfers_are_moved_value(self):
        self._receive(self.fifo_product, 10, 5.0)
        self.fifo_product.item_group_id = self.other_group
        transfer = self.env["account.move"].search(
            [("stock_valuation_transfer", "=", True)]
        )
        rows = self._reconcile()
        old, new = rows[self.group_valuation], rows[self.other_valuation]
        self.assertEqual(self._figures(old), (0.0, 0.0, 0.0))
        self.assertEqual(self._figures(new), (50.0, 50.0, 0.0))
        self.assertEqual(new["transfers"], 50.0)
        self.assertIn(
            self._valuation_line(transfer, self.other_valuation).id, new["moved_ids"]
        )

    def test_what_no_part_explains_is_unexplained(self):
        """Two layers share one entry, which holds both values; the second is
        dated after the as-of date: nothing but the entry's own split explains
        the 10.00 the ledger holds beyond the inventory."""
        receipt = self._receive(self.fifo_product, 10, 5.0)
        entry = receipt.stock_valuation_layer_ids.account_move_id
        later = self._layer(
            10.0, description="PCV landed cost", account_move_id=entry.id
        )
        self._edit(entry, 60.0)
        as_of = fields.Datetime.now()
        date_layers(self.env, {later: as_of + timedelta(hours=1)})
        rec = self._reconcile(date=as_of)[self.group_valuation]
        self.assertEqual(self._figures(rec), (60.0, 50.0, 10.0))
        self._parts(rec, unexplained=10.0)
        self.assertEqual(rec["unexplained_ids"], self._valuation_line(entry).ids)
        self.assertEqual(rec["unexplained_entries"], 10.0)

    def test_every_part_opens_its_records(self):
        """Through the Reconciliation button: each non-zero part opens at least
        one record, the records behind it."""
        receipt = self._receive(self.fifo_product, 10, 10.0)
        edited = receipt.stock_valuation_layer_ids.account_move_id
        self._edit(edited, 130.0)
        manual = self._entry(self.group_valuation, 7.0)
        self._entry(self.group_valuation, 3.0, state="draft")
        bolt = self._periodic_product("bolt", self.group_valuation)
        self._receive(bolt, 2, 4.0)
        wizard = self.env["product.category.valuation.wizard"].create({})
        action = wizard.action_open_reconciliation()
        lines = self.env[action["res_model"]].search(action["domain"])
        mine = lines.filtered(lambda line: line.account_id == self.group_valuation)
        self.assertEqual(
            {line.bucket: line.amount for line in mine},
            {"differs": 30.0, "unlinked": 7.0, "no_entry": -8.0, "draft": 3.0},
        )
        expected = {
            "differs": self._valuation_line(edited),
            "unlinked": self._valuation_line(manual),
            "no_entry": bolt.stock_valuation_layer_ids,
        }
        for line in lines:
            opened = line.action_open()
            records = self.env[opened["res_model"]].search(opened["domain"])
            self.assertTrue(records, f"{line.account_id.code} {line.bucket}")
            if line in mine and line.bucket in expected:
                self.assertEqual(records, expected[line.bucket], line.bucket)


class TestOneRuleOnePlace(ReconciliationCase):
    def test_the_stock_account_of_a_product_is_the_same_everywhere(self):
        """Products with and without an item group, in two companies: the SQL of
        the report, its drill-down and the product's own accounts agree."""
        company_b = self.setup_other_company(name="PCV Company B")["company"]
        Account = self.env["account.account"].with_company(company_b)
        b_categ_account = Account.create(
            {"name": "PCV B stock", "code": "310100", "account_type": "asset_current"}
        )
        b_group_account = Account.create(
            {"name": "PCV B group", "code": "310900", "account_type": "asset_current"}
        )
        b_group = self.env["product.item.group"].create(
            {
                "name": "PCV B group",
                "code": "B-GROUP",
                "company_id": company_b.id,
                "stock_valuation_account_id": b_group_account.id,
            }
        )
        (self.fifo_categ | self.avco_categ).with_company(
            company_b
        ).property_stock_valuation_account_id = b_categ_account
        self.fifo_product.with_company(company_b).item_group_id = b_group
        plain = self.env["product.product"].create(
            {"name": "PCV Plain", "is_storable": True, "categ_id": self.fifo_categ.id}
        )
        expected = {
            self.company: {
                self.fifo_product: self.group_valuation,
                self.avco_product: self.group_valuation,
                plain: self.categ_valuation,
            },
            company_b: {
                self.fifo_product: b_group_account,
                self.avco_product: b_categ_account,
                plain: b_categ_account,
            },
        }
        self._assert_stock_accounts(expected)
        # a default item group in company B (Odoo's fallback of the products
        # that have none of their own there) maps them to its account too
        self.env["ir.default"].set(
            "product.template", "item_group_id", b_group.id, company_id=company_b.id
        )
        expected[company_b] = dict.fromkeys(expected[company_b], b_group_account)
        self._assert_stock_accounts(expected)
        # the report's accounts, from its own scan, follow the same rule
        self._receive(plain, 1, 3.0)
        self._receive(self.fifo_product, 1, 5.0)
        options = self.engine._get_options({"company_id": self.company.id})
        accounts = self.engine._get_valuation(options)[3]
        self.assertEqual(accounts[self.categ_valuation.id][0], 3.0)
        self.assertEqual(accounts[self.group_valuation.id][0], 5.0)
        domains = self.engine._bucket_domains(options)
        layers = self.env["stock.valuation.layer"].search(
            domains[self.categ_valuation.id][1]
        )
        self.assertEqual(layers.product_id, plain)

    def _assert_stock_accounts(self, expected):
        """{company: {product: account}}: the product's own accounts and the
        SQL mapping of the report give each product that stock account."""
        for company, accounts in expected.items():
            Template = self.env["product.template"].with_company(company)
            mapping = {
                product_id: account_id
                for product_id, account_id, *_groups in self.env.execute_query(
                    Template._stock_valuation_accounts_query()
                )
            }
            for product, account in accounts.items():
                with self.subTest(company=company.name, product=product.name):
                    own = product.product_tmpl_id.with_company(company)
                    self.assertEqual(
                        own._get_product_accounts()["stock_valuation"], account
                    )
                    self.assertEqual(mapping[product.id], account.id)

    def test_the_as_of_boundary_is_the_same_for_figures_and_drill_down(self):
        """By accounting date, and by valuation date for a day (valued at its
        end), a layer without entry created at 23:59:59.5 on the as-of day
        (Brussels time) is counted by the figures and opened by the drill-down;
        one at 00:00:00.5 the next day by neither."""
        bolt = self._periodic_product("bolt", self.other_valuation)
        self._receive(bolt, 1, 10.0)
        self._receive(bolt, 1, 20.0)
        first, second = bolt.stock_valuation_layer_ids.sorted("id")
        day = datetime(2026, 1, 5)
        date_layers(
            self.env,
            {
                first: day + timedelta(hours=22, minutes=59, seconds=59.5),
                second: day + timedelta(hours=23, seconds=0.5),
            },
        )
        engine = self.engine.with_context(tz="Europe/Brussels")
        for date_basis, date in (
            ("accounting", "2026-01-05 12:00:00"),
            ("valuation", "2026-01-05"),
        ):
            with self.subTest(date_basis=date_basis, date=date):
                options = engine._get_options(
                    {
                        "company_id": self.company.id,
                        "date": date,
                        "date_basis": date_basis,
                    }
                )
                lines = {
                    line["product_id"]: line
                    for line in engine._get_valuation(options)[0]
                }
                self.assertEqual(lines[bolt.id]["value"], 10.0)
                without_entry = engine._bucket_domains(options)[
                    self.other_valuation.id
                ][0]
                self.assertEqual(
                    self.env["stock.valuation.layer"].search(without_entry), first
                )
        # at a precise time, the instant itself is the boundary
        options = engine._get_options(
            {"company_id": self.company.id, "date": "2026-01-05 22:59:59"}
        )
        lines = {line["product_id"]: line for line in engine._get_valuation(options)[0]}
        self.assertNotIn(bolt.id, lines)

    def test_the_parts_are_named_once(self):
        titles = self.engine._bucket_titles()
        Line = self.env["product.category.valuation.reconciliation.line"]
        self.assertEqual(
            Line._fields["bucket"]._description_selection(self.env), titles
        )
        Wizard = self.env["product.category.valuation.wizard"]
        for fname, selection in (
            ("group_by", self.engine._group_by_selection()),
            ("level", self.engine._level_selection()),
            ("date_basis", self.engine._date_basis_selection()),
        ):
            self.assertEqual(
                Wizard._fields[fname]._description_selection(self.env), selection
            )

    def test_an_account_that_held_stock_value_stays_listed(self):
        """A category's stock account replaced behind the ORM's back (an import):
        the account its entries went to is still reconciled, its balance
        explained as value posted while the products mapped to it."""
        retired = self.env["account.account"].create(
            {
                "name": "PCV Retired stock",
                "code": "310990",
                "account_type": "asset_current",
            }
        )
        category = self.fifo_categ.copy(
            {
                "name": "PCV Retiring",
                "property_stock_valuation_account_id": retired.id,
            }
        )
        lamp = self.env["product.product"].create(
            {"name": "PCV Retiring lamp", "is_storable": True, "categ_id": category.id}
        )
        self._receive(lamp, 2, 10.0)
        self.assertTrue(retired.stock_valuation_history)
        self.assertFalse(self.other_valuation.stock_valuation_history)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE product_category SET property_stock_valuation_account_id ="
                " jsonb_build_object(%s, %s) WHERE id = %s",
                str(self.company.id),
                self.other_valuation.id,
                category.id,
            )
        )
        self.env.invalidate_all()
        rows = self._reconcile()
        self.assertEqual(self._figures(rows[retired]), (20.0, 0.0, 20.0))
        self.assertEqual(rows[retired]["buckets"]["moved"], 20.0)
        self.assertEqual(rows[self.other_valuation]["buckets"]["moved"], -20.0)

    def test_the_history_marks_the_accounts_that_held_stock_value(self):
        """Installed into a database with a history, the addon finds the
        accounts its stock valuation entries posted to, not their
        counterparts."""
        self._receive(self.fifo_product, 1, 5.0)
        self.env.flush_all()
        self.env.cr.execute("UPDATE account_account SET stock_valuation_history = NULL")
        self.env.invalidate_all()
        self.assertFalse(self.group_valuation.stock_valuation_history)
        self.env["account.account"].init()
        self.env.invalidate_all()
        self.assertTrue(self.group_valuation.stock_valuation_history)
        self.assertFalse(self.group_input.stock_valuation_history)

    def test_what_the_stock_valuation_records_is_not_set_by_hand(self):
        """Whether an account received stock valuation, and whether an entry is
        an account transfer, decide which accounts are reconciled and which
        part their items fall in: no request sets or clears them."""
        self._receive(self.fifo_product, 1, 5.0)
        self.assertTrue(self.group_valuation.stock_valuation_history)
        account = self.group_valuation.with_user(self.account_manager)
        with self.assertRefused(UserError, "Received Stock Valuation", "by hand"):
            account.stock_valuation_history = False
        account.name = "PCV Stock valuation (renamed)"  # the rest is the user's
        Account = self.env["account.account"].with_user(self.account_manager)
        with self.assertRefused(UserError, "Received Stock Valuation"):
            Account.with_context(default_stock_valuation_history=True).create(
                {"name": "PCV Bank", "code": "512999", "account_type": "asset_cash"}
            )
        entry = self._entry(self.group_valuation, 10.0, state="draft")
        with self.assertRefused(UserError, "by hand"):
            entry.with_user(self.account_manager).stock_valuation_transfer = True
        self.assertTrue(self.group_valuation.stock_valuation_history)
        self.assertFalse(entry.stock_valuation_transfer)


class TestPreviewDrillDown(ReconciliationCase):
    """The HTML preview's links: a product's row opens the layers behind its
    figures, an account of the reconciliation the items behind its balance."""

    def test_an_account_opens_the_items_of_its_balance(self):
        self._receive(self.fifo_product, 10, 5.0)
        self._entry(self.group_valuation, 100.0)
        self._entry(self.group_valuation, 40.0, state="draft")
        data = {"company_id": self.company.id, "level": "summary"}
        rec = self._reconcile()[self.group_valuation]
        action = self.engine.with_user(self.accountant).action_open_journal_items(
            data, self.group_valuation.id
        )
        self.assertEqual(action["res_model"], "account.move.line")
        items = self.env["account.move.line"].search(action["domain"])
        self.assertEqual(items.account_id, self.group_valuation)
        self.assertEqual(set(items.mapped("parent_state")), {"posted"})
        self.assertEqual(sum(items.mapped("balance")), rec["ledger_balance"])
        self.assertEqual(rec["ledger_balance"], 150.0)

    def test_links_only_where_the_user_may_open_them(self):
        self._receive(self.fifo_product, 10, 5.0)
        Report = self.env["ir.actions.report"]
        data = {"company_id": self.company.id}
        for user, layers, items in (
            (self.accountant, False, True),
            (self.stock_manager, True, False),
        ):
            with self.subTest(user=user.login):
                html = Report.with_user(user)._render_qweb_html(
                    "product_category_valuation.inventory_valuation", [], data=data
                )[0]
                tree = etree.fromstring(html, etree.HTMLParser())
                self.assertEqual(
                    bool(tree.xpath("//a[@data-pcv-drill='layers']")), layers
                )
                self.assertEqual(
                    bool(tree.xpath("//a[@data-pcv-drill='journal_items']")), items
                )
        with self.assertRaises(AccessError):
            self.engine.with_user(self.stock_manager).action_open_journal_items(
                data, self.group_valuation.id
            )
        with self.assertRaises(AccessError):
            self.engine.with_user(self.accountant).action_open_layers(
                data, self.fifo_product.id
            )

    def test_records_of_another_company_are_refused(self):
        other = self.setup_other_company(name="PCV Company D")
        product = self.env["product.product"].create(
            {"name": "PCV Foreign lamp", "company_id": other["company"].id}
        )
        data = {"company_id": self.company.id}
        engine = self.engine.with_user(self.stock_manager)
        for wrong, error in (
            (product.id, AccessError),
            (0, UserError),
            ("1", UserError),
            (2**40, UserError),
        ):
            with self.subTest(product_id=wrong):
                with self.assertRaises(error) as caught:
                    engine.action_open_layers(data, wrong)
                self.assertNotIn("PCV Foreign lamp", str(caught.exception))
        foreign_account = other["default_account_revenue"]
        with self.assertRaises(AccessError):
            self.engine.with_user(self.account_manager).action_open_journal_items(
                data, foreign_account.id
            )
