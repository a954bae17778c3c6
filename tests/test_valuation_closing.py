# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Inventory closings: each a snapshot of the stock at the end of a day, computed
from the previous closing plus the layers since, equal to the full scan; the
ledger's agreement checked (or a justification kept); one chain per company,
reopened from its end only, by inventory valuation managers."""

import json
import random
from datetime import date, timedelta
from urllib.parse import parse_qs, urlparse

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .common_valuation import T0, ValuationReportCase


class ClosingCase(ValuationReportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # one layer a day from T0, its journal entry dated (and numbered) that day
        cls.env.flush_all()
        layers = cls.env["stock.valuation.layer"].search(
            [("product_id", "in", cls.products().ids)], order="id"
        )
        for day, layer in enumerate(layers):
            at = T0 + timedelta(days=day)
            prefix = f"{layer.account_move_id.journal_id.code}/{at:%Y/%m}/"
            cls.env.cr.execute(
                SQL(
                    "UPDATE stock_valuation_layer SET create_date = %(at)s"
                    " WHERE id = %(layer)s;"
                    " UPDATE account_move SET date = %(day)s, name = %(name)s,"
                    " sequence_prefix = %(prefix)s, sequence_number = %(number)s"
                    " WHERE id = %(move)s;"
                    " UPDATE account_move_line SET date = %(day)s"
                    " WHERE move_id = %(move)s",
                    at=at,
                    day=at.date(),
                    name=f"{prefix}{day + 1:04d}",
                    prefix=prefix,
                    number=day + 1,
                    layer=layer.id,
                    move=layer.account_move_id.id or 0,
                )
            )
        cls.env.invalidate_all()
        cls.days = [T0.date() + timedelta(days=day) for day in range(len(layers))]
        cls.stock_manager.tz = "Europe/Brussels"

    def _closing(self, day, user=None, **values):
        Closing = self.env["stock.valuation.closing"].with_user(
            user or self.stock_manager
        )
        return Closing.create({"date": day, **values})

    def _full_scan(self, day):
        """{product: (quantity, value)} of the report at the end of ``day``, by
        valuation date, in the closing user's time zone (from the start of
        history while no closing precedes ``day``)."""
        engine = self._engine(self.stock_manager).with_context(tz="Europe/Brussels")
        options = engine._get_options(
            {"company_id": self.company.id, "date": fields.Date.to_string(day)}
        )
        return {
            line["product_id"]: (line["quantity"], line["value"])
            for line in engine._get_valuation(options)[0]
            if line["quantity"] or line["value"]
        }

    def _snapshot(self, closing):
        """{product: (quantity, value)} of the closing's lines that hold some."""
        return {
            line.product_id.id: (line.quantity, line.value)
            for line in closing.line_ids
            if line.quantity or line.value
        }

    def assertSameStock(self, snapshot, full_scan):
        self.assertEqual(set(snapshot), set(full_scan))
        for product_id, (quantity, value) in full_scan.items():
            self.assertAlmostEqual(snapshot[product_id][0], quantity, 4)
            self.assertAlmostEqual(snapshot[product_id][1], value, 2)


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
        with self.assertRefused(UserError, "has not ended yet"):
            self._closing(fields.Date.today() + timedelta(days=1))
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


class TestClosingAccess(ClosingCase):
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


class TestReportFromClosings(ClosingCase):
    """The report starts from the latest closing at or before its date and reads
    only the layers since: the same figures as from the start of history, at
    every date, on both dating bases."""

    def _figures(self, day, date_basis):
        engine = self._engine(self.stock_manager).with_context(tz="Europe/Brussels")
        options = engine._get_options(
            {
                "company_id": self.company.id,
                "date": fields.Date.to_string(day),
                "date_basis": date_basis,
                "include_zero": True,
            }
        )
        lines = engine._get_valuation(options)[0]
        figures = {
            line["product_id"]: (round(line["quantity"], 4), round(line["value"], 2))
            for line in lines
        }
        accounts = {
            account: tuple(round(amount, 2) for amount in amounts)
            for account, amounts in engine._get_account_values(options).items()
        }
        return options, figures, accounts

    def test_figures_from_closings_equal_the_full_scan(self):
        # the entry of the second layer is dated after both closings: by
        # accounting date, the closings' stock must leave it out until then
        second = self.env["stock.valuation.layer"].search(
            [("product_id", "in", self.products().ids)], order="id"
        )[1]
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET date = %(day)s WHERE id = %(move)s;"
                " UPDATE account_move_line SET date = %(day)s WHERE move_id = %(move)s",
                day=self.days[6],
                move=second.account_move_id.id,
            )
        )
        self.env.invalidate_all()
        days = [
            self.days[0] - timedelta(days=1),
            *self.days,
            self.days[-1] + timedelta(days=1),
        ]
        expected = {
            (day, basis): self._figures(day, basis)[1:]
            for day in days
            for basis in ("valuation", "accounting")
        }
        closings = {}
        for day in (self.days[2], self.days[5]):
            closings[day] = self._closing(day, justification="Post-dated entry")
            closings[day].action_close()
        for (day, basis), (figures, accounts) in expected.items():
            with self.subTest(day=day, basis=basis):
                options, got_figures, got_accounts = self._figures(day, basis)
                starting = [closing for at, closing in closings.items() if at <= day]
                self.assertEqual(
                    options["closing"],
                    starting[-1] if starting else options["closing"].browse(),
                )
                self.assertEqual(got_figures, figures)
                self.assertEqual(got_accounts, accounts)
                if basis == "valuation":  # and Odoo's own valuation agrees
                    at = options["day_end"] - timedelta(seconds=1)
                    for product in self.products().with_context(to_date=at):
                        quantity, value = got_figures.get(product.id, (0.0, 0.0))
                        self.assertAlmostEqual(quantity, product.quantity_svl, 4)
                        self.assertAlmostEqual(value, product.value_svl, 2)

    def test_the_header_names_the_closing(self):
        closing = self._closing(self.days[3])
        closing.action_close()
        header = dict(self._report(date=T0 + timedelta(days=30))["header"])
        self.assertEqual(
            header["Figures From"],
            f"{closing.name} (stock closed at the end of Jan 8, 2026)",
        )
        header = dict(self._report(date=T0)["header"])
        self.assertEqual(
            header["Figures From"],
            "The start of history (no closing before this date).",
        )
        # the what-if columns start from the closing's receipts on hand, by
        # valuation date; by accounting date they read the whole history
        header = dict(self._report(show_what_if=True)["header"])
        self.assertEqual(
            header["Figures From"],
            f"{closing.name} (stock closed at the end of Jan 8, 2026)",
        )
        header = dict(
            self._report(show_what_if=True, date_basis="accounting")["header"]
        )
        self.assertEqual(
            header["Figures From"],
            "The start of history: by accounting date, the what-if columns read "
            "every receipt since the start.",
        )

    def test_changes_behind_the_lock_are_seen(self):
        closing = self._closing(self.days[3])
        closing.action_close()
        # stock moved after the closing: the closing still holds
        self._receive(self.fifo_product, 1, 5.0)
        self.env.flush_all()
        self.assertFalse(closing.stale)
        before = self._figures(self.days[-1] + timedelta(days=400), "valuation")[1]
        # a layer of the closed period changed through SQL
        layer = self.fifo_product.stock_valuation_layer_ids.sorted("id")[0]
        self.env.cr.execute(
            SQL(
                "UPDATE stock_valuation_layer SET value = value + 5 WHERE id = %s",
                layer.id,
            )
        )
        self.env.invalidate_all()
        self.assertTrue(closing.stale)
        options, figures, _accounts = self._figures(
            self.days[-1] + timedelta(days=400), "valuation"
        )
        self.assertFalse(options["closing"])
        self.assertEqual(options["closing_skipped"], (closing, "stale"))
        quantity, value = before[self.fifo_product.id]
        self.assertEqual(figures[self.fifo_product.id], (quantity, round(value + 5, 2)))
        header = dict(self._report()["header"])
        self.assertIn(
            f"closed by {closing.name} changed behind its lock", header["Figures From"]
        )
        # the next closing starts from the start of history, and holds
        following = self._closing(
            self.days[-1] + timedelta(days=1), justification="SQL"
        )
        following.action_close()
        self.assertFalse(following.stale)
        self.assertSameStock(
            self._snapshot(following),
            self._full_scan(self.days[-1] + timedelta(days=1)),
        )
        # a layer slipped into the closed period is seen too
        self.env.cr.execute(
            SQL(
                "INSERT INTO stock_valuation_layer (company_id, product_id, quantity,"
                " value, create_date) VALUES (%s, %s, 1, 1, %s)",
                self.company.id,
                self.avco_product.id,
                T0,
            )
        )
        self.env.invalidate_all()
        self.assertTrue(following.stale)

    def test_a_closing_prints_through_the_report(self):
        closing = self._closing(self.days[3])
        closing.action_close()
        for button, output in (
            ("action_print_pdf", "pdf"),
            ("action_export_xlsx", "xlsx"),
        ):
            action = getattr(closing.with_user(self.accountant), button)()
            url = urlparse(action["url"])
            self.assertEqual(
                url.path, f"/product_category_valuation/valuation.{output}"
            )
            data = json.loads(parse_qs(url.query)["options"][0])
            self.assertEqual(data["date"], fields.Date.to_string(closing.date))
            engine = self._engine(self.accountant).with_context(tz="Europe/Brussels")
            options = engine._get_options(data)
            self.assertEqual(options["closing"], closing)
            report = engine._get_report_data(data)
            self.assertIn(closing.name, dict(report["header"])["Figures From"])
            total = next(row for row in report["rows"] if row["kind"] == "total")
            self.assertAlmostEqual(total["value"], closing.total_value, 2)


class TestWhatIfFromClosings(ClosingCase):
    """A closing keeps the receipts that FIFO and LIFO leave on hand; the
    what-if columns start from them and read only the receipts since."""

    def _incoming(self, product):
        """The product's incoming layers, earliest first."""
        return self.env["stock.valuation.layer"].search(
            [("product_id", "=", product.id), ("quantity", ">", 0)],
            order="create_date, id",
        )

    def _receipts(self, closing, product):
        return [
            (
                receipt.layer_id,
                receipt.quantity,
                receipt.value,
                receipt.received_before,
                receipt.value_before,
            )
            for receipt in closing.receipt_ids.sorted("received_before")
            if receipt.product_id == product
        ]

    def _what_if(self, day, **values):
        engine = self._engine(self.stock_manager).with_context(tz="Europe/Brussels")
        options = engine._get_options(
            {
                "company_id": self.company.id,
                "date": fields.Date.to_string(day),
                "show_what_if": True,
                **values,
            }
        )
        lines = engine._get_valuation(options)[0]
        return options, {line["product_id"]: line for line in lines}

    def test_a_closing_keeps_its_receipts(self):
        """Each closing writes the receipts of its period, with what the
        product had received before each since the start of history."""
        # the desk: +10 @ 5, +10 @ 8, -12, a return of 3
        first, second, returned = self._incoming(self.fifo_product)
        closing = self._closing(self.days[3])
        closing.action_close()
        self.assertTrue(closing.from_start)
        self.assertEqual(
            self._receipts(closing, self.fifo_product),
            [
                (first, 10.0, 50.0, 0.0, 0.0),
                (second, 10.0, 80.0, 10.0, 50.0),
                (returned, 3.0, returned.value, 20.0, 130.0),
            ],
        )
        self.assertEqual(closing.receipt_ids.product_id, self.fifo_product)
        line = closing.line_ids.filtered(
            lambda line: line.product_id == self.fifo_product
        )
        self.assertEqual(
            (line.incoming_quantity, line.incoming_value),
            (23.0, 130.0 + returned.value),
        )
        # the next closing writes its own period's receipts only: the chair's
        # (+10 @ 10, +10 @ 20) and the lamp's
        cheap, dear = self._incoming(self.avco_product)
        (lamp,) = self._incoming(self.std_product)
        later = self._closing(self.days[-1], justification="Revaluation")
        later.action_close()
        self.assertFalse(later.from_start)
        self.assertEqual(later.receipt_ids.layer_id, cheap | dear | lamp)
        self.assertEqual(
            self._receipts(later, self.avco_product),
            [(cheap, 10.0, 100.0, 0.0, 0.0), (dear, 10.0, 200.0, 10.0, 100.0)],
        )
        self.assertEqual(later._receipts_chain(), later | closing)
        # a closing after a stale one starts again from the start of history
        later.stale = True
        last = self._closing(self.days[-1] + timedelta(days=1))
        last.action_close()
        self.assertTrue(last.from_start)
        self.assertEqual(last._receipts_chain(), last)
        self.assertEqual(len(last.receipt_ids), 6)

    def test_what_if_columns_from_a_closing(self):
        days = [*self.days, self.days[-1] + timedelta(days=3)]
        expected = {day: self._what_if(day)[1] for day in days}
        closing = self._closing(self.days[3])
        closing.action_close()
        for day in days:
            with self.subTest(day=day):
                options, lines = self._what_if(day)
                self.assertEqual(
                    options["closing"],
                    closing if day >= self.days[3] else closing.browse(),
                )
                self.assertEqual(set(lines), set(expected[day]))
                for product_id, line in lines.items():
                    for key in (
                        "quantity",
                        "value",
                        "fifo_value",
                        "lifo_value",
                        "average_value",
                        "standard_value",
                    ):
                        self.assertAlmostEqual(
                            line[key], expected[day][product_id][key], 2, key
                        )

    def test_fifo_and_lifo_from_a_closing_are_those_of_the_whole_history(self):
        """Once the stock grows again after a closing, LIFO still takes the
        earliest receipts of the whole history, those that the closing had
        already let go included (not the closing's stock first, as a LIFO
        layered per period would)."""
        *_earlier, returned = self._incoming(self.fifo_product)
        receipt = self._receive(self.fifo_product, 10, 20.0)
        received = self.days[-1] + timedelta(days=2)
        layers = receipt.stock_valuation_layer_ids
        self.env.cr.execute(
            SQL(
                "UPDATE stock_valuation_layer SET create_date = %(at)s"
                " WHERE id IN %(layers)s;"
                " UPDATE account_move SET date = %(day)s WHERE id IN %(moves)s;"
                " UPDATE account_move_line SET date = %(day)s"
                " WHERE move_id IN %(moves)s",
                at=fields.Datetime.to_datetime(received) + timedelta(hours=9),
                layers=tuple(layers.ids),
                day=received,
                moves=tuple(layers.account_move_id.ids),
            )
        )
        self.env.invalidate_all()
        day = self.days[-1] + timedelta(days=3)
        # 21 on hand: the last 21 units received for FIFO, the first for LIFO
        fifo = 200.0 + returned.value + 8 * 8.0
        lifo = 50.0 + 80.0 + returned.value / 3
        # closed at day 3 with 11 on hand: FIFO and LIFO then kept 11 units
        self._closing(self.days[3]).action_close()
        for basis in ("valuation", "accounting"):
            with self.subTest(basis=basis):
                options, lines = self._what_if(day, date_basis=basis)
                # by accounting date, the what-if columns read the whole history
                self.assertEqual(bool(options["closing"]), basis == "valuation")
                desk = lines[self.fifo_product.id]
                self.assertEqual(desk["quantity"], 21.0)
                self.assertAlmostEqual(desk["fifo_value"], fifo, 2)
                self.assertAlmostEqual(desk["lifo_value"], lifo, 2)
                # (a LIFO layered per closing: 10 @ 5 + 1 @ 8 + 10 @ 20)
                self.assertNotAlmostEqual(desk["lifo_value"], 258.0, 2)


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
            self._items(first.adjustment_move_id),
            [("311000", 40.0), ("600100", -30.0), ("603100", -10.0)],
        )
        self.assertEqual(first.adjustment_move_id.date, first.date)
        self.assertEqual(first.adjustment_move_id.state, "posted")
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
            self._items(second.adjustment_move_id),
            [("311000", -9.0), ("600100", 9.0)],
        )
        # reopened: reversed on its day; closed again: posted again
        second.reopen_reason = "Count error"
        second.action_reopen()
        reversal = second.adjustment_move_id.reversal_move_ids
        self.assertEqual(self._items(reversal), [("311000", 9.0), ("600100", -9.0)])
        self.assertEqual((reversal.state, reversal.date), ("posted", second.date))
        second.action_close()
        self.assertEqual(
            self._items(second.adjustment_move_id),
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
        self.assertFalse(closing.adjustment_move_id)


class TestRandomHistories(ClosingCase):
    """Histories drawn at random (seeded, so that a failure repeats): receipts
    and deliveries on random days, some entries post-dated, closings on random
    days; at every day and on both dating bases, the figures from the closings
    equal those computed before any closing, and Odoo's own valuation."""

    def _history(self, rng):
        products = self.products()
        moves = []
        for _index in range(24):
            product = rng.choice(products)
            if rng.random() < 0.6 or not product.qty_available:
                moves.append(
                    self._receive(product, rng.randint(1, 9), rng.randint(2, 30))
                )
            else:
                moves.append(
                    self._deliver(product, rng.randint(1, int(product.qty_available)))
                )
        self.env.flush_all()
        start = self.days[-1] + timedelta(days=1)
        for move in moves:
            day = start + timedelta(days=rng.randint(0, 19))
            entry_day = day + timedelta(days=rng.choice((0, 0, 0, 2)))
            layers = move.stock_valuation_layer_ids
            self.env.cr.execute(
                SQL(
                    "UPDATE stock_valuation_layer SET create_date = %(at)s"
                    " WHERE id IN %(layers)s;"
                    " UPDATE account_move SET date = %(day)s WHERE id IN %(moves)s;"
                    " UPDATE account_move_line SET date = %(day)s"
                    " WHERE move_id IN %(moves)s",
                    at=fields.Datetime.to_datetime(day) + timedelta(hours=9),
                    layers=tuple(layers.ids),
                    day=entry_day,
                    moves=tuple(layers.account_move_id.ids) or (0,),
                )
            )
        self.env.invalidate_all()
        return [start + timedelta(days=offset) for offset in range(-1, 23)]

    def _figures(self, day, basis):
        engine = self._engine(self.stock_manager).with_context(tz="Europe/Brussels")
        options = engine._get_options(
            {
                "company_id": self.company.id,
                "date": fields.Date.to_string(day),
                "date_basis": basis,
                "include_zero": True,
            }
        )
        lines = engine._get_valuation(options)[0]
        return options, {
            line["product_id"]: (round(line["quantity"], 4), round(line["value"], 2))
            for line in lines
        }

    def _what_if(self, day):
        """{product: line} of the report with the what-if columns at the end of
        ``day`` (by valuation date), and its options."""
        engine = self._engine(self.stock_manager).with_context(tz="Europe/Brussels")
        options = engine._get_options(
            {
                "company_id": self.company.id,
                "date": fields.Date.to_string(day),
                "show_what_if": True,
            }
        )
        lines = engine._get_valuation(options)[0]
        return options, {line["product_id"]: line for line in lines}

    def _what_if_oracle(self, product, bound):
        """FIFO and LIFO values of the product's stock of the layers created
        before ``bound``, from its receipts in the order they came: the last
        units received for FIFO, the first ones for LIFO; what no receipt
        covers at the average cost of all of them."""
        layers = self.env["stock.valuation.layer"].search(
            [("product_id", "=", product.id), ("create_date", "<", bound)],
            order="create_date, id",
        )
        quantity = sum(layers.mapped("quantity"))
        incoming = [
            (layer.quantity, layer.value) for layer in layers if layer.quantity > 0
        ]
        received = sum(q for q, _v in incoming)
        average = sum(v for _q, v in incoming) / received if received else 0.0

        def taken(order):
            left, value = max(quantity, 0.0), 0.0
            for layer_quantity, layer_value in order:
                take = min(layer_quantity, left)
                value += layer_value / layer_quantity * take
                left -= take
            return value + (quantity - min(received, max(quantity, 0.0))) * average

        return {"fifo_value": taken(reversed(incoming)), "lifo_value": taken(incoming)}

    def test_random_histories(self):
        for seed in (7, 2026):
            with self.subTest(seed=seed):
                rng = random.Random(seed)
                with self.env.cr.savepoint(flush=False) as savepoint:
                    days = self._history(rng)
                    expected = {
                        (day, basis): self._figures(day, basis)[1]
                        for day in days
                        for basis in ("valuation", "accounting")
                    }
                    what_if = {day: self._what_if(day)[1] for day in days}
                    closed = sorted(rng.sample(days[1:-2], 3))
                    closings = self.env["stock.valuation.closing"]
                    for day in closed:
                        closing = self._closing(day, justification="Post-dated entries")
                        closing.action_close()
                        closings |= closing
                    for day in days:
                        self._check_what_if(day, what_if[day])
                    for (day, basis), figures in expected.items():
                        options, got = self._figures(day, basis)
                        self.assertEqual(
                            bool(options["closing"]),
                            any(d <= day for d in closed),
                            f"{day} {basis}",
                        )
                        self.assertEqual(got, figures, f"{day} {basis}")
                        if basis == "valuation":
                            at = options["day_end"] - timedelta(seconds=1)
                            for product in self.products().with_context(to_date=at):
                                quantity, value = got.get(product.id, (0.0, 0.0))
                                self.assertAlmostEqual(
                                    quantity, product.quantity_svl, 4
                                )
                                self.assertAlmostEqual(value, product.value_svl, 2)
                    savepoint.rollback()
                self.env.invalidate_all()

    def _check_what_if(self, day, before):
        """The what-if columns at ``day`` from the closings: those computed
        from the start of history before any closing (``before``), and the
        oracle's FIFO and LIFO."""
        options, lines = self._what_if(day)
        self.assertEqual(set(lines), set(before), day)
        for product_id, line in lines.items():
            for key in (
                "quantity",
                "value",
                "fifo_value",
                "lifo_value",
                "average_value",
                "standard_value",
            ):
                self.assertAlmostEqual(
                    line[key],
                    before[product_id][key],
                    delta=0.0101,
                    msg=f"{key} {day}",
                )
            product = self.env["product.product"].browse(product_id)
            oracle = self._what_if_oracle(product, options["day_end"])
            for key, expected in oracle.items():
                self.assertAlmostEqual(
                    line[key], expected, delta=0.0101, msg=f"{key} {product.name} {day}"
                )
