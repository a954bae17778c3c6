# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The what-if columns on histories made through Odoo's own documents: purchase
orders and their receipts, vendor bills above or below the orders (Odoo adds a
price difference to the receipt), landed costs, the Revaluation wizard, sales
and their deliveries. For a FIFO product whose history has no return and never
goes below zero, what-if FIFO is Odoo's own value at every date, from the start
of history and from closings alike."""

import random
from datetime import datetime, timedelta

from odoo import fields

from .common_flows import CompanyFlowsCase
from .common_valuation import what_if_oracle

T0 = datetime(2026, 6, 1, 8, 0)
ENGINE = "report.product_category_valuation.inventory_valuation"


class TestWhatIfOfRealFlows(CompanyFlowsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.controller.tz = "UTC"
        cls.category = cls.env["product.category"].create(
            {
                "name": "PCV Imports",
                "property_cost_method": "fifo",
                "property_valuation": "real_time",
            }
        )
        cls.items = cls.env["product.product"].create(
            [
                {
                    "name": f"PCV Imported {name}",
                    "is_storable": True,
                    "categ_id": cls.category.id,
                    "taxes_id": [],
                    "supplier_taxes_id": [],
                }
                for name in ("lamp", "rug")
            ]
        )

    def test_a_landed_cost_after_a_delivery(self):
        """10 received at 10.00, 4 delivered, 20.00 of freight landed on the
        receipt: Odoo adds 12.00 to the 6 left (72.00), and so does FIFO."""
        lamp = self.items[0]
        order = self._purchase(lamp, 10, 10.0)
        self._sell(lamp, 4, 30.0)
        self._land(order.picking_ids, 20.0)
        self.assertAlmostEqual(lamp.value_svl, 72.0, 2)
        line = self._lines(datetime.now() + timedelta(minutes=1))[lamp.id]
        # FIFO keeps the 6 units the freight was landed on, LIFO the first 6
        # received, 2 of which it was landed on
        self.assertEqual(
            (line["value"], line["fifo_value"], line["lifo_value"]), (72.0, 72.0, 64.0)
        )
        # the average counts every value received: (100 + 12) / 10 a unit
        self.assertAlmostEqual(line["average_value"], 67.2, 2)
        # five more at 20.00, billed at 22.00: Odoo adds the difference
        second = self._purchase(lamp, 5, 20.0)
        self._bill(second, 22.0)
        line = self._lines(datetime.now() + timedelta(minutes=1))[lamp.id]
        self.assertAlmostEqual(lamp.value_svl, 182.0, 2)
        self.assertEqual(line["fifo_value"], 182.0)
        # LIFO: the first 10 units (112.00) and one of the last five (22.00)
        self.assertEqual(line["lifo_value"], 134.0)

    def _on_day(self, day, before):
        """Date the items' layers made since ``before`` (a set of ids) on
        ``day``, an hour apart from 8:00; returns every layer id now."""
        layers = self.env["stock.valuation.layer"].search(
            [("product_id", "in", self.items.ids)]
        )
        self._date_history(
            layers.filtered(lambda layer: layer.id not in before),
            datetime.combine(day, datetime.min.time()) + timedelta(hours=8),
            step=timedelta(hours=1),
        )
        return set(layers.ids)

    def _close(self, day):
        closing = (
            self.env["stock.valuation.closing"]
            .with_user(self.controller)
            .create({"date": day, "justification": "Entries of the receipts today"})
        )
        closing.action_close()
        return closing

    def _on_hand(self, closing, method):
        """[(receipt, quantity, value)] that ``method`` keeps at ``closing``."""
        rows = self.env["stock.valuation.closing.on.hand"].search(
            [("closing_id", "=", closing.id), ("method", "=", method)]
        )
        return [(row.layer_id, row.quantity, round(row.value, 2)) for row in rows]

    def test_a_landed_cost_on_a_receipt_of_a_closed_period(self):
        """A closing that follows a landed cost on a receipt of an earlier
        closing holds the receipts with the added value; the report reads its
        parts, not those of the earlier closing, for the same units."""
        lamp = self.items[0]
        day_1, day_2, day_3 = (T0.date() + timedelta(days=n) for n in range(3))
        first_order = self._purchase(lamp, 10, 10.0)
        self._purchase(lamp, 5, 20.0)
        self._sell(lamp, 4, 30.0)
        seen = self._on_day(day_1, set())
        self._close(day_1)
        self._land(first_order.picking_ids, 20.0)  # 12.00 on the 6 left
        seen = self._on_day(day_2, seen)
        closing = self._close(day_2)
        layers = lamp.stock_valuation_layer_ids.sorted("id")
        first, second = layers.filtered(lambda layer: layer.quantity > 0)
        # FIFO keeps the last 11 units: 6 of the first receipt, with the
        # freight; LIFO the first 11, all 10 of the first receipt
        self.assertEqual(
            self._on_hand(closing, "fifo"), [(first, 6.0, 72.0), (second, 5.0, 100.0)]
        )
        self.assertEqual(
            self._on_hand(closing, "lifo"), [(first, 10.0, 112.0), (second, 1.0, 20.0)]
        )
        # 8 delivered: the first receipt's 6 (72.00) and 2 of the second
        self._sell(lamp, 8, 30.0)
        self._on_day(day_3, seen)
        at = datetime.combine(day_3, datetime.max.time())
        engine = self.env[ENGINE].with_user(self.controller)
        options = engine._get_options(
            {"company_id": self.company.id, "date": day_3, "show_what_if": True}
        )
        self.assertEqual(options["closing"], closing)
        line = self._lines(day_3)[lamp.id]
        self.assertAlmostEqual(lamp.with_context(to_date=at).value_svl, 60.0, 2)
        self.assertEqual(
            (line["quantity"], line["value"], line["fifo_value"], line["lifo_value"]),
            (3.0, 60.0, 60.0, 30.0),
        )

    def _lines(self, at, **values):
        engine = self.env[ENGINE].with_user(self.controller)
        options = engine._get_options(
            {
                "company_id": self.company.id,
                "date": at,
                "include_zero": True,
                "show_what_if": True,
                **values,
            }
        )
        lines = engine._get_valuation(options)[0]
        return {line["product_id"]: line for line in lines}

    def _play(self, rng, steps):
        """Random purchases, bills, landed costs, revaluations and sales of the
        items, never below zero, never returned."""
        unbilled, receipts = [], []
        for _step in range(steps):
            item = rng.choice(self.items)
            on_hand = int(item.qty_available)
            operation = rng.choices(
                ["buy", "bill", "land", "revalue", "sell"], weights=[6, 3, 3, 1, 5]
            )[0]
            if operation == "buy" or (operation == "sell" and not on_hand):
                order = self._purchase(
                    item, rng.randint(1, 12), rng.randint(500, 3000) / 100
                )
                unbilled.append(order)
                receipts.append(order.picking_ids)
            elif operation == "bill" and unbilled:
                order = unbilled.pop(rng.randrange(len(unbilled)))
                price = order.order_line.price_unit
                self._bill(order, round(price * rng.choice([0.9, 1.0, 1.07, 1.3]), 2))
            elif operation == "land" and receipts:
                self._land(rng.choice(receipts), rng.randint(100, 4000) / 100)
            elif operation == "revalue" and on_hand:
                self._revalue(item, rng.randint(100, 3000) / 100)
            elif operation == "sell" and on_hand:
                self._sell(item, rng.randint(1, on_hand), 50.0)

    def _oracle(self, item, at):
        layers = self.env["stock.valuation.layer"].search(
            [("product_id", "=", item.id), ("create_date", "<=", at)],
            order="create_date, id",
        )
        return what_if_oracle(layers)

    def _check(self, at, before=None):
        """At ``at``: every item's what-if FIFO is Odoo's value, and the
        oracle's figures; those computed before any closing (``before``) too."""
        lines = self._lines(at)
        for item in self.items.with_context(to_date=at):
            line = lines.get(item.id)
            if not line:
                self.assertFalse(item.quantity_svl, f"{item.name} at {at}")
                continue
            where = f"{item.name} at {at}"
            # Odoo rounds to the cent the value each delivery takes off a
            # receipt, where the report keeps the exact share: half a cent a
            # delivery at most between the two
            deliveries = self.env["stock.valuation.layer"].search_count(
                [
                    ("product_id", "=", item.id),
                    ("create_date", "<=", at),
                    ("quantity", "<", 0),
                ]
            )
            self.assertAlmostEqual(
                line["fifo_value"],
                item.value_svl,
                delta=0.005 * (deliveries + 1) + 1e-6,
                msg=where,
            )
            for key, expected in self._oracle(item, at).items():
                self.assertAlmostEqual(line[key], expected, delta=0.0101, msg=where)
            if before:
                for key in ("quantity", "value", "fifo_value", "lifo_value"):
                    self.assertAlmostEqual(
                        line[key], before[item.id][key], delta=0.0101, msg=where
                    )
        return lines

    def test_random_histories_of_real_flows(self):
        for seed in (35, 2026):
            with self.subTest(seed=seed), self.env.cr.savepoint() as savepoint:
                rng = random.Random(seed)
                self._play(rng, 30)
                layers = self.env["stock.valuation.layer"].search(
                    [("product_id", "in", self.items.ids)]
                )
                self.assertTrue(layers.filtered("stock_landed_cost_id"))
                self.assertTrue(layers.filtered("account_move_line_id"), "a price diff")
                dates = sorted(set(self._date_history(layers, T0).values()))
                moments = [T0 - timedelta(hours=1)] + [
                    date + timedelta(minutes=1) for date in dates
                ]
                before = {at: self._check(at) for at in moments}
                # two closings, then every figure again from them
                days = sorted({date.date() for date in dates})
                for day in sorted(rng.sample(days[1:-1], 2)):
                    closing = (
                        self.env["stock.valuation.closing"]
                        .with_user(self.controller)
                        .create(
                            {
                                "date": fields.Date.to_string(day),
                                "justification": "Entries of the receipts today",
                            }
                        )
                    )
                    closing.action_close()
                for at in moments:
                    self._check(at, before[at])
                savepoint.rollback()
