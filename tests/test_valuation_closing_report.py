# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The valuation report from inventory closings: the same figures as from the
start of history, at every date and on both dating bases, the what-if columns
included; the header names the closing; changes behind the lock are seen."""

import json
import random
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL

from .common_closing import WHAT_IF_LINE_KEYS, ClosingCase
from .common_valuation import T0, what_if_oracle


class TestReportFromClosings(ClosingCase):
    """The report starts from the latest closing at or before its date and reads
    only the layers since: the same figures as from the start of history, at
    every date, on both dating bases."""

    def _figures(self, day, date_basis):
        options, lines = self._valuation(day, date_basis=date_basis, include_zero=True)
        figures = {
            product_id: (round(line["quantity"], 4), round(line["value"], 2))
            for product_id, line in lines.items()
        }
        accounts = {
            account: tuple(round(amount, 2) for amount in amounts)
            for account, amounts in self._engine(self.stock_manager)
            ._get_account_values(options)
            .items()
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

    def test_journal_items_changed_behind_the_lock_are_seen(self):
        closing = self._closing(self.days[3])
        closing.action_close()
        item = self.fifo_product.stock_valuation_layer_ids.sorted("id")[
            0
        ].account_move_id.line_ids.filtered(
            lambda line: line.account_id == self.group_valuation
        )
        self.assertLessEqual(item.date, closing.date)
        other = self._entry(self.categ_income, 10.0, date=self.days[1])
        later = self._entry(self.group_valuation, 5.0, date=self.days[4])
        self.env.flush_all()
        # items of other accounts, or dated after the closing: it still holds
        for sql in (
            SQL(
                "UPDATE account_move_line SET balance = balance + 1 WHERE move_id = %s",
                other.id,
            ),
            SQL(
                "UPDATE account_move_line SET balance = balance + 1 WHERE move_id = %s",
                later.id,
            ),
            SQL("DELETE FROM account_move_line WHERE move_id = %s", later.id),
        ):
            self.env.cr.execute(sql)
            self.env.invalidate_all()
            self.assertFalse(closing.stale, sql.code)
        # an item of a stock account dated in the closed period
        self.env.cr.execute(
            SQL(
                "UPDATE account_move_line SET balance = balance + 1 WHERE id = %s",
                item.id,
            )
        )
        self.env.invalidate_all()
        self.assertTrue(closing.stale)
        header = dict(self._report()["header"])
        self.assertIn(
            f"journal items of the period closed by {closing.name} changed",
            header["Figures From"],
        )
        # inserted or deleted by SQL, likewise
        for sql in (
            SQL(
                "INSERT INTO account_move_line (move_id, account_id, company_id,"
                " currency_id, balance, date, parent_state, display_type)"
                " SELECT move_id, account_id, company_id, currency_id, 3, date,"
                " parent_state, display_type FROM account_move_line WHERE id = %s",
                item.id,
            ),
            SQL("DELETE FROM account_move_line WHERE id = %s", item.id),
        ):
            self.env.cr.execute(
                SQL(
                    "UPDATE stock_valuation_closing SET stale = FALSE WHERE id = %s",
                    closing.id,
                )
            )
            self.env.cr.execute(sql)
            self.env.invalidate_all()
            self.assertTrue(closing.stale, sql.code)

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

    def test_a_closing_too_long_to_print_says_so_on_its_form(self):
        closing = self._closing(self.days[3])
        closing.action_close()
        self.env["ir.config_parameter"].set_param(
            "product_category_valuation.detail_rows_limit_pdf", "1"
        )
        with self.assertRaisesRegex(UserError, "too many for a PDF. Export it to XLSX"):
            closing.with_user(self.accountant).action_print_pdf()
        action = closing.with_user(self.accountant).action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")


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
        later.sudo().stale = True  # as the watermark's triggers flag it
        last = self._closing(self.days[-1] + timedelta(days=1))
        last.action_close()
        self.assertTrue(last.from_start)
        self.assertEqual(last._receipts_chain(), last)
        self.assertEqual(len(last.receipt_ids), 6)

    def _on_hand(self, closing, product, method):
        rows = self.env["stock.valuation.closing.on.hand"].search(
            [
                ("closing_id", "=", closing.id),
                ("product_id", "=", product.id),
                ("method", "=", method),
            ]
        )
        return [(row.layer_id, row.quantity, round(row.value, 6)) for row in rows]

    def test_receipts_on_hand_at_a_closing(self):
        """What FIFO and LIFO keep at a closing's cut-off, read from the
        receipts of its chain: the tranches that the what-if columns value."""
        first, second, returned = self._incoming(self.fifo_product)
        closing = self._closing(self.days[3])
        closing.action_close()
        # the desk: 11 of the 23 units received are on hand
        self.assertEqual(
            self._on_hand(closing, self.fifo_product, "fifo"),
            [(second, 8.0, 64.0), (returned, 3.0, round(returned.value, 6))],
        )
        self.assertEqual(
            self._on_hand(closing, self.fifo_product, "lifo"),
            [(first, 10.0, 50.0), (second, 1.0, 8.0)],
        )
        # the next closing reads the desk's receipts in the first one
        cheap, dear = self._incoming(self.avco_product)
        later = self._closing(self.days[-1], justification="Revaluation")
        later.action_close()
        self.assertEqual(
            self._on_hand(later, self.fifo_product, "lifo"),
            [(first, 10.0, 50.0), (second, 1.0, 8.0)],
        )
        self.assertEqual(
            self._on_hand(later, self.avco_product, "fifo"),
            [(cheap, 6.0, 60.0), (dear, 10.0, 200.0)],
        )
        self.assertEqual(
            self._on_hand(later, self.avco_product, "lifo"),
            [(cheap, 10.0, 100.0), (dear, 6.0, 120.0)],
        )
        # they add up to the what-if columns at the closing date
        lines = self._what_if(self.days[-1])[1]
        OnHand = self.env["stock.valuation.closing.on.hand"]
        for product in self.products():
            for method in ("fifo", "lifo"):
                rows = OnHand.search(
                    [
                        ("closing_id", "=", later.id),
                        ("product_id", "=", product.id),
                        ("method", "=", method),
                    ]
                )
                self.assertAlmostEqual(
                    sum(rows.mapped("value")),
                    lines[product.id][f"{method}_value"],
                    2,
                    f"{method} {product.name}",
                )
        # the closing's button opens them
        action = later.with_user(self.stock_manager).action_open_on_hand()
        self.assertEqual(action["res_model"], "stock.valuation.closing.on.hand")
        self.assertEqual(
            OnHand.search(action["domain"]),
            OnHand.search([("closing_id", "=", later.id)]),
        )
        self.assertEqual(len(OnHand.search(action["domain"])), 10)
        # its column says what it lists, and no total adds up quantities of
        # different products
        self.assertEqual(
            OnHand.fields_get(["method"])["method"]["string"], "What-If Method"
        )
        arch = OnHand.get_views([(False, "list")])["views"]["list"]["arch"]
        self.assertNotIn('name="quantity" sum=', arch)
        self.assertIn('name="value" sum=', arch)
        (fifo,) = OnHand.read_group(
            action["domain"] + [("method", "=", "fifo")],
            ["quantity", "value"],  # as the list asks: each by its aggregator
            ["method"],
        )
        self.assertNotIn("quantity", fifo)
        self.assertTrue(fifo["value"])

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
                    for key in WHAT_IF_LINE_KEYS:
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
        self._redate(
            receipt.stock_valuation_layer_ids, self.days[-1] + timedelta(days=2)
        )
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
        start = self.days[-1] + timedelta(days=1)
        for move in moves:
            day = start + timedelta(days=rng.randint(0, 19))
            entry_day = day + timedelta(days=rng.choice((0, 0, 0, 2)))
            self._redate(move.stock_valuation_layer_ids, day, entry_day)
        return [start + timedelta(days=offset) for offset in range(-1, 23)]

    def _figures(self, day, basis):
        options, lines = self._valuation(day, date_basis=basis, include_zero=True)
        return options, {
            product_id: (round(line["quantity"], 4), round(line["value"], 2))
            for product_id, line in lines.items()
        }

    def _what_if_oracle(self, product, bound):
        """The oracle's what-if values of the product's layers created before
        ``bound``."""
        return what_if_oracle(
            self.env["stock.valuation.layer"].search(
                [("product_id", "=", product.id), ("create_date", "<", bound)],
                order="create_date, id",
            )
        )

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
            for key in WHAT_IF_LINE_KEYS:
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
