# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the outputs of the inventory valuation show: title, first-page block,
columns and the aligned rows, from the engine's figures."""

import ast
from collections import defaultdict
from operator import itemgetter

from odoo import fields, models
from odoo.tools import SQL, format_date, format_datetime, format_list

from odoo.addons.base.models.res_lang import intersperse

from .inventory_valuation_report import RECORD_OPTIONS
from .inventory_valuation_report_query import FLAT_GROUPS

# Rows of the report that a PDF page holds, in portrait and in landscape
# (``_pdf_layout``): the report's own A4 paper at its 11 px font, each row on one
# line, with room to spare (wkhtmltopdf 0.12.6 fits about 76 and 50).
PDF_PAGE_ROWS = {False: 64, True: 40}


class InventoryValuationReport(models.AbstractModel):
    _inherit = "report.product_category_valuation.inventory_valuation"

    def _layout(self, options, lines, subtotals, total):
        """The options, labels, columns and rows of the report (everything but
        the reconciliation)."""
        if options["group_by"] == "category":
            rows = self._category_rows(options, lines, subtotals)
        else:
            rows = self._flat_rows(options, lines, subtotals)
        if rows:
            rows.append(
                dict(self._subtotal_row(total, self.env._("Total"), 0), kind="total")
            )
        mixed_units = self._name_units(rows)
        currency = options["company"].currency_id
        header = self._header(options)
        columns = self._columns(options, lines)
        filtered = any(options[key] for key, _model in RECORD_OPTIONS.values())
        return {
            "options": options,
            "company": options["company"],
            "currency": currency,
            "format_amount": self._number_formatter(currency.decimal_places),
            "format_quantity": self._number_formatter(self._quantity_digits()),
            "quantity_digits": self._quantity_digits(),
            "title": self._title(options),
            # (label, text) of the first-page block, and what a spreadsheet cell
            # holds for each where it is not the text (None)
            "header": [(label, text) for label, text, _value in header],
            "header_values": [value for _label, _text, value in header],
            "columns": columns,
            "rows": rows,
            # filters restrict the rows, never the reconciliation (every product
            # of the company): the outputs say so
            "filtered": filtered,
            "reconciliation_scope": filtered
            and self.env._(
                "The reconciliation covers every product of the company, whatever "
                "the filters of this report: a stock account's ledger balance "
                "cannot be split by warehouse, location or group."
            ),
            "reconciliation_note": self._reconciliation_note(options),
            "units_note": mixed_units
            and self.env._(
                "A subtotal without a quantity adds up products of different "
                "units of measure: their quantities are not added."
            ),
            "future_date": self._future_date(options),
            # what the HTML preview's rows open (static/src), where the user may
            "drill_layers": self.env["stock.valuation.layer"].has_access("read"),
            "drill_journal_items": self.env["account.move.line"].has_access("read"),
        }

    def _name_units(self, rows):
        """Give each row the name of its unit of measure (``uom``: a product's,
        or the one all the products of a sum share); return whether a sum
        holds products of different units, whose quantity it leaves empty."""
        units = (
            self.env["uom.uom"]
            .sudo()
            .with_context(active_test=False)
            .browse({row["uom_id"] for row in rows if row.get("uom_id")})
        )
        names = dict(zip(units.ids, units.mapped("name"), strict=True))
        mixed = False
        for row in rows:
            row["uom"] = names.get(row.get("uom_id"))
            mixed = mixed or (row["kind"] != "group" and row["quantity"] is None)
        return mixed

    def _pdf_layout(self, report):
        """How the PDF sets ``report`` on its pages: ``landscape`` for a table
        (or a reconciliation) of more than eight columns; ``pdf_pages``, the
        (first, last + 1) rows of each page. wkhtmltopdf neither repeats a
        table's column titles on the next page nor keeps a row whole across a
        break: each page is a table of its own, of the rows a page holds."""
        parts = [
            key
            for key, _title in report["bucket_titles"]
            if any(rec["parts"][key] for rec in report["reconciliation"])
        ]
        landscape = max(len(report["columns"]) + 1, 4 + len(parts)) > 8
        per_page = PDF_PAGE_ROWS[landscape]
        # the first page holds the title and its block, a line a choice
        first = per_page - len(report["header"]) - (10 if report["future_date"] else 6)
        rows = len(report["rows"])
        pages = [(0, min(first, rows))]
        while pages[-1][1] < rows:
            start = pages[-1][1]
            pages.append((start, min(start + per_page, rows)))
        return {"landscape": landscape, "pdf_pages": pages}

    def _reconciliation_note(self, options):
        note = self.env._(
            "Ledger balances are those of posted journal items up to the as-of "
            "day, in your time zone; inventory values are those of all the "
            "company's products whose stock valuation account (their item "
            "group's, else their category's) it is now. The difference breaks "
            "down into the columns after it, each computed from the journal "
            "items or layers behind it, which add up to it; draft entries are "
            "shown, not counted."
        )
        if not options["precise"]:
            return note
        return " ".join(
            [
                note,
                self.env._(
                    "The inventory is valued at %(time)s, but journal entries are "
                    "dated by day: the ledger is read to the end of %(day)s, and "
                    "what moved later that day shows under “%(part)s”.",
                    time=self._as_of_text(options),
                    day=format_date(
                        self.env, options["local_date"], date_format="medium"
                    ),
                    part=dict(self._bucket_titles())["other_side"],
                ),
            ]
        )

    def _as_of_text(self, options):
        """The as-of date as the outputs state it: a day is valued at its end."""
        if options["precise"]:
            return format_datetime(
                self.env, options["date"], tz=options["tz"], dt_format="medium"
            )
        return self.env._(
            "%(day)s, end of day",
            day=format_date(self.env, options["local_date"], date_format="medium"),
        )

    def _starts_from(self, options):
        """Which inventory closing the figures start from, where the company
        closes its periods (None where it never did)."""
        closing, skipped = options["closing"], options["closing_skipped"]
        if closing:
            return self.env._(
                "%(closing)s (stock closed at the end of %(date)s)",
                closing=closing.name,
                date=format_date(self.env, closing.date, date_format="medium"),
            )
        if skipped and skipped[1] == "stale":
            return self.env._(
                "The start of history: layers or journal items of the period "
                "closed by %(closing)s changed behind its lock, so the closing is "
                "not used.",
                closing=skipped[0].name,
            )
        if skipped:
            return self.env._(
                "The start of history: by accounting date, the what-if columns "
                "read every receipt since the start."
            )
        if options["company"].sudo().inventory_closing_id:
            return self.env._("The start of history (no closing before this date).")
        return None

    def _future_date(self, options):
        """Whether the as-of date is still to come (no stock moved there yet)."""
        if options["precise"]:
            return options["date"] > fields.Datetime.now()
        today = fields.Date.context_today(self.with_context(tz=options["tz"]))
        return options["local_date"] > today

    def _quantity_digits(self):
        return self.env["decimal.precision"].precision_get("Product Unit of Measure")

    def _number_formatter(self, digits):
        """A fast formatter of numbers in the user's language (its decimal point,
        thousands separator and digit grouping), for tens of thousands of
        cells."""
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        decimal_point = lang.decimal_point or "."
        thousands_sep = lang.thousands_sep or ""
        grouping = ast.literal_eval(lang.grouping or "[]")
        if grouping in ([3], [3, 0]):  # most languages: Python's own grouping

            def format_number(value):
                text = f"{value or 0.0:,.{digits}f}"
                return (
                    text.replace(",", "\x00")
                    .replace(".", decimal_point)
                    .replace("\x00", thousands_sep)
                )

            return format_number

        def format_grouped(value):
            integer, _dot, decimals = f"{value or 0.0:.{digits}f}".partition(".")
            integer = intersperse(integer, grouping, thousands_sep)[0]
            return f"{integer}{decimal_point}{decimals}" if decimals else integer

        return format_grouped

    def _filename(self, options):
        return self.env._(
            "Inventory Valuation %(date)s",
            date=fields.Date.to_string(options["local_date"]),
        )

    def _title(self, options):
        return {
            "category": self.env._("Inventory Valuation by Category"),
            "item_group": self.env._("Inventory Valuation by Item Group"),
            "item_model_group": self.env._("Inventory Valuation by Item Model Group"),
        }[options["group_by"]]

    def _header(self, options):
        """(label, text, value) of the first-page block: ``value`` is what a
        spreadsheet cell holds where it is not the text (the as-of date), else
        None."""
        group_by = dict(self._group_by_selection())
        levels = dict(self._level_selection())
        date_bases = dict(self._date_basis_selection())
        shown = {True: self.env._("Shown"), False: self.env._("Not shown")}
        header = [
            (self.env._("Company"), options["company"].name, None),
            (
                self.env._("As of"),
                self._as_of_text(options),
                # a spreadsheet's date and time, or its day
                fields.Datetime.context_timestamp(
                    self.with_context(tz=options["tz"]), options["date"]
                ).replace(tzinfo=None)
                if options["precise"]
                else options["local_date"],
            ),
            (self.env._("Currency"), options["company"].currency_id.name, None),
            (self.env._("Grouped by"), group_by[options["group_by"]], None),
            (self.env._("Dating Basis"), date_bases[options["date_basis"]], None),
            (self.env._("Level"), levels[options["level"]], None),
            (self.env._("What-If Columns"), shown[options["show_what_if"]], None),
            (
                self.env._("Zero-Quantity Lines"),
                shown[options["include_zero"]],
                None,
            ),
        ]
        if starts_from := self._starts_from(options):
            header.append((self.env._("Figures From"), starts_from, None))
        for label, records, fname in (
            (self.env._("Warehouses"), options["warehouses"], "name"),
            (self.env._("Locations"), options["locations"], "complete_name"),
            (self.env._("Categories"), options["categories"], "complete_name"),
            (self.env._("Item Groups"), options["item_groups"], "display_name"),
            (
                self.env._("Item Model Groups"),
                options["item_model_groups"],
                "display_name",
            ),
        ):
            if records:
                text = format_list(self.env, records.mapped(fname))
                header.append((label, text, None))
        return header

    def _columns(self, options, lines):
        """(key, title, kind) of the columns, after the label column; a product's
        group or category text only where some product has one, and not the
        grouping's own (its headings say it). What the category says is titled
        with its fields' labels."""
        category_labels = self.env["product.category"].fields_get(
            ["property_cost_method", "property_valuation"], ["string"]
        )
        columns = [
            ("item_group", self.env._("Item Group"), "text"),
            ("item_model_group", self.env._("Item Model Group"), "text"),
            ("cost_method", category_labels["property_cost_method"]["string"], "text"),
            ("valuation", category_labels["property_valuation"]["string"], "text"),
            ("quantity", self.env._("Quantity"), "quantity"),
            ("uom", self.env._("Unit of Measure"), "text"),
            ("unit_cost", self.env._("Unit Cost"), "money"),
            ("value", self.env._("Value"), "money"),
        ]
        if options["level"] == "summary":
            columns = [
                column
                for column in columns
                if column[2] != "text" or column[0] == "uom"
            ]
            columns = [column for column in columns if column[0] != "unit_cost"]
        else:
            said = {
                "item_group": any(line["item_group_id"] for line in lines)
                and options["group_by"] != "item_group",
                "item_model_group": any(line["item_model_group_id"] for line in lines)
                and options["group_by"] != "item_model_group",
            }
            columns = [column for column in columns if said.get(column[0], True)]
        if options["show_what_if"]:
            # Odoo's own words for its costing methods (Odoo has no LIFO)
            methods = dict(
                self.env["product.category"]._selection_labels("property_cost_method")
            )
            columns += [
                ("fifo_value", methods["fifo"], "money"),
                ("lifo_value", self.env._("Last In First Out (LIFO)"), "money"),
                ("average_value", methods["average"], "money"),
                ("standard_value", methods["standard"], "money"),
            ]
        return columns

    def _product_label(self, product, template):
        """SQL of the name of a product (``product``: the alias of its variant,
        ``template``: of its template) as Odoo shows it, "[code] name" in the
        user's language, read with its figures; NULL for a variant with
        attributes, whose name (with its attribute values) the ORM composes
        (``_product_rows``)."""
        return SQL(
            "CASE WHEN COALESCE(%(combination)s, '') <> '' THEN NULL"
            " WHEN COALESCE(%(reference)s, '') <> ''"
            " THEN '[' || %(reference)s || '] ' || %(name)s"
            " ELSE %(name)s END",
            combination=SQL.identifier(product, "combination_indices"),
            # the internal reference (not "code": SQL's own first argument)
            reference=SQL.identifier(product, "default_code"),
            # in parentheses: || binds tighter than ->> of a translated name
            name=SQL(
                "(%s)",
                self.env["product.template"].sudo()._field_to_sql(template, "name"),
            ),
        )

    def _product_rows(self, lines, column, levels):
        """{group: display rows of its products}: ``lines`` themselves, texts
        resolved, by the value of their ``column`` (their group), each group's
        sorted by product name and at the level ``levels`` gives it, in one pass
        over tens of thousands of products."""
        by_group = defaultdict(list)
        if not lines:
            return by_group
        variants = (
            self.env["product.product"]
            .sudo()
            .with_context(active_test=False)
            .browse(line["product_id"] for line in lines if line["label"] is None)
        )
        names = dict(zip(variants.ids, variants.mapped("display_name"), strict=True))
        texts = {}
        for key, (group_column, model) in FLAT_GROUPS.items():
            groups = (
                self.env[model]
                .sudo()
                .with_context(active_test=False)
                .browse({line[group_column] for line in lines if line[group_column]})
            )
            texts[key] = dict(
                zip(groups.ids, groups.mapped("display_name"), strict=True)
            )
        Category = self.env["product.category"]
        cost_methods = dict(Category._selection_labels("property_cost_method"))
        valuations = dict(Category._selection_labels("property_valuation"))
        item_groups, model_groups = texts["item_group"], texts["item_model_group"]
        for line in lines:  # in place: tens of thousands of them
            group = line[column]
            line["kind"] = "product"
            line["level"] = levels[group]
            if line["label"] is None:
                line["label"] = names[line["product_id"]]
            line["item_group"] = item_groups.get(line["item_group_id"], "")
            line["item_model_group"] = model_groups.get(line["item_model_group_id"], "")
            line["cost_method"] = cost_methods.get(line["cost_method"])
            line["valuation"] = valuations.get(line["valuation"])
            by_group[group].append(line)
        label = itemgetter("label")
        for rows in by_group.values():
            rows.sort(key=label)
        return by_group

    def _subtotal_row(self, sums, label, level):
        """A subtotal's row: its sums, no unit cost (a blend of products'
        costs means nothing), its quantity only where its products share one
        unit of measure (``_get_valuation``)."""
        return dict(sums, kind="subtotal", level=level, label=label, unit_cost=None)

    def _flat_rows(self, options, lines, subtotals):
        """Rows by item group or item model group: a heading, the products (detail)
        and "Total <group>" per group, by code."""
        column, model = FLAT_GROUPS[options["group_by"]]
        groups = (
            self.env[model]
            .sudo()
            .with_context(active_test=False)
            .browse([group_id for group_id in subtotals if group_id])
            .sorted(lambda group: (group.code or "", group.id))
        )
        no_group = {
            "item_group": self.env._("No Item Group"),
            "item_model_group": self.env._("No Item Model Group"),
        }[options["group_by"]]
        by_group = self._product_rows(lines, column, dict.fromkeys(subtotals, 1))
        ordered = [(group.id, group.display_name) for group in groups]
        if None in subtotals:
            ordered.append((None, no_group))
        rows = []
        detail = options["level"] == "detail"
        for group_id, label in ordered:
            if detail:
                rows.append({"kind": "group", "level": 0, "label": label})
                rows += by_group[group_id]
                label = self.env._("Total %(group)s", group=label)
            rows.append(self._subtotal_row(subtotals[group_id], label, 0))
        return rows

    def _category_rows(self, options, lines, subtotals):
        """Rows of the category tree: in detail, a heading, the category's own
        products, its subcategories and "Total <category>"; in summary, one row per
        category with its subtotal (its products and its subcategories')."""
        categories = (
            self.env["product.category"]
            .sudo()
            .with_context(active_test=False)
            .browse(list(subtotals))
        )
        children = defaultdict(list)
        for category in categories.sorted("complete_name"):
            children[category.parent_id.id or None].append(category)
        # a category's products one level below it, as deep as its path is long
        by_category = self._product_rows(
            lines,
            "category_id",
            {category.id: category.parent_path.count("/") for category in categories},
        )
        detail = options["level"] == "detail"
        rows = []

        def walk(category, level):
            view = category.category_type == "view"
            if detail:
                rows.append(
                    {
                        "kind": "group",
                        "level": level,
                        "label": category.complete_name,
                        "is_view": view,
                    }
                )
                rows.extend(by_category[category.id])
            else:
                rows.append(
                    dict(
                        self._subtotal_row(
                            subtotals[category.id], category.complete_name, level
                        ),
                        is_view=view,
                    )
                )
            for child in children[category.id]:
                walk(child, level + 1)
            if detail:
                rows.append(
                    dict(
                        self._subtotal_row(
                            subtotals[category.id],
                            self.env._("Total %(group)s", group=category.complete_name),
                            level,
                        ),
                        is_view=view,
                    )
                )

        for root in children[None]:
            walk(root, 0)
        return rows
