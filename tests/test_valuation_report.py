# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import io
import zipfile
from datetime import datetime, timedelta

from lxml import etree

from odoo import Command, fields
from odoo.tools import SQL

from .common_valuation import T0, ValuationReportCase


class TestValuationFigures(ValuationReportCase):
    def test_figures_equal_odoo_valuation_at_every_date(self):
        for hour in range(self.layer_count + 1):
            date = T0 + timedelta(hours=hour, minutes=30)
            lines = self._lines(date=date, include_zero=True)
            for product in self.products().with_context(to_date=date):
                line = lines.get(product.id)
                if not product.quantity_svl and not product.value_svl:
                    self.assertFalse(
                        line and line["quantity"], f"{product.name} {date}"
                    )
                    continue
                self.assertAlmostEqual(line["quantity"], product.quantity_svl, 4)
                self.assertAlmostEqual(line["value"], product.value_svl, 2)

    def test_a_products_row_opens_the_layers_of_its_figures(self):
        """The preview's link of a product's row opens the layers that its
        quantity and value add up, at every hour and on both dating bases."""
        engine = self._engine(self.stock_manager)
        Layer = self.env["stock.valuation.layer"]
        for hour in (0, 2, self.layer_count):
            for date_basis in ("valuation", "accounting"):
                data = self._data(
                    date=T0 + timedelta(hours=hour, minutes=30),
                    date_basis=date_basis,
                    include_zero=True,
                )
                lines = self._lines(
                    date=T0 + timedelta(hours=hour, minutes=30),
                    date_basis=date_basis,
                    include_zero=True,
                )
                for product in self.products():
                    with self.subTest(hour=hour, basis=date_basis, p=product.name):
                        action = engine.action_open_layers(data, product.id)
                        layers = Layer.search(action["domain"])
                        line = lines.get(product.id)
                        self.assertEqual(
                            layers.product_id, line and product or Layer.product_id
                        )
                        self.assertAlmostEqual(
                            sum(layers.mapped("value")), line and line["value"] or 0, 2
                        )
                        self.assertAlmostEqual(
                            sum(layers.mapped("quantity")),
                            line and line["quantity"] or 0,
                            4,
                        )

    def test_final_figures(self):
        lines = self._lines()
        desk = lines[self.fifo_product.id]
        self.assertEqual(desk["quantity"], 11.0)  # 20 - 12 + 3
        self.assertEqual(desk["category_id"], self.fifo_categ.id)
        self.assertEqual(desk["item_group_id"], self.group.id)
        self.assertEqual(desk["cost_method"], "fifo")
        self.assertEqual(desk["valuation"], "real_time")
        self.assertAlmostEqual(desk["unit_cost"], desk["value"] / 11.0)
        chair = lines[self.avco_product.id]
        self.assertEqual((chair["quantity"], chair["value"]), (16.0, 240.0))
        self.assertEqual(chair["unit_cost"], 15.0)
        self.assertEqual(chair["cost_method"], "average")
        lamp = lines[self.std_product.id]
        self.assertEqual((lamp["quantity"], lamp["value"]), (5.0, 45.0))
        self.assertIsNone(lamp["item_group_id"])
        self.assertEqual(lamp["cost_method"], "standard")

    def test_quantities_of_different_units_are_not_added_up(self):
        kg = self.env.ref("uom.product_uom_kgm")
        flour = self.env["product.product"].create(
            {
                "name": "PCV Flour",
                "is_storable": True,
                "categ_id": self.std_categ.id,
                "standard_price": 4.0,
                "uom_id": kg.id,
                "uom_po_id": kg.id,
            }
        )
        self._receive(flour, 2.5, 4.0)
        report = self._report(level="detail")
        rows = {row["label"]: row for row in report["rows"]}
        # one unit: the quantity adds up; two units: no quantity, no blend
        self.assertEqual(rows["Total PCV Valuation / PCV FIFO"]["quantity"], 11.0)
        mixed = rows["Total PCV Valuation / PCV Standard"]
        self.assertIsNone(mixed["quantity"])
        self.assertEqual(mixed["value"], 55.0)  # 5 lamps at 9 + 2.5 kg at 4
        self.assertIsNone(rows["Total PCV Valuation"]["quantity"])
        self.assertIsNone(rows["Total"]["quantity"])
        self.assertEqual(rows["PCV Flour"]["quantity"], 2.5)
        subtotals = [row for row in report["rows"] if row["kind"] == "subtotal"]
        self.assertTrue(subtotals)
        self.assertEqual({row["unit_cost"] for row in subtotals}, {None})
        by_group = {
            row["label"]: row
            for row in self._report(group_by="item_group", level="summary")["rows"]
        }
        self.assertEqual(by_group["[FURN] PCV Office furniture"]["quantity"], 27.0)
        html = self._render("html", self._data(level="detail")).decode()
        self.assertIn("2.50", html)
        self.assertNotIn("7.50", html)

    def test_zero_quantity_lines_on_and_off(self):
        before_return = T0 + timedelta(hours=2, minutes=30)  # desk: 20 - 12 = 8
        self._deliver(self.avco_product, 16)
        self.assertNotIn(self.avco_product.id, self._lines())
        zero = self._lines(include_zero=True)[self.avco_product.id]
        self.assertEqual((zero["quantity"], zero["value"]), (0.0, 0.0))
        self.assertEqual(zero["unit_cost"], 0.0)
        self.assertEqual(
            self._lines(date=before_return)[self.fifo_product.id]["quantity"], 8
        )

    def test_category_and_item_group_filters(self):
        lines = self._lines(category_ids=[Command.set(self.root.ids)])
        self.assertEqual(set(lines), set(self.products().ids), "children included")
        lines = self._lines(category_ids=[Command.set(self.std_categ.ids)])
        self.assertEqual(set(lines), {self.std_product.id})
        lines = self._lines(item_group_ids=[Command.set(self.group.ids)])
        self.assertEqual(set(lines), {self.fifo_product.id, self.avco_product.id})

    def test_the_wizard_remembers_each_users_choices_per_company(self):
        Wizard = self.env["product.category.valuation.wizard"].with_user(
            self.accountant
        )
        first = Wizard.create(
            {
                "item_group_ids": [Command.set(self.group.ids)],
                "group_by": "item_group",
                "level": "summary",
                "date_basis": "accounting",
                "show_what_if": True,
                "date": T0,
            }
        )
        first.action_print_pdf()
        again = Wizard.create({})
        self.assertEqual(again.item_group_ids, self.group)
        self.assertEqual(
            (again.group_by, again.level, again.date_basis, again.show_what_if),
            ("item_group", "summary", "accounting", True),
        )
        self.assertEqual(
            (again.as_of_day, again.precise_time),
            (fields.Date.context_today(again), False),
            "the as-of date is always today",
        )
        # another user, another company: their own defaults
        other_user = Wizard.with_user(self.env.user).create({})
        self.assertFalse(other_user.item_group_ids)
        other = self.env["res.company"].create({"name": "PCV Elsewhere"})
        self.accountant.company_ids |= other
        elsewhere = Wizard.with_company(other).create({})
        self.assertEqual((elsewhere.level, elsewhere.group_by), ("detail", "category"))
        # what no longer holds is dropped: a deleted record, another company's
        settings = self.env["res.users.settings"]._find_or_create_for_user(
            self.accountant
        )
        foreign = self.env["product.item.group"].create(
            {"name": "PCV Foreign", "code": "FOR", "company_id": other.id}
        )
        choices = settings.inventory_valuation_choices
        choices[str(self.company.id)]["item_group_ids"] = [
            self.group.id,
            foreign.id,
            999999,
        ]
        choices[str(self.company.id)]["level"] = "bogus"
        settings.inventory_valuation_choices = choices
        restored = Wizard.create({})
        self.assertEqual(restored.item_group_ids, self.group)
        self.assertEqual(restored.level, "detail")

    def test_filtered_report_says_its_reconciliation_covers_the_company(self):
        empty_group = self.env["product.item.group"].create(
            {"name": "PCV Nothing", "code": "NONE"}
        )
        data = self._data(item_group_ids=[Command.set(empty_group.ids)])
        report = self._engine()._get_report_data(data)
        self.assertEqual(report["rows"], [])
        self.assertTrue(report["reconciliation"], "the company's, whatever the filter")
        scope = (
            "The reconciliation covers every product of the company, whatever the "
            "filters of this report"
        )
        self.assertIn(scope, report["reconciliation_scope"])
        html = self._render("html", data).decode()
        self.assertIn("No product of these filters holds a value", html)
        self.assertIn("o_pcv_reconciliation_scope", html)
        sheets = self._xlsx_sheets(self._render("xlsx", data))
        reconciliation, _xml = sheets["Reconciliation"]
        self.assertTrue(reconciliation[(2, "A")].startswith(scope))
        unfiltered = self._engine()._get_report_data(self._data())
        self.assertFalse(unfiltered["reconciliation_scope"])

    def test_location_filter_values_the_quantity_held_there(self):
        shelf = self.env["stock.location"].create(
            {"name": "PCV Shelf", "location_id": self.stock_location.id}
        )
        self._move(self.avco_product, 6, self.stock_location, shelf)
        lines = self._lines(location_ids=[Command.set(shelf.ids)])
        self.assertEqual(set(lines), {self.avco_product.id})
        self.assertEqual((lines[self.avco_product.id]["quantity"]), 6.0)
        self.assertEqual((lines[self.avco_product.id]["value"]), 90.0)
        lines = self._lines(warehouse_ids=[Command.set(self.warehouse.ids)])
        self.assertEqual(lines[self.avco_product.id]["quantity"], 16.0)
        self.assertEqual(lines[self.avco_product.id]["value"], 240.0)


class TestWhatIf(ValuationReportCase):
    def test_what_if_on_hand_computed_histories(self):
        lines = self._lines(show_what_if=True)
        # chair, 16 on hand; receipts 10 @ 10 then 10 @ 20
        chair = lines[self.avco_product.id]
        self.assertEqual(chair["fifo_value"], 10 * 20 + 6 * 10)
        self.assertEqual(chair["lifo_value"], 10 * 10 + 6 * 20)
        self.assertEqual(chair["average_value"], 16 * 15)
        self.assertEqual(chair["standard_value"], 16 * self.avco_product.standard_price)
        # lamp, 5 on hand; one receipt 5 @ 7, then the cost changed to 9: the
        # change revalued the five on hand, under every method
        lamp = lines[self.std_product.id]
        self.assertEqual(
            (lamp["fifo_value"], lamp["lifo_value"], lamp["average_value"]),
            (45, 45, 45),
        )
        self.assertEqual(lamp["standard_value"], 45)

    def test_what_if_counts_returns_as_receipts(self):
        """The desk's customer return is an incoming layer like the receipts."""
        desk = self._lines(show_what_if=True)[self.fifo_product.id]
        returned = self.fifo_return.stock_valuation_layer_ids
        self.assertEqual(returned.quantity, 3)
        return_cost = returned.value / 3
        # 11 on hand; incoming: 10 @ 5, 10 @ 8, 3 @ return cost (latest)
        self.assertAlmostEqual(desk["fifo_value"], 3 * return_cost + 8 * 8, 2)
        self.assertAlmostEqual(desk["lifo_value"], 10 * 5 + 1 * 8, 2)
        average = (50 + 80 + returned.value) / 23
        self.assertAlmostEqual(desk["average_value"], 11 * average, 2)

    def test_what_if_at_an_earlier_date(self):
        after_receipts = T0 + timedelta(hours=1, minutes=30)
        desk = self._lines(show_what_if=True, date=after_receipts)[self.fifo_product.id]
        self.assertEqual(
            (desk["fifo_value"], desk["lifo_value"], desk["average_value"]),
            (130, 130, 130),
        )
        after_delivery = T0 + timedelta(hours=2, minutes=30)
        desk = self._lines(show_what_if=True, date=after_delivery)[self.fifo_product.id]
        self.assertEqual((desk["fifo_value"], desk["lifo_value"]), (8 * 8, 8 * 5))
        self.assertEqual(desk["average_value"], 8 * 6.5)

    def test_what_if_off_adds_no_column(self):
        self.assertNotIn("fifo_value", self._lines()[self.fifo_product.id])


class TestReportLayout(ValuationReportCase):
    def _rows(self, **values):
        return self._report(**values)["rows"]

    def test_category_tree_rolls_up(self):
        rows = self._rows(category_ids=[Command.set(self.root.ids)])
        subtotals = {row["label"]: row for row in rows if row["kind"] == "subtotal"}
        lines = self._lines()
        values = {p: lines[p.id]["value"] for p in self.products()}
        self.assertAlmostEqual(
            subtotals["Total PCV Valuation"]["value"], sum(values.values()), 2
        )
        self.assertEqual(subtotals["Total PCV Valuation / PCV AVCO"]["value"], 240)
        self.assertEqual(subtotals["Total PCV Valuation / PCV Standard"]["value"], 45)
        self.assertEqual(subtotals["Total PCV Valuation"]["quantity"], 11 + 16 + 5)
        heading = next(row for row in rows if row["kind"] == "group")
        self.assertEqual((heading["label"], heading["level"]), ("PCV Valuation", 0))
        self.assertTrue(heading["is_view"])
        product_rows = [row for row in rows if row["kind"] == "product"]
        self.assertEqual({row["level"] for row in product_rows}, {2})
        total = rows[-1]
        self.assertEqual(total["kind"], "total")
        self.assertAlmostEqual(total["value"], sum(values.values()), 2)

    def test_grouping_by_item_group(self):
        rows = self._rows(
            group_by="item_group", category_ids=[Command.set(self.root.ids)]
        )
        headings = [row["label"] for row in rows if row["kind"] == "group"]
        self.assertEqual(headings, ["[FURN] PCV Office furniture", "No Item Group"])
        subtotals = [row for row in rows if row["kind"] == "subtotal"]
        lines = self._lines()
        self.assertAlmostEqual(
            subtotals[0]["value"],
            lines[self.fifo_product.id]["value"] + lines[self.avco_product.id]["value"],
            2,
        )
        self.assertEqual(subtotals[1]["value"], 45)
        furniture = [row for row in rows if row["kind"] == "product"][:2]
        self.assertEqual(
            {row["item_group"] for row in furniture}, {"[FURN] PCV Office furniture"}
        )
        # each group's products under its heading, by name, one level below it
        self.assertEqual(
            [(row["kind"], row["level"], row["label"]) for row in rows[:4]],
            [
                ("group", 0, "[FURN] PCV Office furniture"),
                ("product", 1, self.avco_product.display_name),
                ("product", 1, self.fifo_product.display_name),
                ("subtotal", 0, "Total [FURN] PCV Office furniture"),
            ],
        )

    def test_filter_and_group_by_item_model_group(self):
        model_group = self.env["product.item.model.group"].create(
            {
                "name": "PCV Perpetual FIFO",
                "code": "FIFO-RT",
                "inventory_model": "fifo",
                "inventory_posting": "real_time",
            }
        )
        self.fifo_product.item_model_group_id = model_group
        lines = self._lines(item_model_group_ids=[Command.set(model_group.ids)])
        self.assertEqual(set(lines), {self.fifo_product.id})
        self.assertEqual(
            lines[self.fifo_product.id]["item_model_group_id"], model_group.id
        )
        rows = self._rows(
            group_by="item_model_group", category_ids=[Command.set(self.root.ids)]
        )
        headings = [row["label"] for row in rows if row["kind"] == "group"]
        self.assertEqual(
            headings, ["[FIFO-RT] PCV Perpetual FIFO", "No Item Model Group"]
        )
        subtotals = [row for row in rows if row["kind"] == "subtotal"]
        self.assertAlmostEqual(
            subtotals[0]["value"], self._lines()[self.fifo_product.id]["value"], 2
        )
        self.assertEqual(subtotals[1]["value"], 240 + 45)


class TestReconciliation(ValuationReportCase):
    def _reconciliation(self):
        rows = self._report()["reconciliation"]
        return {row["account"]: row for row in rows}

    def test_ledger_matches_the_inventory(self):
        rows = self._reconciliation()
        self.assertLessEqual({self.group_valuation, self.categ_valuation}, set(rows))
        lines = self._lines()
        self.assertAlmostEqual(
            rows[self.group_valuation]["report_value"],
            lines[self.fifo_product.id]["value"] + lines[self.avco_product.id]["value"],
            2,
        )
        self.assertEqual(rows[self.categ_valuation]["report_value"], 45)
        for row in rows.values():
            self.assertAlmostEqual(row["ledger_balance"], row["report_value"], 2)
            self.assertEqual(row["difference"], 0)

    def test_manual_entry_shows_a_highlighted_difference(self):
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": "2026-01-20",
                "journal_id": self.company_data["default_journal_misc"].id,
                "line_ids": [
                    Command.create(
                        {"account_id": self.group_valuation.id, "debit": 100.0}
                    ),
                    Command.create(
                        {
                            "account_id": self.company_data[
                                "default_account_expense"
                            ].id,
                            "credit": 100.0,
                        }
                    ),
                ],
            }
        )
        entry.action_post()
        rows = self._reconciliation()
        self.assertEqual(rows[self.group_valuation]["difference"], 100.0)
        self.assertEqual(rows[self.categ_valuation]["difference"], 0)
        html = self._render("html", self._data())
        tree = etree.fromstring(html, etree.HTMLParser())
        highlighted = tree.xpath("//tr[contains(@class, 'o_pcv_difference')]")
        self.assertEqual(len(highlighted), 1)
        self.assertIn(self.group_valuation.code, "".join(highlighted[0].itertext()))


class TestReportLevels(ValuationReportCase):
    def test_summary_has_the_subtotals_of_the_detail_and_no_product(self):
        detail = self._report(category_ids=[Command.set(self.root.ids)])["rows"]
        summary = self._report(
            level="summary", category_ids=[Command.set(self.root.ids)]
        )["rows"]
        self.assertFalse([row for row in summary if row["kind"] == "product"])
        self.assertFalse([row for row in summary if row["kind"] == "group"])
        totals = {
            row["label"].removeprefix("Total "): row["value"]
            for row in detail
            if row["kind"] == "subtotal"
        }
        self.assertEqual(
            {
                row["label"]: row["value"]
                for row in summary
                if row["kind"] == "subtotal"
            },
            totals,
        )
        self.assertEqual(summary[-1]["value"], detail[-1]["value"])
        self.assertEqual(
            [row["label"] for row in summary],
            [
                "PCV Valuation",
                "PCV Valuation / PCV AVCO",
                "PCV Valuation / PCV FIFO",
                "PCV Valuation / PCV Standard",
                "Total",
            ],
        )

    def test_sql_subtotals_equal_their_products_to_the_cent(self):
        """Every level of the tree, from SQL, against the sum of the products
        (rounded to the cent each) below it."""
        leaf = self.env["product.category"].create(
            {
                "name": "PCV Deep",
                "parent_id": self.fifo_categ.id,
                "property_cost_method": "fifo",
            }
        )
        odd = self.env["product.product"].create(
            {"name": "PCV Odd", "is_storable": True, "categ_id": leaf.id}
        )
        self._receive(odd, 3, 3.333)
        engine = self._engine()
        options = engine._get_options(self._data())
        lines, subtotals, total, _accounts = engine._get_valuation(options)
        Category = self.env["product.category"]
        for category_id, sums in subtotals.items():
            below = Category.search([("id", "child_of", category_id)]).ids
            expected = sum(
                round(line["value"], 2)
                for line in lines
                if line["category_id"] in below
            )
            self.assertAlmostEqual(
                sums["value"], expected, 2, Category.browse(category_id).name
            )
        self.assertAlmostEqual(subtotals[leaf.id]["value"], 10.0)
        self.assertAlmostEqual(
            subtotals[self.root.id]["value"],
            sum(
                line["value"]
                for line in lines
                if line["product_id"] in (self.products() | odd).ids
            ),
            2,
        )
        self.assertAlmostEqual(total["value"], sum(line["value"] for line in lines), 2)

    def test_title_header_empty_state_and_future_date(self):
        report = self._report(group_by="item_group", level="summary")
        self.assertEqual(report["title"], "Inventory Valuation by Item Group")
        header = dict(report["header"])
        self.assertEqual(header["Grouped by"], "Item Group")
        self.assertEqual(header["Level"], "Summary")
        self.assertEqual(header["Company"], self.company.name)
        # every choice that changes the figures is stated
        self.assertEqual(header["Dating Basis"], "Valuation Date")
        self.assertEqual(header["What-If Columns"], "Not shown")
        self.assertEqual(header["Zero-Quantity Lines"], "Not shown")
        chosen = dict(
            self._report(date_basis="accounting", show_what_if=True, include_zero=True)[
                "header"
            ]
        )
        self.assertEqual(chosen["Dating Basis"], "Accounting Date")
        self.assertEqual(chosen["What-If Columns"], "Shown")
        self.assertEqual(chosen["Zero-Quantity Lines"], "Shown")
        data = self._data(date_basis="accounting")
        self.assertIn(b"Accounting Date", self._render("html", data))
        sheets = self._xlsx_sheets(self._render("xlsx", data))
        first_sheet, _xml = next(iter(sheets.values()))
        self.assertIn("Accounting Date", first_sheet.values())
        empty = self._report(date=T0 - timedelta(days=1))
        self.assertEqual(empty["rows"], [])
        html = self._render("html", self._data(date=T0 - timedelta(days=1))).decode()
        self.assertIn("o_pcv_empty", html)
        self.assertIn("No product of the company holds a value", html)
        self.assertNotIn("o_pcv_reconciliation_scope", html)
        self.assertNotIn("o_pcv_total", html)
        future = self._wizard(date=datetime(2999, 1, 1))
        self.assertTrue(future.future_date)
        html = self._render("html", future._prepare_report_data()).decode()
        self.assertIn("o_pcv_future_date", html)


class TestSmallerDefects(ValuationReportCase):
    def test_on_hand_by_location_is_dated_like_the_layers(self):
        """By accounting date, the quantity held in a location follows the
        journal entries of its moves, as the layers do: with every entry dated
        on the first day, the location holds on that day what the company
        holds."""
        entries = self.products().stock_valuation_layer_ids.account_move_id
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET date = %(day)s WHERE id IN %(ids)s;"
                " UPDATE account_move_line SET date = %(day)s WHERE move_id IN %(ids)s",
                day=T0.date(),
                ids=tuple(entries.ids),
            )
        )
        self.env.invalidate_all()
        values = {"date_basis": "accounting", "date": T0 + timedelta(days=1)}
        everywhere = self._lines(**values)
        in_stock = self._lines(
            location_ids=[Command.set(self.stock_location.ids)], **values
        )
        self.assertEqual(set(in_stock), set(everywhere))
        for product_id, line in everywhere.items():
            self.assertAlmostEqual(in_stock[product_id]["quantity"], line["quantity"])
            self.assertAlmostEqual(in_stock[product_id]["value"], line["value"], 2)
        self.assertEqual(everywhere[self.fifo_product.id]["quantity"], 11)

    def test_numbers_follow_the_languages_digit_grouping(self):
        lang = self.env["res.lang"]._activate_lang("en_IN")
        self.assertEqual(lang.grouping, "[3,2,0]")
        engine = self._engine().with_context(lang="en_IN")
        fmt = engine._number_formatter(2)
        self.assertEqual(fmt(1234567.891), "12,34,567.89")
        for value in (0.0, 5.5, -1234567.5, 123456789012.25, 999.999):
            self.assertEqual(fmt(value), lang.format("%.2f", value, grouping=True))
        french = self._engine().with_context(lang="fr_FR")
        self.env["res.lang"]._activate_lang("fr_FR")
        self.assertEqual(french._number_formatter(2)(1234567.891), "1\xa0234\xa0567,89")

    def test_xlsx_quantities_at_the_unit_of_measure_precision(self):
        self.env.ref("product.decimal_product_uom").digits = 3
        content = self._render("xlsx", self._data())
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            styles = archive.read("xl/styles.xml").decode()
        self.assertIn('formatCode="#,##0.000"', styles)

    def test_xlsx_highlights_the_difference_column(self):
        self._entry(self.group_valuation, 100.0)
        content = self._render("xlsx", self._data())
        ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            styles = etree.fromstring(archive.read("xl/styles.xml"))
            sheet = etree.fromstring(archive.read("xl/worksheets/sheet2.xml"))
        filled = {
            str(index)
            for index, xf in enumerate(styles.find("m:cellXfs", ns))
            if xf.get("fillId") not in (None, "0")
        }
        cells, _sheet = self._xlsx_sheets(content)["Reconciliation"]
        titles = {col: value for (row, col), value in cells.items() if row == 3}
        highlighted = [
            (int(cell.get("r")[1:]), titles[cell.get("r")[0]])
            for cell in sheet.iter(f"{{{ns['m']}}}c")
            if cell.get("s") in filled
        ]
        account_row = next(
            row
            for (row, col), value in cells.items()
            if value == self.group_valuation.display_name
        )
        self.assertEqual(highlighted, [(account_row, "Difference")])

    def test_the_wizard_says_what_it_is(self):
        model = self.env["ir.model"]._get("product.category.valuation.wizard")
        self.assertEqual(model.name, "Inventory Valuation Options")
