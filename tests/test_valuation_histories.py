# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import random
from collections import defaultdict
from datetime import datetime, timedelta

import pytz

from odoo.tools import SQL

from .common_item_group import ItemGroupCase
from .common_valuation import what_if_oracle

T0 = datetime(2026, 3, 2, 8, 0)


class TestRandomHistories(ItemGroupCase):
    """Random stock histories, made by Odoo's own stock moves (receipts,
    deliveries beyond the stock on hand, customer returns, cost changes,
    products moved to a category of another costing method or valuation while
    they are in stock), each valued by the report at every date and compared
    with Odoo's own valuation (``quantity_svl``, ``value_svl``), with the
    what-if values of a Python oracle, and with the general ledger."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        accounts = {
            "property_stock_valuation_account_id": cls.categ_valuation.id,
            "property_stock_account_input_categ_id": cls.categ_input.id,
            "property_stock_account_output_categ_id": cls.categ_output.id,
        }

        def category(name, parent, cost_method, valuation):
            return Category.create(
                dict(
                    accounts,
                    name=name,
                    parent_id=parent.id,
                    property_cost_method=cost_method,
                    property_valuation=valuation,
                )
            )

        cls.root = Category.create({"name": "PCV Histories", "category_type": "view"})
        (cls.fifo_categ | cls.avco_categ).parent_id = cls.root
        cls.std_categ = category("PCV Standard", cls.root, "standard", "real_time")
        periodic = Category.create(
            {"name": "PCV Periodic", "parent_id": cls.root.id, "category_type": "view"}
        )
        cls.periodic_fifo = category(
            "PCV Periodic FIFO", periodic, "fifo", "manual_periodic"
        )
        cls.periodic_avco = category(
            "PCV Periodic AVCO", periodic, "average", "manual_periodic"
        )
        cls.categories = (
            cls.fifo_categ
            | cls.avco_categ
            | cls.std_categ
            | cls.periodic_fifo
            | cls.periodic_avco
        )
        Product = cls.env["product.product"]
        cls.history_products = cls.fifo_product | cls.avco_product
        for categ in cls.categories[2:]:
            cls.history_products |= Product.create(
                {
                    "name": f"{categ.name} item",
                    "is_storable": True,
                    "categ_id": categ.id,
                    "standard_price": 4.0,
                }
            )
        cls.other_company = cls.env["res.company"].create({"name": "PCV Other"})
        cls.env.user.company_ids |= cls.other_company

    # ------------------------------------------------------------------
    # The history
    # ------------------------------------------------------------------
    def _play(self, seed, steps=36, switch_categories=True):
        """Play ``steps`` random operations, then date the layers from T0, one
        hour apart, one in four at the time of an earlier one. Returns the
        distinct dates of the layers, and whether a product changed category."""
        rng = random.Random(seed)
        products = list(self.history_products)
        deliveries = []
        switched = False
        for _step in range(steps):
            product = rng.choice(products)
            operation = rng.choices(
                ["receive", "deliver", "return", "cost", "category"],
                weights=[10, 6, 2, 2, 1 if switch_categories else 0],
            )[0]
            if operation == "receive":
                self._receive(product, rng.randint(1, 20), rng.randint(100, 5000) / 100)
            elif operation == "deliver":
                # deliveries may go below zero: Odoo values the negative stock
                quantity = rng.randint(1, 15)
                deliveries.append((self._deliver(product, quantity), quantity))
            elif operation == "return" and deliveries:
                delivery, quantity = rng.choice(deliveries)
                self._move(
                    delivery.product_id,
                    rng.randint(1, quantity),
                    self.customer_location,
                    self.stock_location,
                    origin_returned_move_id=delivery.id,
                )
            elif operation == "cost" and product.cost_method in ("standard", "average"):
                product.standard_price = rng.randint(100, 5000) / 100
            elif operation == "category":
                # Odoo empties and refills the stock at the new costing method
                others = self.categories - product.categ_id
                product.categ_id = rng.choice(list(others))
                switched = True
        # a layer of another company, never counted here
        self.env["stock.valuation.layer"].sudo().create(
            {
                "company_id": self.other_company.id,
                "product_id": products[0].id,
                "quantity": 7,
                "unit_cost": 3,
                "value": 21,
                "description": "PCV other company",
            }
        )
        self.env.flush_all()
        layers = self.env["stock.valuation.layer"].search(
            [("product_id", "in", self.history_products.ids)], order="id"
        )
        dates, date = [], T0
        for layer in layers:
            if dates and rng.random() < 0.25:
                # at the time of an earlier layer: ties, and dates whose order
                # is not the order of the layers' ids
                stamp = rng.choice(dates)
            else:
                date += timedelta(hours=1)
                stamp = date
                dates.append(stamp)
            self.env.cr.execute(
                SQL(
                    "UPDATE stock_valuation_layer SET create_date = %s WHERE id = %s",
                    stamp,
                    layer.id,
                )
            )
            if layer.account_move_id:
                # the entry dated the layer's day, the day before or the day after
                day = stamp.date() + timedelta(days=rng.choice([0, 0, -1, 1]))
                for table in ("account_move", "account_move_line"):
                    self.env.cr.execute(
                        SQL(
                            "UPDATE %s SET date = %s WHERE %s = %s",
                            SQL.identifier(table),
                            day,
                            SQL.identifier(
                                "id" if table == "account_move" else "move_id"
                            ),
                            layer.account_move_id.id,
                        )
                    )
        self.env.invalidate_all()
        return dates, switched

    # ------------------------------------------------------------------
    # The oracles
    # ------------------------------------------------------------------
    def _what_if_oracle(self, product, company, date):
        """FIFO, LIFO and average values of the on-hand quantity, from the
        incoming layers up to ``date`` in their order (date, then id)."""
        layers = (
            self.env["stock.valuation.layer"]
            .sudo()
            .search(
                [
                    ("product_id", "=", product.id),
                    ("company_id", "=", company.id),
                    ("create_date", "<=", date),
                ]
            )
            .sorted(lambda layer: (layer.create_date, layer.id))
        )
        oracle = what_if_oracle(layers)
        oracle["standard_value"] = (
            sum(layers.mapped("quantity"))
            * product.with_company(company).standard_price
        )
        return oracle

    def _report(self, company, date, **values):
        engine = self.env["report.product_category_valuation.inventory_valuation"]
        options = engine._get_options(
            dict(
                {"date": date, "company_id": company.id, "include_zero": True},
                **values,
            )
        )
        return engine._get_valuation(options), engine, options

    # ------------------------------------------------------------------
    # The checks
    # ------------------------------------------------------------------
    def _check_date(self, company, date):
        (lines, subtotals, total, accounts), engine, options = self._report(
            company, date, show_what_if=True
        )
        lines = {line["product_id"]: line for line in lines}
        where = f"{company.name} at {date}"
        for product in self.history_products.with_company(company).with_context(
            to_date=date
        ):
            line = lines.get(product.id)
            if line is None:
                self.assertFalse(product.quantity_svl or product.value_svl, where)
                continue
            self.assertAlmostEqual(
                line["quantity"], product.quantity_svl, 4, f"{product.name} {where}"
            )
            self.assertAlmostEqual(
                line["value"], product.value_svl, 2, f"{product.name} {where}"
            )
            self.assertEqual(line["category_id"], product.categ_id.id)
            oracle = self._what_if_oracle(product, company, date)
            for key, expected in oracle.items():
                self.assertAlmostEqual(
                    line[key], expected, delta=0.0101, msg=f"{key} {product} {where}"
                )
        # every level of the category tree is the sum of its products, to the cent
        by_category = defaultdict(lambda: defaultdict(float))
        for line in lines.values():
            category = self.env["product.category"].browse(line["category_id"])
            for ancestor_id in map(int, category.parent_path.rstrip("/").split("/")):
                for key in ("quantity", "value", "fifo_value", "lifo_value"):
                    by_category[ancestor_id][key] += line[key]
        self.assertEqual(set(subtotals), set(by_category), where)
        for category_id, sums in by_category.items():
            for key, expected in sums.items():
                self.assertAlmostEqual(
                    subtotals[category_id][key], expected, 2, f"{key} {where}"
                )
        self.assertAlmostEqual(
            total["value"], sum(line["value"] for line in lines.values()), 2
        )
        # every product posts to one stock account: the accounts hold the total
        self.assertAlmostEqual(sum(v for v, _e in accounts.values()), total["value"], 2)
        return engine, options, accounts

    def _check_accounting_basis(self, company, date, tz="Pacific/Auckland"):
        """By accounting date, a layer counts from the date of its journal entry,
        else from its creation day in the user's time zone (far from UTC here:
        the local day of a layer is often the next one)."""
        engine = self.env[
            "report.product_category_valuation.inventory_valuation"
        ].with_context(tz=tz)
        options = engine._get_options(
            {
                "date": date,
                "company_id": company.id,
                "include_zero": True,
                "date_basis": "accounting",
            }
        )
        lines = {line["product_id"]: line for line in engine._get_valuation(options)[0]}
        local = pytz.timezone(tz)
        as_of = pytz.utc.localize(date).astimezone(local).date()
        expected = defaultdict(lambda: [0.0, 0.0])
        layers = self.env["stock.valuation.layer"].search(
            [
                ("product_id", "in", self.history_products.ids),
                ("company_id", "=", company.id),
            ]
        )
        for layer in layers:
            day = (
                layer.account_move_id.date
                or pytz.utc.localize(layer.create_date).astimezone(local).date()
            )
            if day <= as_of:
                expected[layer.product_id.id][0] += layer.quantity
                expected[layer.product_id.id][1] += layer.value
        self.assertEqual(set(lines), set(expected), f"{as_of} in {tz}")
        for product_id, (quantity, value) in expected.items():
            self.assertAlmostEqual(lines[product_id]["quantity"], quantity, 4)
            self.assertAlmostEqual(lines[product_id]["value"], value, 2)

    def _check_ledger(self, company, date, switched):
        """Each stock account's difference with the ledger is explained: the
        layers without an entry (periodic products) and, only if products
        changed category, value posted to another account."""
        engine, options, accounts = self._check_date(company, date)
        reconciliation = engine._get_reconciliation(options, accounts)
        self.assertTrue(reconciliation)
        for row in reconciliation:
            buckets = row["buckets"]
            self.assertEqual(buckets["unlinked"], 0.0, row["account_name"])
            self.assertEqual(buckets["other_side"], 0.0, row["account_name"])
            self.assertAlmostEqual(
                buckets["no_entry"],
                -(row["report_value"] - row["with_entry"]),
                2,
                row["account_name"],
            )
            if not switched:
                self.assertEqual(buckets["moved"], 0.0, row["account_name"])
                self.assertAlmostEqual(
                    row["ledger_balance"], row["with_entry"], 2, row["account_name"]
                )

    def _check_history(self, seed, **options):
        dates, switched = self._play(seed, **options)
        self.assertGreater(len(dates), 10)
        for date in [T0 - timedelta(minutes=30), *dates]:
            self._check_date(self.company, date + timedelta(minutes=30))
        for days in range(-1, 4):
            self._check_accounting_basis(self.company, T0 + timedelta(days=days))
        self._check_ledger(self.company, datetime.now(), switched)
        self.assertEqual(switched, options.get("switch_categories", True))
        # the other company has its one layer, and nothing of this one
        (lines, _subtotals, total, _accounts), _engine, _options = self._report(
            self.other_company, datetime.now()
        )
        self.assertEqual(
            [(line["quantity"], line["value"]) for line in lines], [(7.0, 21.0)]
        )
        self.assertEqual(total["value"], 21.0)

    def test_history_1(self):
        self._check_history(1)

    def test_history_2(self):
        self._check_history(2)

    def test_history_3(self):
        self._check_history(3)

    def test_history_without_category_changes(self):
        self._check_history(4, switch_categories=False)
