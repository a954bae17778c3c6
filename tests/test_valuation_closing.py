# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Inventory closings: each a snapshot of the stock at the end of a day, computed
from the previous closing plus the layers since, equal to the full scan; the
ledger's agreement checked (or a justification kept); one chain per company,
reopened from its end only, by inventory valuation managers; the closed period
locked."""

from datetime import date, timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user
from odoo.tools import SQL

from ..models.stock_valuation_closing.lock import DAYS, HISTORY_FLOOR
from ..reports import inventory_valuation_report_reconciliation as reconciliation
from .common_closing import ClosingCase
from .common_valuation import T0


class TestClosingFigures(ClosingCase):
    def test_a_chain_of_closings_equals_the_full_scan(self):
        closings = self.env["stock.valuation.closing"]
        days = (self.days[1], self.days[4], self.days[-1] + timedelta(days=1))
        full_scans = {day: self._full_scan(day) for day in days}
        for day in days:
            closing = self._closing(day)
            closing.action_close()
            with self.subTest(day=day):
                self.assertEqual(closing.state, "done")
                self.assertEqual(closing.previous_id, closings[-1:])
                self.assertSameStock(self._snapshot(closing), full_scans[day])
                self.assertEqual(closing.product_count, len(closing.line_ids))
                self.assertAlmostEqual(
                    closing.total_value, sum(closing.line_ids.mapped("value")), 2
                )
                # the end of the day in Brussels, in UTC
                self.assertEqual(
                    closing.cutoff,
                    fields.Datetime.to_datetime(day) + timedelta(hours=23),
                )
                self.assertTrue(closing.name.startswith("INVCL/"))
            closings |= closing
        # the ledger agrees: every stock account frozen without difference
        self.assertTrue(closings[-1].account_ids)
        self.assertEqual(set(closings.account_ids.mapped("difference")), {0.0})
        desk = closings[-1].line_ids.filtered(
            lambda line: line.product_id == self.fifo_product
        )
        self.assertEqual(
            (desk.categ_id, desk.cost_method, desk.valuation, desk.account_id),
            (self.fifo_categ, "fifo", "real_time", self.group_valuation),
        )

    def test_computed_from_the_previous_closing(self):
        """The second closing reads the first one's lines, not the history: a line
        changed behind the closing's back carries over."""
        expected = self._full_scan(self.days[-1])
        first = self._closing(self.days[2])
        first.action_close()
        self.env.cr.execute(
            SQL(
                "UPDATE stock_valuation_closing_line SET value = value + 1000"
                " WHERE closing_id = %s AND product_id = %s",
                first.id,
                self.fifo_product.id,
            )
        )
        self.env.invalidate_all()
        second = self._closing(self.days[-1], justification="Carried over")
        second.action_close()
        quantity, value = expected[self.fifo_product.id]
        expected[self.fifo_product.id] = (quantity, value + 1000)
        self.assertSameStock(self._snapshot(second), expected)

    def _frozen_ledgers(self, closing):
        return {
            line.account_id.id: (
                line.ledger_balance,
                line.parts,
                line.ledger_parts or {},
            )
            for line in closing.account_ids
        }

    def _ledgers(self, day):
        """{account id: (ledger balance, parts, ledger parts)} of the report's
        reconciliation at the end of ``day``."""
        engine = self._engine(self.stock_manager).with_context(tz="Europe/Brussels")
        options = engine._get_options(
            {"company_id": self.company.id, "date": fields.Date.to_string(day)}
        )
        accounts = engine._get_valuation(options)[3]
        return {
            rec["account"].id: (
                rec["ledger_balance"],
                rec["parts"],
                {part: list(sums) for part, sums in rec["ledger_parts"].items()},
            )
            for rec in engine._get_reconciliation(options, accounts)
        }

    def test_the_ledger_from_the_previous_closing(self):
        """A closing adds the journal items dated after the previous closing to
        the ledgers that closing froze, part by part, and gets what reading
        every item gets; so does the report that starts from a closing."""
        manual = self._entry(self.group_valuation, 100.0, date=self.days[1])
        draft = self._entry(self.group_valuation, 7.0, state="draft", date=self.days[1])
        # items of every part in the next period
        later = self._entry(self.group_valuation, 30.0, date=self.days[3])
        self._entry(self.group_valuation, 2.0, state="draft", date=self.days[4])
        days = (self.days[2], self.days[4], self.days[-1])
        # every journal item read: no closing yet
        expected = {day: self._ledgers(day) for day in days}
        first = self._closing(self.days[2], justification="Freight")
        first.action_close()
        frozen = self._frozen_ledgers(first)
        self.assertEqual(frozen, expected[self.days[2]])
        self.assertEqual(
            frozen[self.group_valuation.id][2]["unlinked"],
            [100.0, 1, manual.line_ids[0].id, manual.line_ids[0].id],
        )
        self.assertEqual(frozen[self.group_valuation.id][2]["draft"][:2], [7.0, 1])
        # the report after the first closing starts from its ledgers, the
        # layers of the items since looked up one by one or, past
        # LOOK_UP_ITEMS, joined with the entries of every layer
        self.assertEqual(self._ledgers(self.days[4]), expected[self.days[4]])
        with patch.object(reconciliation, "LOOK_UP_ITEMS", 0):
            self.assertEqual(self._ledgers(self.days[4]), expected[self.days[4]])
        second = self._closing(self.days[-1], justification="Freight")
        second.action_close()
        self.assertEqual(self._frozen_ledgers(second), expected[self.days[-1]])
        balance, parts, ledger_parts = expected[self.days[-1]][self.group_valuation.id]
        self.assertEqual(parts["unlinked"], 130.0)
        self.assertEqual(parts["draft"], 9.0)
        self.assertEqual(
            ledger_parts["unlinked"][1:],
            [2, manual.line_ids[0].id, later.line_ids[0].id],
        )
        self.assertEqual(ledger_parts["draft"][:3], [9.0, 2, draft.line_ids[0].id])
        # the drill-down lists the items of the parts from a closing too
        report = {
            rec["account"]: rec
            for rec in self._report(as_of_day=self.days[4])["reconciliation"]
        }[self.group_valuation]
        self.assertEqual(
            report["unlinked_ids"],
            sorted(manual.line_ids[:1].ids + later.line_ids[:1].ids),
        )
        # the second closing and the report read the first's ledgers, not the
        # history: a frozen ledger changed behind the closing's back carries over
        second.reopen_reason = "Check"
        second.action_reopen()
        self.env.cr.execute(
            SQL(
                "UPDATE stock_valuation_closing_account"
                " SET ledger_parts = jsonb_set(ledger_parts, '{unlinked,0}', '1100')"
                " WHERE closing_id = %s AND account_id = %s",
                first.id,
                self.group_valuation.id,
            )
        )
        self.env.invalidate_all()
        self.assertEqual(
            self._ledgers(self.days[4])[self.group_valuation.id][0],
            expected[self.days[4]][self.group_valuation.id][0] + 1000,
        )
        second.action_close()
        self.assertEqual(
            self._frozen_ledgers(second)[self.group_valuation.id][0], balance + 1000
        )


class TestClosingStatistics(ClosingCase):
    def test_committed_closing_refreshes_the_planner_statistics(self):
        """Once committed, a closing has PostgreSQL analyze the closings' lines
        and receipts (in a transaction of its own), so that a report from it
        is not planned on statistics that know none of its rows."""
        closing = self._closing(self.days[3])
        self.env.cr.postcommit.clear()
        closing.action_close()
        self.env.cr.execute(
            "SELECT COALESCE(MAX(last_analyze), 'epoch') FROM pg_stat_user_tables"
            " WHERE relname = 'stock_valuation_closing_receipt'"
        )
        before = self.env.cr.fetchone()[0]
        self.env.cr.postcommit.run()
        # the statistics this transaction read are kept for it until cleared
        self.env.cr.execute("SELECT pg_stat_clear_snapshot()")
        self.env.cr.execute(
            "SELECT relname, last_analyze FROM pg_stat_user_tables"
            " WHERE relname IN ('stock_valuation_closing_line',"
            " 'stock_valuation_closing_receipt')"
        )
        analyzed = dict(self.env.cr.fetchall())
        self.assertEqual(len(analyzed), 2)
        for table, when in analyzed.items():
            self.assertTrue(when and when > before, table)


class TestClosingRules(ClosingCase):
    def test_a_difference_needs_a_justification(self):
        self._entry(self.group_valuation, 100.0, date=self.days[1])
        closing = self._closing(self.days[2])
        with self.assertRefused(UserError, "disagree on", "310900", "Justification"):
            closing.action_close()
        self.assertEqual(closing.state, "draft")
        self.assertFalse(closing.line_ids, "nothing half-written")
        closing.justification = "Freight entry to be reclassified in February"
        closing.action_close()
        self.assertEqual(closing.state, "done")
        account = closing.account_ids.filtered(
            lambda line: line.account_id == self.group_valuation
        )
        self.assertEqual(account.difference, 100.0)
        self.assertEqual(account.parts["unlinked"], 100.0)
        self.assertIn("100.00", account.parts_text)
        self.assertEqual(closing.difference, 100.0)

    def test_dates_of_a_chain(self):
        # the closing user's today, in their time zone (UTC's may be a day behind)
        today = fields.Date.context_today(
            self.env["stock.valuation.closing"].with_user(self.stock_manager)
        )
        with self.assertRefused(UserError, "has not ended yet"):
            self._closing(today + timedelta(days=1))
        first = self._closing(self.days[3])
        first.action_close()
        same_day = self._closing(self.days[3])
        with self.assertRefused(UserError, first.name, "Choose a later day"):
            same_day.action_close()
        with self.assertRefused(UserError, "already closed"):
            first.action_close()
        with self.assertRefused(UserError, "reopen it before deleting"):
            first.unlink()

    def test_only_the_latest_closing_reopens_for_a_reason(self):
        expected = self._full_scan(self.days[4])
        first = self._closing(self.days[1])
        first.action_close()
        second = self._closing(self.days[4])
        second.action_close()
        first.reopen_reason = "Wrong day"
        with self.assertRefused(UserError, "Reopen " + second.name + " first"):
            first.action_reopen()
        with self.assertRefused(UserError, "Reason for Reopening"):
            second.action_reopen()
        second.reopen_reason = "A receipt of the 8th was forgotten"
        self.assertEqual(self.company.inventory_closing_id, second, "the chain's end")
        second.with_context(mail_notrack=False).action_reopen()
        self.assertEqual(second.state, "cancel")
        self.assertEqual(self.company.inventory_closing_id, first)
        self.assertTrue(second.line_ids, "kept for comparison")
        self.assertIn(
            "A receipt of the 8th was forgotten",
            second.message_ids.mapped("body")[0],
        )
        # the chain goes on from the first closing
        second.action_close()
        self.assertEqual((second.state, second.previous_id), ("done", first))
        self.assertFalse(second.reopen_reason)
        self.assertSameStock(self._snapshot(second), expected)

    def test_a_manager_without_a_time_zone_closes_in_the_company_s(self):
        self.stock_manager.tz = False
        self.company.partner_id.tz = "America/New_York"
        closing = self._closing(self.days[1])
        closing.action_close()
        self.assertEqual(closing.tz, "America/New_York")
        self.assertEqual(
            closing.cutoff,
            fields.Datetime.to_datetime(self.days[2]) + timedelta(hours=5),
            "midnight in New York, in UTC",
        )

    def test_its_history_speaks_the_manager_s_language(self):
        """A French manager closes and reopens: the chatter's state changes
        and note read in French."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["product_category_valuation"], ["fr_FR"], overwrite=True
        )
        self.stock_manager.lang = "fr_FR"
        closing = self._closing(self.days[1]).with_context(
            lang="fr_FR", mail_notrack=False, tracking_disable=False
        )
        self.env.cr.precommit.run()  # what the set-up left untracked
        closing.action_close()
        self.env.flush_all()
        self.env.cr.precommit.run()  # as the request's commit does
        closing.reopen_reason = "Une réception oubliée"
        closing.action_reopen()
        self.env.flush_all()
        self.env.cr.precommit.run()
        states = closing.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "state"
        )
        self.assertEqual(
            sorted(states.mapped("new_value_char")), ["Clôturée", "Rouverte"]
        )


class TestClosingAccess(ClosingCase):
    def test_requests_write_no_figure_of_a_closing(self):
        """A manager's request (a form, RPC, an import) sets no figure a
        closing computes, and changes a done closing only by reopening it."""
        Closing = self.env["stock.valuation.closing"].with_user(self.stock_manager)
        with self.assertRefused(UserError, "State", "Inventory Value", "computed"):
            Closing.create({"date": self.days[1], "state": "done", "total_value": 1.0})
        with self.assertRefused(UserError, "Cut-off", "computed"):
            Closing.with_context(default_cutoff=T0).create({"date": self.days[1]})
        closing = self._closing(self.days[1])
        self.assertEqual(closing.copy().state, "draft", "a copy is a new draft")
        for vals in ({"stale": True}, {"cutoff": T0}, {"line_ids": [Command.clear()]}):
            with self.subTest(vals=vals):
                with self.assertRefused(UserError, "computed when it is closed"):
                    closing.write(vals)
        closing.justification = "Known difference"  # a draft is the user's
        closing.action_close()
        for vals in ({"date": self.days[0]}, {"justification": "Rewritten"}):
            with self.subTest(vals=vals):
                with self.assertRefused(UserError, closing.name, "Reopen it"):
                    closing.write(vals)
        with self.assertRefused(UserError, "computed when it is closed"):
            closing.write({"state": "cancel"})
        self.assertEqual(
            (closing.state, closing.date, closing.justification),
            ("done", self.days[1], "Known difference"),
        )
        # reopened, it is the user's again
        closing.reopen_reason = "Wrong day"
        closing.action_reopen()
        closing.date = self.days[2]
        closing.action_close()
        self.assertEqual((closing.state, closing.date), ("done", self.days[2]))

    def test_only_inventory_valuation_managers_close_and_reopen(self):
        with self.assertRaises(AccessError):
            self._closing(self.days[1], user=self.stock_user)
        with self.assertRaises(AccessError):
            self._closing(self.days[1], user=self.accountant)
        closing = self._closing(self.days[1], user=self.account_manager)
        closing.action_close()
        self.assertEqual(closing.state, "done")
        # an accountant reads closings, and cannot close or reopen them
        seen = closing.with_user(self.accountant)
        self.assertEqual(seen.line_ids, closing.line_ids)
        with self.assertRaises(AccessError):
            seen.action_reopen()
        with self.assertRaises(AccessError):
            self.env["stock.valuation.closing"].with_user(self.stock_user).search([])

    def test_a_manager_without_an_email_address_closes_and_reopens(self):
        manager = new_test_user(
            self.env,
            "pcv_manager_without_email",
            groups="stock.group_stock_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
            email=False,
            tz="Europe/Brussels",
        )
        self.assertFalse(manager.email)
        closing = self._closing(self.days[1], user=manager)
        closing.with_context(mail_notrack=False).action_close()
        self.assertEqual(closing.state, "done")
        closing.reopen_reason = "The count of the 6th was wrong"
        closing.with_context(mail_notrack=False).action_reopen()
        self.assertEqual(closing.state, "cancel")
        note = closing.message_ids.filtered(
            lambda message: "The count of the 6th was wrong" in message.body
        )
        self.assertEqual(len(note), 1, "the reason stays in the chatter")
        self.assertEqual(note.author_id, manager.partner_id)
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))

    def test_each_company_has_its_own_chain(self):
        first = self._closing(self.days[2])
        first.action_close()
        other = self.setup_other_company(name="PCV Company E")["company"]
        self.stock_manager.company_ids |= other
        elsewhere = (
            self.env["stock.valuation.closing"]
            .with_user(self.stock_manager)
            .with_company(other)
            .create({"date": self.days[1]})
        )
        self.assertEqual(elsewhere.company_id, other)
        elsewhere.action_close()
        self.assertFalse(elsewhere.previous_id)
        self.assertFalse(elsewhere.line_ids)
        self.assertEqual(elsewhere.state, "done")
        # the user's other company does not see this company's closings, nor
        # their lines or receipts (which take their company from the closing)
        self.assertTrue(first.line_ids and first.receipt_ids)
        for model, records in (
            ("stock.valuation.closing", first),
            ("stock.valuation.closing.line", first.line_ids),
            ("stock.valuation.closing.receipt", first.receipt_ids),
            (
                "stock.valuation.closing.on.hand",
                self.env["stock.valuation.closing.on.hand"].search(
                    [("closing_id", "=", first.id)]
                ),
            ),
        ):
            with self.subTest(model=model):
                Model = (
                    self.env[model]
                    .with_user(self.stock_manager)
                    .with_context(allowed_company_ids=other.ids)
                )
                self.assertFalse(Model.search([("id", "in", records.ids)]))
                self.assertEqual(
                    Model.with_context(
                        allowed_company_ids=self.company.ids
                    ).search_count([("id", "in", records.ids)]),
                    len(records),
                )

    def test_default_date_is_the_end_of_last_month(self):
        closing = self.env["stock.valuation.closing"].with_user(self.stock_manager)
        self.assertEqual(
            closing.new({}).date,
            fields.Date.context_today(closing).replace(day=1) - timedelta(days=1),
        )
        self.assertIsInstance(closing.new({}).date, date)


class TestClosedPeriodLock(ClosingCase):
    """Once closed, nothing changes the valuation at or before the closing date:
    entries on stock valuation accounts dated in it, and its layers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.closing = cls.env["stock.valuation.closing"].create(
            {"date": cls.days[3], "justification": "Set-up"}
        )
        cls.closing.action_close()

    def test_entries_on_stock_accounts_dated_in_the_period(self):
        with self.assertRefused(
            UserError, self.closing.name, "310900", "Date it after", "reopen"
        ):
            self._entry(self.group_valuation, 50.0, date=self.days[1])
        # on other accounts, or after the closing date: as before
        other = self._entry(self.categ_income, 10.0, date=self.days[1])
        self.assertEqual(other.state, "posted")
        later = self._entry(self.group_valuation, 50.0, date=self.days[4])
        self.assertEqual(later.state, "posted")
        # an entry of the period cannot be reset to draft
        entry = self.fifo_product.stock_valuation_layer_ids.sorted("id")[
            0
        ].account_move_id
        self.assertLessEqual(entry.date, self.days[3])
        with self.assertRefused(UserError, self.closing.name):
            entry.button_draft()
        # reopened, the period is open again
        self.closing.reopen_reason = "Correction"
        self.closing.action_reopen()
        entry.button_draft()
        self.assertEqual(entry.state, "draft")

    def _draft_part(self, day):
        """(closing the report starts from, draft part, its item ids) of the
        group's stock account at the end of ``day``."""
        report = self._report(as_of_day=day)
        rec = {rec["account"]: rec for rec in report["reconciliation"]}[
            self.group_valuation
        ]
        options = self._engine()._get_options(self._data(as_of_day=day))
        return options["closing"], rec["draft"], rec["draft_ids"]

    def test_a_draft_in_the_closed_period_is_a_days_work(self):
        """An accountant's draft dated in the closed period, saved, edited,
        refused when posted and deleted, leaves the closing whole: the report
        keeps starting from it, and shows the draft, read live."""
        Move = self.env["account.move"].with_user(self.accountant)
        draft = Move.create(
            {
                "move_type": "entry",
                "date": self.days[1],
                "journal_id": self.company_data["default_journal_misc"].id,
                "line_ids": [
                    Command.create(
                        {"account_id": self.group_valuation.id, "balance": 40.0}
                    ),
                    Command.create(
                        {"account_id": self.categ_expense.id, "balance": -40.0}
                    ),
                ],
            }
        )
        stock_line = draft.line_ids.filtered(
            lambda line: line.account_id == self.group_valuation
        )
        draft.write(
            {
                "line_ids": [
                    Command.update(stock_line.id, {"balance": 45.0}),
                    Command.update(
                        (draft.line_ids - stock_line).id, {"balance": -45.0}
                    ),
                ]
            }
        )
        with self.assertRefused(UserError, self.closing.name, "Date it after"):
            draft.action_post()
        self.env.flush_all()
        self.assertEqual(draft.state, "draft")
        self.assertFalse(self.closing.stale)
        day = self.days[-1] + timedelta(days=1)
        self.assertEqual(
            self._draft_part(day), (self.closing, 45.0, stock_line.ids), "read live"
        )
        draft.unlink()
        self.env.flush_all()
        self.assertFalse(self.closing.stale)
        self.assertEqual(self._draft_part(day), (self.closing, 0.0, []))
        # a draft the closing saw, deleted since, is gone from the report too
        kept = self._entry(self.group_valuation, 12.0, state="draft", date=self.days[2])
        self.closing.reopen_reason = "A draft to see"
        self.closing.action_reopen()
        self.closing.action_close()
        self.assertEqual(
            self.closing.account_ids.filtered(
                lambda line: line.account_id == self.group_valuation
            ).parts["draft"],
            12.0,
        )
        kept.unlink()
        self.env.flush_all()
        self.assertFalse(self.closing.stale)
        self.assertEqual(self._draft_part(day), (self.closing, 0.0, []))
        # a posted item of the period changed behind the lock still counts
        item = self.fifo_product.stock_valuation_layer_ids.sorted("id")[
            0
        ].account_move_id.line_ids.filtered(
            lambda line: line.account_id == self.group_valuation
        )
        self.env.cr.execute(
            SQL(
                "UPDATE account_move_line SET balance = balance + 1 WHERE id = %s",
                item.id,
            )
        )
        self.env.invalidate_all()
        self.assertTrue(self.closing.stale)

    def test_stock_valued_in_the_period(self):
        quant = (
            self.env["stock.quant"]
            .with_context(inventory_mode=True)
            .create(
                {
                    "product_id": self.fifo_product.id,
                    "location_id": self.stock_location.id,
                    "inventory_quantity": 20,
                }
            )
        )
        quant.accounting_date = self.days[2]
        with self.assertRefused(UserError, self.closing.name):
            quant.action_apply_inventory()
        quant.accounting_date = self.days[4]
        quant.action_apply_inventory()
        self.assertEqual(self.fifo_product.qty_available, 20)

    def test_layers_of_the_period(self):
        layer = self.fifo_product.stock_valuation_layer_ids.sorted("id")[0]
        with self.assertRefused(UserError, self.closing.name, "PCV FIFO desk"):
            layer.value = 1.0
        with self.assertRefused(UserError, self.closing.name):
            layer.sudo().unlink()
        # what deliveries consume later stays writable
        layer.remaining_qty = layer.remaining_qty
        late = self.products().stock_valuation_layer_ids.filtered(
            lambda svl: svl.create_date >= self.closing.cutoff
        )[:1]
        self.assertTrue(late)
        late.description = "Changed after the closing"


class TestHeldDays(ClosingCase):
    """A closing and a change dated in its period, made at the same moment, write
    the same rows of days, so that one waits for the other (the race itself,
    with real cursors, is in ``tools/check_concurrency.py``)."""

    def _held(self):
        """The days held since the last call."""
        rows = self.env.execute_query(
            SQL(
                "DELETE FROM %s WHERE company_id = %s RETURNING day",
                SQL.identifier(DAYS),
                self.company.id,
            )
        )
        return {day for (day,) in rows}

    def test_changes_hold_their_days(self):
        self._held()
        self._entry(self.group_valuation, 50.0, date=self.days[1])
        self.assertEqual(self._held(), {self.days[1]})
        # today's entries, and those off the stock valuation accounts, hold none
        self._entry(self.group_valuation, 50.0)
        self._entry(self.categ_income, 10.0, date=self.days[2])
        self.assertEqual(self._held(), set())
        # unless a closing of today is open
        day = fields.Date.context_today(self.env.user)
        today = self._closing(day)
        self._entry(self.group_valuation, 50.0, date=day)
        self.assertEqual(self._held(), {day})
        today.unlink()
        # resetting an entry to draft holds its day too
        entry = self.fifo_product.stock_valuation_layer_ids.sorted("id")[
            0
        ].account_move_id
        entry.button_draft()
        self.assertEqual(self._held(), {entry.date})
        # and so does a change of an old layer's value
        layer = self.avco_product.stock_valuation_layer_ids.sorted("id")[0]
        layer.value += 1.0
        self.assertEqual(self._held(), {layer.create_date.date()})

    def test_a_closing_holds_its_period(self):
        self._held()
        first = self._closing(self.days[2])
        first.action_close()
        held = self._held()
        # a first closing: from the floor of history to the day after
        self.assertEqual(max(held), self.days[2] + timedelta(days=1))
        self.assertEqual(min(held), HISTORY_FLOOR)
        self.assertEqual(len(held), (max(held) - min(held)).days + 1, "every day")
        # the next closing holds its own period, from the previous closing's day
        second = self._closing(self.days[4], justification="Set-up")
        second.action_close()
        self.assertEqual(
            self._held(),
            {self.days[2] + timedelta(days=day) for day in range(-1, 4)},
        )

    def test_a_change_before_the_history_meets_a_first_closing(self):
        """An entry dated before anything a first closing could see (an opening
        balance posted at go-live) holds a day that the closing holds too."""
        self._held()
        opening = self._entry(self.group_valuation, 50.0, date=date(1999, 12, 31))
        self.assertEqual(self._held(), {HISTORY_FLOOR})
        closing = self._closing(self.days[2], justification="Opening balance")
        closing.action_close()
        self.assertIn(HISTORY_FLOOR, self._held())
        # now in the closed period: refused, however old
        with self.assertRefused(UserError, closing.name):
            opening.button_draft()
