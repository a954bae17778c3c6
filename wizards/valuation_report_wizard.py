# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import io
from collections import defaultdict
from contextlib import contextmanager

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

# who may run the report (also on its menus, actions and access rights)
REPORT_GROUPS = (
    "stock.group_stock_manager",
    "account.group_account_readonly",
    "account.group_account_manager",
)
# work_mem of the valuation query: a million layers of 20,000 products aggregate
# in memory with it.
AGGREGATION_WORK_MEM = "64MB"
WHAT_IF_KEYS = ("fifo_value", "lifo_value", "average_value", "standard_value")
SUM_KEYS = ("quantity", "value", *WHAT_IF_KEYS)


class ValuationReportWizard(models.TransientModel):
    """Inventory valuation by category tree or item group, at a date."""

    _name = "product.category.valuation.wizard"
    _description = "Inventory Valuation by Category"
    _check_company_auto = True

    date = fields.Datetime(string="As of", required=True, default=fields.Datetime.now)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    warehouse_ids = fields.Many2many(
        comodel_name="stock.warehouse",
        string="Warehouses",
        check_company=True,
        help="Only the quantities in these warehouses, valued at the products' "
        "unit cost. Empty: the whole company.",
    )
    location_ids = fields.Many2many(
        comodel_name="stock.location",
        string="Locations",
        check_company=True,
        domain="[('usage', '=', 'internal')]",
        help="Only the quantities in these locations and their children, valued at "
        "the products' unit cost. Empty: the whole company.",
    )
    category_ids = fields.Many2many(
        comodel_name="product.category",
        string="Categories",
        help="Only the products of these categories and of their children.",
    )
    item_group_ids = fields.Many2many(
        comodel_name="product.item.group",
        string="Item Groups",
        check_company=True,
        help="Only the products of these item groups.",
    )
    item_model_group_ids = fields.Many2many(
        comodel_name="product.item.model.group",
        string="Item Model Groups",
        check_company=True,
        help="Only the products of these item model groups.",
    )
    group_by = fields.Selection(
        selection=[
            ("category", "Category Tree"),
            ("item_group", "Item Group"),
            ("item_model_group", "Item Model Group"),
        ],
        required=True,
        default="category",
    )
    include_zero = fields.Boolean(
        string="Zero-Quantity Lines",
        help="Also list the products valued in the past that have no quantity left.",
    )
    show_what_if = fields.Boolean(
        string="What-If Columns",
        help="Also value the on-hand quantities under FIFO, LIFO, weighted average "
        "of the receipts and standard cost.",
    )
    xlsx_file = fields.Binary(string="XLSX File", readonly=True, attachment=False)

    # ------------------------------------------------------------------
    # Data
    # ------------------------------------------------------------------
    def _check_report_access(self):
        self.ensure_one()
        if not any(self.env.user.has_group(group) for group in REPORT_GROUPS):
            raise AccessError(
                self.env._(
                    "Only stock managers and accounting users can run the "
                    "inventory valuation report."
                )
            )
        if self.company_id not in self.env.companies:
            raise AccessError(
                self.env._(
                    "You cannot value the inventory of %(company)s: it is not one "
                    "of your allowed companies.",
                    company=self.company_id.name,
                )
            )

    def _location_ids(self):
        locations = self.location_ids | self.warehouse_ids.view_location_id
        if not locations:
            return []
        return (
            self.env["stock.location"]
            .sudo()
            .search([("id", "child_of", locations.ids), ("usage", "=", "internal")])
            .ids
        )

    def _product_filter(self):
        """SQL condition on product_template ``t`` for the category and item
        group filters."""
        conditions = []
        if self.category_ids:
            categories = (
                self.env["product.category"]
                .sudo()
                .search([("id", "child_of", self.category_ids.ids)])
            )
            conditions.append(SQL("t.categ_id = ANY(%s)", categories.ids))
        for column, groups in (
            ("item_group_id", self.item_group_ids),
            ("item_model_group_id", self.item_model_group_ids),
        ):
            if groups:
                conditions.append(
                    SQL(
                        "(t.%s ->> %s)::int = ANY(%s)",
                        SQL.identifier(column),
                        str(self.company_id.id),
                        groups.ids,
                    )
                )
        return SQL(" AND ").join(conditions) if conditions else SQL("TRUE")

    def _location_parts(self):
        """Quantity and value expressions of the query, with the CTE and join they
        need when warehouses or locations restrict it. Valuation is company-wide:
        the quantity held in the locations is valued at the company-wide unit
        cost."""
        location_ids = self._location_ids()
        if not location_ids:
            return SQL("l.quantity"), SQL("l.value"), SQL(""), SQL("")
        onhand_cte = SQL(
            """,
            onhand AS (
                SELECT ml.product_id,
                       SUM(CASE WHEN ml.location_dest_id = ANY(%(locs)s)
                                THEN ml.quantity_product_uom
                                ELSE -ml.quantity_product_uom END) AS quantity
                  FROM stock_move_line ml
                 WHERE ml.state = 'done' AND ml.company_id = %(company)s
                   AND ml.date <= %(date)s
                   AND (ml.location_id = ANY(%(locs)s))
                       <> (ml.location_dest_id = ANY(%(locs)s))
                 GROUP BY ml.product_id
            )
            """,
            locs=location_ids,
            company=self.company_id.id,
            date=self.date,
        )
        quantity = SQL("COALESCE(o.quantity, 0)")
        value = SQL(
            "CASE WHEN l.quantity <> 0"
            " THEN COALESCE(o.quantity, 0) * l.value / l.quantity ELSE 0 END"
        )
        return (
            quantity,
            value,
            onhand_cte,
            SQL("LEFT JOIN onhand o ON o.product_id = l.product_id"),
        )

    def _what_if_parts(self):
        """CTEs, columns and join of the what-if values (empty when off).

        The on-hand quantity is taken from the incoming layers (receipts, returns,
        inventory gains) up to the date: the latest ones for FIFO, the earliest
        ones for LIFO; quantities beyond them, or negative ones, are valued at the
        weighted average of all of them."""
        if not self.show_what_if:
            return SQL(""), SQL(""), SQL("")
        ctes = SQL(
            """,
            incoming AS (
                SELECT svl.product_id, svl.quantity, svl.value,
                       SUM(svl.quantity) OVER (
                           PARTITION BY svl.product_id
                           ORDER BY svl.create_date DESC, svl.id DESC
                       ) AS from_latest,
                       SUM(svl.quantity) OVER (
                           PARTITION BY svl.product_id
                           ORDER BY svl.create_date, svl.id
                       ) AS from_earliest
                  FROM stock_valuation_layer svl
                  JOIN base b ON b.product_id = svl.product_id
                 WHERE svl.company_id = %(company)s
                   AND svl.create_date <= %(date)s
                   AND svl.quantity > 0
            ),
            what_if AS (
                SELECT i.product_id,
                       SUM(i.value) / NULLIF(SUM(i.quantity), 0) AS average_cost,
                       SUM(i.value / i.quantity * GREATEST(0, LEAST(i.quantity,
                           b.quantity - i.from_latest + i.quantity))) AS fifo_value,
                       SUM(i.value / i.quantity * GREATEST(0, LEAST(i.quantity,
                           b.quantity - i.from_earliest + i.quantity))) AS lifo_value,
                       LEAST(MAX(i.from_latest), GREATEST(MAX(b.quantity), 0))
                           AS covered
                  FROM incoming i
                  JOIN base b ON b.product_id = i.product_id
                 GROUP BY i.product_id
            )
            """,
            company=self.company_id.id,
            date=self.date,
        )
        columns = SQL(
            """,
            COALESCE(w.fifo_value, 0) + (b.quantity - COALESCE(w.covered, 0))
                * COALESCE(w.average_cost, 0) AS fifo_value,
            COALESCE(w.lifo_value, 0) + (b.quantity - COALESCE(w.covered, 0))
                * COALESCE(w.average_cost, 0) AS lifo_value,
            b.quantity * COALESCE(w.average_cost, 0) AS average_value,
            b.quantity * COALESCE((pp.standard_price ->> %s)::numeric, 0)
                AS standard_value
            """,
            str(self.company_id.id),
        )
        join = SQL(
            """
            LEFT JOIN what_if w ON w.product_id = b.product_id
            JOIN product_product pp ON pp.id = b.product_id
            """
        )
        return ctes, columns, join

    def _valuation_query(self):
        """The SELECT behind _get_valuation_lines(): one row per product, amounts
        rounded to the company currency and returned as floats."""
        digits = self.company_id.currency_id.decimal_places
        money = [
            SQL(
                "ROUND(r.%(column)s::numeric, %(digits)s)::float8 AS %(column)s",
                column=SQL.identifier(column),
                digits=digits,
            )
            for column in ("value", *(WHAT_IF_KEYS if self.show_what_if else ()))
        ]
        return SQL(
            """
            SELECT r.product_id, r.category_id, r.item_group_id,
                   r.item_model_group_id, r.quantity::float8 AS quantity, %(money)s,
                   COALESCE(ROUND(r.value::numeric, %(digits)s)
                            / NULLIF(r.quantity, 0), 0)::float8 AS unit_cost
              FROM (%(rows)s) r
            """,
            money=SQL(", ").join(money),
            digits=digits,
            rows=self._valuation_rows_query(),
        )

    def _valuation_rows_query(self):
        """Unrounded valuation rows, one per product."""
        quantity, value, onhand_cte, onhand_join = self._location_parts()
        what_if_ctes, what_if_columns, what_if_join = self._what_if_parts()
        return SQL(
            """
            WITH layers AS (
                SELECT svl.product_id,
                       SUM(svl.quantity) AS quantity,
                       SUM(svl.value) AS value
                  FROM stock_valuation_layer svl
                 WHERE svl.company_id = %(company)s AND svl.create_date <= %(date)s
                 GROUP BY svl.product_id
            )%(onhand_cte)s,
            base AS (
                SELECT l.product_id, t.categ_id,
                       (t.item_group_id ->> %(company_key)s)::int AS item_group_id,
                       (t.item_model_group_id ->> %(company_key)s)::int
                           AS item_model_group_id,
                       %(quantity)s AS quantity, %(value)s AS value
                  FROM layers l
                  JOIN product_product p ON p.id = l.product_id
                  JOIN product_template t ON t.id = p.product_tmpl_id
                  %(onhand_join)s
                 WHERE %(product_filter)s
            )%(what_if_ctes)s
            SELECT b.product_id, b.categ_id AS category_id, b.item_group_id,
                   b.item_model_group_id, b.quantity, b.value%(what_if_columns)s
              FROM base b
              %(what_if_join)s
             WHERE %(zero_filter)s
            """,
            company=self.company_id.id,
            date=self.date,
            company_key=str(self.company_id.id),
            quantity=quantity,
            value=value,
            onhand_cte=onhand_cte,
            onhand_join=onhand_join,
            product_filter=self._product_filter(),
            what_if_ctes=what_if_ctes,
            what_if_columns=what_if_columns,
            what_if_join=what_if_join,
            zero_filter=SQL("TRUE") if self.include_zero else SQL("b.quantity <> 0"),
        )

    @contextmanager
    def _aggregation_memory(self):
        """Let the aggregation of the layers hash in memory instead of spilling to
        disk (PostgreSQL's default work_mem is 4 MB), for this query only."""
        cr = self.env.cr
        cr.execute("SELECT current_setting('work_mem')")
        previous = cr.fetchone()[0]
        cr.execute(SQL("SELECT set_config('work_mem', %s, true)", AGGREGATION_WORK_MEM))
        try:
            yield
        finally:
            cr.execute(SQL("SELECT set_config('work_mem', %s, true)", previous))

    def _get_valuation_lines(self):
        """Return the valuation at the wizard's date, one dict per product:

        ``product_id``, ``category_id``, ``item_group_id`` (ids or None),
        ``quantity``, ``value`` (company currency, from the stock valuation
        layers up to the date), ``unit_cost`` (value / quantity, 0 without
        quantity), ``cost_method`` and ``valuation`` (of the category in the
        company) and, with the what-if columns, ``fifo_value``, ``lifo_value``,
        ``average_value`` and ``standard_value``.

        Aggregated in one read-only SQL query; no product is loaded in the ORM.
        """
        self._check_report_access()
        self.env["stock.valuation.layer"].flush_model()
        self.env["stock.move.line"].flush_model()
        self.env["product.template"].flush_model(
            ["categ_id", "item_group_id", "item_model_group_id"]
        )
        self.env["product.product"].flush_model(["standard_price"])
        with self._aggregation_memory():
            self.env.cr.execute(self._valuation_query())
            lines = self.env.cr.dictfetchall()
        categories = (
            self.env["product.category"]
            .sudo()
            .with_company(self.company_id)
            .browse({line["category_id"] for line in lines})
        )
        methods = {
            category.id: {
                "cost_method": category.property_cost_method,
                "valuation": category.property_valuation,
            }
            for category in categories
        }
        for line in lines:
            line.update(methods[line["category_id"]])
        return lines

    def _get_reconciliation(self):
        """Per stock valuation account of the company's real-time products: the
        ledger balance of posted entries at the date, the value of the products
        posting there (all of the company's, whatever the filters) and the
        difference."""
        self._check_report_access()
        company = self.company_id
        self.env["stock.valuation.layer"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT t.categ_id, (t.item_group_id ->> %s)::int AS item_group_id,
                       SUM(svl.value) AS value
                  FROM stock_valuation_layer svl
                  JOIN product_product p ON p.id = svl.product_id
                  JOIN product_template t ON t.id = p.product_tmpl_id
                 WHERE svl.company_id = %s AND svl.create_date <= %s
                 GROUP BY 1, 2
                """,
                str(company.id),
                company.id,
                self.date,
            )
        )
        values = defaultdict(float)
        Category = self.env["product.category"].sudo().with_company(company)
        Group = self.env["product.item.group"].sudo()
        for categ_id, group_id, value in self.env.cr.fetchall():
            category = Category.browse(categ_id)
            if category.property_valuation != "real_time":
                continue
            account = (
                Group.browse(group_id).stock_valuation_account_id
                or category.property_stock_valuation_account_id
            )
            values[account] += float(value)
        accounts = self.env["account.account"].sudo().union(*values)
        self.env["account.move.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT account_id, SUM(balance)
                  FROM account_move_line
                 WHERE account_id = ANY(%s) AND company_id = %s
                   AND parent_state = 'posted' AND date <= %s
                 GROUP BY account_id
                """,
                accounts.ids,
                company.id,
                fields.Date.to_date(self.date),
            )
        )
        ledger = dict(self.env.cr.fetchall())
        currency = company.currency_id
        rows = []
        for account in accounts.sorted("code"):
            ledger_balance = currency.round(float(ledger.get(account.id, 0.0)))
            report_value = currency.round(values[account])
            rows.append(
                {
                    "account": account,
                    "ledger_balance": ledger_balance,
                    "report_value": report_value,
                    "difference": currency.round(ledger_balance - report_value),
                }
            )
        return rows

    # ------------------------------------------------------------------
    # Presentation: rows shared by the QWeb templates and the XLSX export
    # ------------------------------------------------------------------
    def _get_report_rows(self, lines):
        """Flatten ``lines`` into display rows: ``kind`` is ``group`` (a heading),
        ``product``, ``subtotal`` or ``total``; ``level`` is the depth."""
        products = (
            self.env["product.product"]
            .sudo()
            .with_context(active_test=False)
            .browse([line["product_id"] for line in lines])
        )
        names = dict(zip(products.ids, products.mapped("display_name"), strict=True))
        for key, model in (
            ("item_group", "product.item.group"),
            ("item_model_group", "product.item.model.group"),
        ):
            groups = (
                self.env[model]
                .sudo()
                .browse({line[f"{key}_id"] for line in lines if line[f"{key}_id"]})
            )
            group_names = dict(
                zip(groups.ids, groups.mapped("display_name"), strict=True)
            )
            for line in lines:
                line[key] = group_names.get(line[f"{key}_id"], "")
        for line in lines:
            line["label"] = names[line["product_id"]]
        lines = sorted(lines, key=lambda line: line["label"])
        if self.group_by in ("item_group", "item_model_group"):
            rows = self._item_group_rows(lines, self.group_by)
        else:
            rows = self._category_rows(lines)
        rows.append(
            dict(self._sums(lines), kind="total", level=0, label=self.env._("Total"))
        )
        return rows

    @staticmethod
    def _sums(lines):
        return {key: sum(line.get(key, 0.0) for line in lines) for key in SUM_KEYS}

    @staticmethod
    def _product_row(line, level):
        return dict(line, kind="product", level=level)

    def _item_group_rows(self, lines, key):
        """Rows by item group or item model group (``key``)."""
        # "[CODE] Name" labels are unique per company and sort by code.
        by_group = defaultdict(list)
        for line in lines:
            by_group[line[key]].append(line)
        rows = []
        no_group = {
            "item_group": self.env._("No Item Group"),
            "item_model_group": self.env._("No Item Model Group"),
        }[key]
        for label in sorted(by_group, key=lambda label: (not label, label)):
            heading = label or no_group
            group_lines = by_group[label]
            rows.append({"kind": "group", "level": 0, "label": heading})
            rows += [self._product_row(line, 1) for line in group_lines]
            rows.append(
                dict(self._sums(group_lines), kind="subtotal", level=0, label=heading)
            )
        return rows

    def _category_rows(self, lines):
        Category = self.env["product.category"].sudo()
        by_category = defaultdict(list)
        for line in lines:
            by_category[line["category_id"]].append(line)
        leaves = Category.browse(list(by_category))
        ancestor_ids = {
            int(cid)
            for path in leaves.mapped("parent_path")
            for cid in path.split("/")
            if cid
        }
        tree = Category.browse(ancestor_ids)
        children = defaultdict(list)
        for category in tree.sorted("complete_name"):
            children[category.parent_id.id or None].append(category)
        rows = []

        def walk(category, level):
            rows.append(
                {
                    "kind": "group",
                    "level": level,
                    "label": category.complete_name,
                    "category_type": category.category_type,
                }
            )
            own = by_category.get(category.id, [])
            rows.extend(self._product_row(line, level + 1) for line in own)
            subtree = list(own)
            for child in children[category.id]:
                subtree += walk(child, level + 1)
            rows.append(
                dict(
                    self._sums(subtree),
                    kind="subtotal",
                    level=level,
                    label=category.complete_name,
                )
            )
            return subtree

        for root in children[None]:
            walk(root, 0)
        return rows

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_print_pdf(self):
        self._check_report_access()
        return self.env.ref(
            "product_category_valuation.action_report_inventory_valuation"
        ).report_action(self)

    def action_preview_html(self):
        self._check_report_access()
        return self.env.ref(
            "product_category_valuation.action_report_inventory_valuation_html"
        ).report_action(self)

    def action_export_xlsx(self):
        self._check_report_access()
        self.xlsx_file = base64.b64encode(self._render_xlsx())
        filename = self.env._(
            "inventory_valuation_%(date)s.xlsx", date=fields.Date.to_string(self.date)
        )
        url = f"/web/content/{self._name}/{self.id}/xlsx_file/{filename}"
        return {
            "type": "ir.actions.act_url",
            "url": f"{url}?download=true",
            "target": "self",
        }

    def _xlsx_columns(self):
        columns = [
            ("label", self.env._("Product"), "text"),
            ("item_group", self.env._("Item Group"), "text"),
            ("item_model_group", self.env._("Item Model Group"), "text"),
            ("cost_method", self.env._("Costing Method"), "text"),
            ("valuation", self.env._("Valuation"), "text"),
            ("quantity", self.env._("Quantity"), "quantity"),
            ("unit_cost", self.env._("Unit Cost"), "money"),
            ("value", self.env._("Value"), "money"),
        ]
        if self.show_what_if:
            columns += [
                ("fifo_value", self.env._("FIFO"), "money"),
                ("lifo_value", self.env._("LIFO"), "money"),
                ("average_value", self.env._("Weighted Average"), "money"),
                ("standard_value", self.env._("Standard Cost"), "money"),
            ]
        return columns

    def _render_xlsx(self):
        """Return the XLSX file of the report, same rows as the PDF."""
        rows = self._get_report_rows(self._get_valuation_lines())
        labels = self._selection_labels()
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
        sheet = workbook.add_worksheet(self.env._("Valuation"))
        bold = workbook.add_format({"bold": True})
        formats = {
            "text": workbook.add_format(),
            "quantity": workbook.add_format({"num_format": "#,##0.00"}),
            "money": workbook.add_format({"num_format": "#,##0.00"}),
        }
        bold_formats = {
            kind: workbook.add_format({"bold": True, "num_format": "#,##0.00"})
            for kind in formats
        }
        sheet.write(0, 0, self.env._("Inventory Valuation by Category"), bold)
        sheet.write(1, 0, self.company_id.name)
        sheet.write(1, 1, fields.Datetime.to_string(self.date))
        columns = self._xlsx_columns()
        for col, (_key, title, _kind) in enumerate(columns):
            sheet.write(3, col, title, bold)
        row_index = 4
        for row in rows:
            strong = row["kind"] != "product"
            for col, (key, _title, kind) in enumerate(columns):
                if key == "label":
                    sheet.write_string(
                        row_index,
                        col,
                        "    " * row["level"] + row["label"],
                        bold if strong else formats["text"],
                    )
                elif row["kind"] == "group":
                    continue
                elif kind == "text":
                    if row["kind"] == "product":
                        sheet.write_string(
                            row_index, col, labels.get((key, row[key]), row[key] or "")
                        )
                elif key in row:
                    sheet.write_number(
                        row_index,
                        col,
                        row[key],
                        (bold_formats if strong else formats)[kind],
                    )
            row_index += 1
        sheet.set_column(0, 0, 45)
        sheet.set_column(1, len(columns), 16)
        workbook.close()
        return buffer.getvalue()

    @api.model
    def _selection_labels(self):
        """(field key, value) -> label of the costing method and valuation."""
        Category = self.env["product.category"]
        labels = {}
        for key, fname in (
            ("cost_method", "property_cost_method"),
            ("valuation", "property_valuation"),
        ):
            for value, label in Category._fields[fname]._description_selection(
                self.env
            ):
                labels[(key, value)] = label
        return labels
