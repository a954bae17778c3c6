# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The valuation report as the user gets it: the PDF, the HTML and the XLSX
(rows, reconciliation, layout), and nothing written by producing them."""

import io
import zipfile

from lxml import etree
from psycopg2.errors import ReadOnlySqlTransaction
from PyPDF2 import PdfReader

from odoo import Command
from odoo.exceptions import UserError
from odoo.tools import mute_logger

from .common_valuation import ValuationReportCase


class TestReportOutputs(ValuationReportCase):
    def test_pdf_is_produced(self):
        data = self._data(
            group_by="item_group", category_ids=[Command.set(self.root.ids)]
        )
        pdf = self._render("pdf", data)
        self.assertTrue(pdf.startswith(b"%PDF"))
        reader = PdfReader(io.BytesIO(pdf))
        text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
        for name in (
            "Inventory Valuation by Item Group",
            self.company.name,
            "PCV FIFO desk",
            "PCV Standard lamp",
            "No Item Group",
            "Total [FURN] PCV Office furniture",
        ):
            self.assertIn(name, text)

    def _title_heights(self, pdf):
        """(page width, page height, distance of the title from the page's
        top) of each page of ``pdf``, in points."""
        pages = []
        for page in PdfReader(io.BytesIO(pdf)).pages:
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            # the baselines of the title, from the page's bottom
            baselines = []
            page.extract_text(
                visitor_text=lambda text, cm, tm, _font, _size, found=baselines: (
                    found.append(tm[5] * cm[3] + cm[5])
                    if "Inventory Valuation" in " ".join(text.split())
                    else None
                )
            )
            top = height - max(baselines) if baselines else None
            pages.append((width, height, top))
        return pages

    def test_pdf_paper_follows_the_table(self):
        """Its own A4: portrait for eight columns, landscape beyond, the title
        at the top of the first page (no room kept for a header the report
        does not print)."""
        wide = self._render("pdf", self._data(show_what_if=True))
        narrow = self._render("pdf", self._data(level="summary"))
        for pdf, landscape in ((wide, True), (narrow, False)):
            width, height, top = self._title_heights(pdf)[0]
            with self.subTest(landscape=landscape):
                self.assertAlmostEqual(min(width, height), 595, delta=2)  # A4
                self.assertAlmostEqual(max(width, height), 842, delta=2)
                self.assertEqual(width > height, landscape)
                self.assertIsNotNone(top)
                self.assertLess(top, 80, "the title is near the top of the page")

    def test_pdf_keeps_the_reconciliation_and_its_note_together(self):
        """No page holds the reconciliation's footnote alone: the section is
        one block that wkhtmltopdf does not break."""
        html = self._render("html", self._data()).decode()
        tree = etree.fromstring(html, etree.HTMLParser())
        (block,) = tree.xpath("//div[contains(@class, 'o_pcv_reconciliation_block')]")
        self.assertIn("page-break-inside: avoid", block.get("style"))
        self.assertTrue(
            block.xpath(".//table[contains(@class, 'o_pcv_reconciliation')]")
        )
        self.assertTrue(
            block.xpath(".//p[contains(@class, 'o_pcv_reconciliation_note')]")
        )
        self.assertEqual(
            tree.xpath("//html/@data-report-landscape"), [], "portrait: no flag"
        )
        # figures right-aligned on one line, by one rule
        (style,) = tree.xpath("//div[contains(@class, 'o_pcv_valuation_report')]/style")
        self.assertIn(
            ".o_pcv_n { text-align: right; white-space: nowrap; }", style.text
        )
        values = tree.xpath("//tr[contains(@class, 'o_pcv_product')]/td[last()]")
        self.assertTrue(values)
        self.assertEqual({td.get("class") for td in values}, {"o_pcv_n"})

    def test_quantities_carry_their_unit(self):
        """A cable counted in metres beside desks counted in units: each product
        row says its unit in every output, and the category's subtotal, which
        cannot add metres to units, leaves its quantity empty and says why."""
        cable = self.env["product.product"].create(
            {
                "name": "PCV Cable",
                "is_storable": True,
                "categ_id": self.fifo_categ.id,
                "uom_id": self.env.ref("uom.product_uom_meter").id,
                "uom_po_id": self.env.ref("uom.product_uom_meter").id,
                "standard_price": 2.0,
            }
        )
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": cable.id,
                "location_id": self.stock_location.id,
                "inventory_quantity": 50,
            }
        ).action_apply_inventory()
        report = self._report()
        self.assertIn(("uom", "Unit of Measure", "text"), report["columns"])
        rows = {row["label"]: row for row in report["rows"]}
        self.assertEqual(rows["PCV Cable"]["uom"], "m")
        self.assertEqual(rows["PCV FIFO desk"]["uom"], "Units")
        subtotal = rows[f"Total {self.fifo_categ.complete_name}"]
        self.assertIsNone(subtotal["quantity"])
        self.assertIn("different units of measure", report["units_note"])
        html = self._render("html", self._data()).decode()
        tree = etree.fromstring(html, etree.HTMLParser())
        (cable_row,) = tree.xpath(
            "//tr[contains(@class, 'o_pcv_product')][contains(., 'PCV Cable')]"
        )
        self.assertIn(
            "m", [" ".join(td.itertext()).strip() for td in cable_row.xpath("td")]
        )
        self.assertTrue(tree.xpath("//p[contains(@class, 'o_pcv_units_note')]"))
        cells, _sheet = self._xlsx_sheets(self._render("xlsx", self._data()))[
            "Valuation"
        ]
        (unit_col,) = [
            col for (_row, col), v in cells.items() if v == "Unit of Measure"
        ]
        (cable_row_number,) = [
            row for (row, col), v in cells.items() if v == "PCV Cable"
        ]
        self.assertEqual(cells[(cable_row_number, unit_col)], "m")
        self.assertIn(report["units_note"], cells.values())
        # the summary too: the unit of the sums whose products share one
        summary = self._report(level="summary")
        self.assertIn(("uom", "Unit of Measure", "text"), summary["columns"])
        avco = next(
            row
            for row in summary["rows"]
            if row["label"] == self.avco_categ.complete_name
        )
        self.assertEqual(avco["uom"], "Units")

    def test_preview_skips_the_document_layout_dialog(self):
        """A fresh database has no document layout: the preview opens at once
        for an administrator too (the report does not use one)."""
        self.company.external_report_layout_id = False
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.company
        wizard = (
            self.env["product.category.valuation.wizard"]
            .with_user(admin)
            .with_company(self.company)
            .create({"company_id": self.company.id})
        )
        self.assertTrue(wizard.env.is_admin())
        action = wizard.action_preview_html()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["report_type"], "qweb-html")

    def test_html_is_one_aligned_table(self):
        html = self._render(
            "html", self._data(category_ids=[Command.set(self.root.ids)])
        )
        tree = etree.fromstring(html, etree.HTMLParser())
        tables = tree.xpath("//table[contains(@class, 'o_pcv_valuation')]")
        self.assertEqual(len(tables), 1)
        widths = {len(row.xpath("./td")) for row in tables[0].xpath(".//tbody/tr")}
        self.assertEqual(len(widths), 1, "every row has every column")
        text = " ".join(tables[0].itertext())
        self.assertIn("Total PCV Valuation / PCV AVCO", text)
        self.assertIn("(View)", text)

    def test_xlsx_has_the_rows_the_reconciliation_and_the_layout(self):
        data = self._data(show_what_if=True, category_ids=[Command.set(self.root.ids)])
        content = self._render("xlsx", data)
        sheets = self._xlsx_sheets(content)
        self.assertEqual(list(sheets), ["Valuation", "Reconciliation"])
        cells, sheet = sheets["Valuation"]
        self.assertEqual(cells[(1, "A")], "Inventory Valuation by Category")
        header_row = next(
            row for (row, col), v in cells.items() if v == "Category / Product"
        )
        header = {
            value: col for (row, col), value in cells.items() if row == header_row
        }
        total_row = max(row for row, _col in cells)
        self.assertEqual(cells[(total_row, "A")], "Total")
        total = cells[(total_row, header["Value"])]
        self.assertIsInstance(total, float)
        lines = self._lines()
        self.assertAlmostEqual(total, sum(line["value"] for line in lines.values()), 2)
        product_values = [
            value
            for (row, col), value in cells.items()
            if col == header["Value"] and isinstance(value, float) and row != total_row
        ]
        self.assertIn(240.0, product_values)
        self.assertIn("First In First Out (FIFO)", header)
        self.assertIn("Inventory Valuation", header)
        self.assertIn("PCV Valuation (View)", cells.values())
        ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
        pane = sheet.find(".//m:pane", ns)
        self.assertEqual(pane.get("ySplit"), str(header_row))
        auto_filter = sheet.find(".//m:autoFilter", ns)
        last_cell = auto_filter.get("ref").split(":")[1]
        self.assertEqual(
            last_cell[1:],
            str(total_row - 1),
            "the total stays out of the filter's range",
        )
        # the filter's last column says what each row is: filtering on
        # "Product" leaves the products alone
        kind_col = header["Row"]
        self.assertEqual(last_cell[0], kind_col)
        kinds = {
            row: cells.get((row, kind_col)) for row in range(header_row + 1, total_row)
        }
        self.assertEqual(set(kinds.values()), {"Heading", "Product", "Subtotal"})
        product_rows = {row for row, kind in kinds.items() if kind == "Product"}
        self.assertEqual(len(product_rows), len(lines))
        self.assertEqual(
            {cells[(row, "A")] for row in product_rows},
            set(self.products().with_context(lang="en_US").mapped("display_name")),
        )
        self.assertTrue(
            all(
                str(cells[(row, "A")]).startswith("Total ")
                for row, kind in kinds.items()
                if kind == "Subtotal"
            )
        )
        # outline levels step one at a time: a product is one level below its
        # category's heading, so that Excel's buttons fold every category alike
        levels = {
            int(row.get("r")): int(row.get("outlineLevel", 0))
            for row in sheet.findall(".//m:row", ns)
        }
        heading_level = previous = None
        for row in range(header_row + 1, total_row):
            level = levels.get(row, 0)
            if kinds[row] == "Heading":
                heading_level = level
            elif kinds[row] == "Product":
                self.assertEqual(level, heading_level + 1, f"row {row}")
            if previous is not None:
                self.assertLessEqual(level, previous + 1, f"row {row}")
            previous = level
        self.assertGreaterEqual(max(levels.values()), 2, "a tree of some depth")
        as_of_row = next(row for (row, col), v in cells.items() if v == "As of")
        self.assertIsInstance(cells[(as_of_row, "B")], float, "a real date cell")
        rec_cells, rec_sheet = sheets["Reconciliation"]
        self.assertIn(self.group_valuation.display_name, rec_cells.values())
        # subtotals are SUBTOTAL formulas over their sections: a filtered sheet
        # adds up; the total's range holds every row, nested subtotals ignored
        formulas = {
            cell.get("r"): cell.findtext("m:f", namespaces=ns)
            for cell in sheet.findall(".//m:c", ns)
            if cell.find("m:f", ns) is not None
        }
        value_col = header["Value"]
        self.assertEqual(
            formulas[f"{value_col}{total_row}"],
            f"SUBTOTAL(9,{value_col}{header_row + 1}:{value_col}{total_row - 1})",
        )
        fifo_total = next(
            row
            for (row, col), v in cells.items()
            if v == "Total PCV Valuation / PCV FIFO"
        )
        self.assertTrue(formulas[f"{value_col}{fifo_total}"].startswith("SUBTOTAL(9,"))
        # names indented by their cell format, not by spaces
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            strings = archive.read("xl/sharedStrings.xml").decode()
            styles = archive.read("xl/styles.xml").decode()
            workbook = archive.read("xl/workbook.xml").decode()
        self.assertNotIn('<t xml:space="preserve">    ', strings)
        self.assertIn('indent="1"', styles)
        # print set-up: landscape, one page wide, the titles on every page
        for xml in (sheet, rec_sheet):
            setup = xml.find(".//m:pageSetup", ns)
            self.assertEqual(setup.get("orientation"), "landscape")
            self.assertEqual(setup.get("fitToHeight"), "0")
        self.assertIn("_xlnm.Print_Titles", workbook)
        # the reconciliation's own filter and footnote
        self.assertIsNotNone(rec_sheet.find(".//m:autoFilter", ns))
        self.assertTrue(
            any(
                str(value).startswith("Ledger balances are those of posted")
                for value in rec_cells.values()
            )
        )

    def test_the_report_writes_nothing(self):
        """Every output runs under a read-only transaction, as on a replica."""
        data = self._data(
            show_what_if=True, location_ids=[Command.set(self.stock_location.ids)]
        )
        cr = self.env.cr
        cr.flush()  # what the set-up left to write (bus notifications, ...)
        cr.execute("SAVEPOINT pcv_read_only")
        try:
            cr.execute("SET LOCAL transaction_read_only = on")
            for output in ("html", "xlsx", "pdf"):
                self.assertTrue(self._render(output, data, user=self.accountant))
            with (
                self.assertRaises(ReadOnlySqlTransaction),
                mute_logger("odoo.sql_db"),
            ):
                cr.execute("UPDATE res_company SET name = name")  # really read-only
        finally:
            cr.execute("ROLLBACK TO SAVEPOINT pcv_read_only")

    def test_product_labels_as_odoo_names_them(self):
        """Each product's row is labelled as Odoo names it ("[code] name" in the
        user's language, read with the figures; and its attribute values for a
        variant, from the ORM)."""
        colour = self.env["product.attribute"].create(
            {
                "name": "PCV Colour",
                "value_ids": [
                    Command.create({"name": "Teal"}),
                    Command.create({"name": "Ochre"}),
                ],
            }
        )
        chair = self.env["product.template"].create(
            {
                "name": "PCV Chair",
                "attribute_line_ids": [
                    Command.create(
                        {
                            "attribute_id": colour.id,
                            "value_ids": [Command.set(colour.value_ids.ids)],
                        }
                    )
                ],
            }
        )
        products = self.env["product.product"].create(
            [
                {
                    "name": f"PCV Label {index}",
                    "default_code": index % 2 and "L" or False,
                }
                for index in range(12)
            ]
        )
        variant = chair.product_variant_ids[0]
        variant.default_code = "CH"
        self.env["res.lang"]._activate_lang("fr_FR")
        products[3].with_context(lang="fr_FR").name = "PCV Étiquette 3"
        self.env["stock.valuation.layer"].create(
            [
                {
                    "company_id": self.env.company.id,
                    "product_id": product.id,
                    "quantity": 1,
                    "value": 2.0,
                }
                for product in products | variant
            ]
        )
        data = self._data(level="detail")
        for lang in ("en_US", "fr_FR"):
            with self.subTest(lang=lang):
                expected = {
                    product.id: product.with_context(lang=lang).display_name
                    for product in products | variant
                }
                self.assertEqual(expected[variant.id], "[CH] PCV Chair (Teal)")
                self.assertEqual(expected[products[1].id], "[L] PCV Label 1")
                engine = self._engine().with_context(lang=lang)
                options = engine._get_options(data)
                # the variant's name only is left to the ORM
                self.assertEqual(
                    {
                        line["product_id"]: line["label"]
                        for line in engine._get_valuation(options)[0]
                        if line["product_id"] in expected
                    },
                    {**expected, variant.id: None},
                )
                rows = engine._get_report_data(data)["rows"]
                self.assertEqual(
                    {
                        row["product_id"]: row["label"]
                        for row in rows
                        if row["kind"] == "product" and row["product_id"] in expected
                    },
                    expected,
                )
        # the last language's names were the French ones
        self.assertEqual(expected[products[3].id], "[L] PCV Étiquette 3")


class TestDetailTooLong(ValuationReportCase):
    """The PDF and the web page of a detail have a most rows (a system
    parameter here, below the three products valued): beyond it the wizard
    refuses at once, and so does Odoo's report route, before any figure."""

    def setUp(self):
        super().setUp()
        parameters = self.env["ir.config_parameter"].sudo()
        for output in ("pdf", "html"):
            parameters.set_param(
                f"product_category_valuation.detail_rows_limit_{output}", "2"
            )
        engine = type(self._engine())
        self.patch(
            engine,
            "_get_valuation",
            lambda *_args: self.fail("a figure was computed"),
        )

    def test_the_wizard_refuses_before_the_browser_leaves_the_form(self):
        wizard = self._wizard(user=self.accountant, level="detail")
        for action, output in (
            (wizard.action_print_pdf, "a PDF"),
            (wizard.action_preview_html, "a web page"),
        ):
            with (
                self.subTest(output=output),
                self.assertRefused(
                    UserError,
                    f"{self.company.name} would show more than 2 products: too "
                    f"many for {output}",
                    "Export it to XLSX, print the Summary level",
                ),
            ):
                action()

    def test_odoo_report_routes_refuse_too(self):
        data = self._data(level="detail")
        for output in ("pdf", "html"):
            with self.subTest(output=output), self.assertRaises(UserError):
                self._render(output, data, user=self.accountant)

    def test_what_it_offers_works(self):
        wizard = self._wizard(user=self.accountant, level="detail")
        self.assertEqual(wizard.action_export_xlsx()["type"], "ir.actions.act_url")
        wizard.level = "summary"
        self.assertEqual(wizard.action_print_pdf()["type"], "ir.actions.act_url")
        narrow = self._wizard(
            user=self.accountant,
            level="detail",
            category_ids=[Command.set((self.fifo_categ | self.std_categ).ids)],
        )
        self.assertEqual(narrow.action_preview_html()["type"], "ir.actions.report")
        # the bound counts the products with a layer, whatever their stock
        engine = self._engine()
        options = engine._get_options(narrow._prepare_report_data())
        self.assertEqual(engine._detail_rows_bound(options, 10), 2)
        options = engine._get_options(self._data(level="detail"))
        self.assertEqual(engine._detail_rows_bound(options, 10), 3)
        self.assertEqual(engine._detail_rows_bound(options, 2), 2)

    def test_a_parameter_that_is_no_number_keeps_the_default(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "product_category_valuation.detail_rows_limit_pdf", "lots"
        )
        wizard = self._wizard(user=self.accountant, level="detail")
        self.assertEqual(wizard.action_print_pdf()["type"], "ir.actions.act_url")


class TestPdfLayout(ValuationReportCase):
    def test_a_wide_reconciliation_turns_the_page_and_rows_fill_pages(self):
        """Landscape when the reconciliation's parts that hold something make
        it wider than eight columns, even under a narrow table; the first page
        holds fewer rows than the next (its title and block)."""
        engine = self._engine()
        report = engine._get_report_data(self._data(level="summary"))
        self.assertFalse(report["landscape"])
        keys = [key for key, _title in report["bucket_titles"]]
        wide = dict(
            report,
            reconciliation=[{"parts": dict.fromkeys(keys, 1.0)}],
            rows=[{}] * 200,
        )
        layout = engine._pdf_layout(wide)
        self.assertTrue(layout["landscape"])
        pages = layout["pdf_pages"]
        self.assertEqual(pages[0][0], 0)
        self.assertEqual(pages[-1][1], 200)
        self.assertTrue(
            all(a[1] == b[0] for a, b in zip(pages, pages[1:], strict=False))
        )
        self.assertLess(pages[0][1] - pages[0][0], pages[1][1] - pages[1][0])


class TestLongPdf(ValuationReportCase):
    """A detail of 300 products runs over several pages of the PDF, as the
    accountant prints it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shelves = cls.env["product.product"].create(
            [
                {
                    "name": f"PCV Shelf {number:03d}",
                    "is_storable": True,
                    "categ_id": cls.fifo_categ.id,
                    "standard_price": 3.0 + number % 5,
                }
                for number in range(300)
            ]
        )
        # counted through an inventory adjustment, as a stock manager does
        cls.env["stock.quant"].with_context(inventory_mode=True).create(
            [
                {
                    "product_id": shelf.id,
                    "location_id": cls.stock_location.id,
                    "inventory_quantity": 1 + number % 7,
                }
                for number, shelf in enumerate(cls.shelves)
            ]
        ).action_apply_inventory()

    def test_every_page_starts_with_the_titles_and_no_row_is_cut(self):
        for landscape in (False, True):
            with self.subTest(landscape=landscape):
                report = self._report(show_what_if=landscape)
                self.assertEqual(report["landscape"], landscape)
                self._assert_pages(
                    self._render("pdf", self._data(show_what_if=landscape))
                )

    def _assert_pages(self, pdf):
        pages = [
            " ".join(page.extract_text().split())
            for page in PdfReader(io.BytesIO(pdf)).pages
        ]
        self.assertGreater(len(pages), 3, "several pages")
        for number, text in enumerate(pages[1:], start=2):
            with self.subTest(page=number):
                self.assertTrue(
                    text.startswith("Category / Product")
                    or text.startswith("Reconciliation with the General Ledger"),
                    text[:120],
                )
        for shelf in self.shelves:
            with self.subTest(product=shelf.name):
                found = [
                    number
                    for number, text in enumerate(pages, start=1)
                    if f"{shelf.name} " in text
                ]
                self.assertEqual(len(found), 1, "on one page, whole")
