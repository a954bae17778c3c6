# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, format_datetime, format_list

REPORT_GROUP = "product_category_valuation.group_inventory_valuation"
# work_mem of the valuation query: a million layers of 20,000 products aggregate,
# and their receipts sort for the what-if columns, in memory with it.
AGGREGATION_WORK_MEM = "128MB"
WHAT_IF_KEYS = ("fifo_value", "lifo_value", "average_value", "standard_value")
SUM_KEYS = ("quantity", "value", *WHAT_IF_KEYS)
# group_by -> (product column, model) of the flat groupings
FLAT_GROUPS = {
    "item_group": ("item_group_id", "product.item.group"),
    "item_model_group": ("item_model_group_id", "product.item.model.group"),
}
# Marks the valuation query in PostgreSQL's logs (see tools/check_replica.py).
QUERY_TAG = SQL("/* product_category_valuation: inventory valuation */")


class InventoryValuationReport(models.AbstractModel):
    """The inventory valuation engine: the user's options in, everything the PDF,
    HTML and XLSX outputs show out (``_get_report_data``). Read-only: it writes
    nothing, so that it runs on a read replica."""

    _name = "report.product_category_valuation.inventory_valuation"
    _description = "Inventory Valuation Report"

    # ------------------------------------------------------------------
    # Options
    # ------------------------------------------------------------------
    @api.model
    def _get_options(self, data):
        """The user's choices (``data`` of the wizard, or of the URL) as records,
        access checked once: the user may value inventory, in that company."""
        if not self.env.user.has_group(REPORT_GROUP):
            raise AccessError(
                self.env._(
                    "Only stock managers and accounting users can run the inventory "
                    "valuation report."
                )
            )
        # the user's companies as Odoo caches them for the environment
        company_id = data.get("company_id")
        if company_id not in self.env.user._get_company_ids():
            # named only if the user may read it, else by what was asked
            company = (
                self.env["res.company"]
                .browse(company_id if isinstance(company_id, int) else ())
                .exists()
                ._filtered_access("read")
            )
            raise AccessError(
                self.env._(
                    "You cannot value the inventory of %(company)s: it is not one "
                    "of your allowed companies.",
                    company=company.name or company_id,
                )
            )
        company = self.env["res.company"].browse(company_id)
        sudo = self.sudo().with_company(company).with_context(active_test=False)
        date = fields.Datetime.to_datetime(data.get("date")) or fields.Datetime.now()
        tz = self.env.context.get("tz") or self.env.user.tz or "UTC"
        return {
            "date": date,
            # the as-of day in the user's time zone, both sides of the ledger
            "local_date": fields.Datetime.context_timestamp(
                self.with_context(tz=tz), date
            ).date(),
            "tz": tz,
            "date_basis": data.get("date_basis") or "valuation",
            "company": company,
            "warehouses": sudo.env["stock.warehouse"].browse(
                data.get("warehouse_ids") or []
            ),
            "locations": sudo.env["stock.location"].browse(
                data.get("location_ids") or []
            ),
            "categories": sudo.env["product.category"].browse(
                data.get("category_ids") or []
            ),
            "item_groups": sudo.env["product.item.group"].browse(
                data.get("item_group_ids") or []
            ),
            "item_model_groups": sudo.env["product.item.model.group"].browse(
                data.get("item_model_group_ids") or []
            ),
            "group_by": data.get("group_by") or "category",
            "level": data.get("level") or "detail",
            "include_zero": bool(data.get("include_zero")),
            "show_what_if": bool(data.get("show_what_if")),
        }

    # ------------------------------------------------------------------
    # SQL
    # ------------------------------------------------------------------
    def _layer_dated(self, options):
        """(join, condition) that keep the layers ``svl`` of the as-of date: by
        their creation (Odoo's valuation date), or by the date of their journal
        entry when they have one (accounting date), in the user's time zone."""
        if options["date_basis"] == "valuation":
            return SQL(""), SQL("svl.create_date <= %s", options["date"])
        return (
            SQL("LEFT JOIN account_move svl_move ON svl_move.id = svl.account_move_id"),
            SQL(
                "COALESCE(svl_move.date,"
                " (svl.create_date AT TIME ZONE 'UTC' AT TIME ZONE %s)::date) <= %s",
                options["tz"],
                options["local_date"],
            ),
        )

    def _location_ids(self, options):
        locations = options["locations"] | options["warehouses"].view_location_id
        if not locations:
            return []
        return (
            self.env["stock.location"]
            .sudo()
            .search([("id", "child_of", locations.ids), ("usage", "=", "internal")])
            .ids
        )

    def _product_filter(self, options):
        """SQL condition on ``l.product_id`` for the category and group filters: a
        subquery of Odoo's own search."""
        domain = []
        if options["categories"]:
            domain.append(("categ_id", "child_of", options["categories"].ids))
        if options["item_groups"]:
            domain.append(("item_group_id", "in", options["item_groups"].ids))
        if options["item_model_groups"]:
            domain.append(
                ("item_model_group_id", "in", options["item_model_groups"].ids)
            )
        if not domain:
            return SQL("TRUE")
        Product = (
            self.env["product.product"]
            .sudo()
            .with_company(options["company"])
            .with_context(active_test=False)
        )
        return SQL("l.product_id IN %s", Product._search(domain).subselect())

    def _location_parts(self, options):
        """Quantity and value expressions, with the CTE and join they need when
        warehouses or locations restrict the report. Valuation is company-wide:
        the quantity held there is valued at the company-wide unit cost."""
        location_ids = self._location_ids(options)
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
            company=options["company"].id,
            date=options["date"],
        )
        return (
            SQL("COALESCE(o.quantity, 0)"),
            SQL(
                "CASE WHEN l.quantity <> 0"
                " THEN COALESCE(o.quantity, 0) * l.value / l.quantity ELSE 0 END"
            ),
            onhand_cte,
            SQL("LEFT JOIN onhand o ON o.product_id = l.product_id"),
        )

    def _what_if_parts(self, options):
        """SQL fragments of the what-if values, empty when they are off:
        ``incoming`` sums, in the layers' scan, the quantity and value of the
        incoming layers (receipts, returns, inventory gains) up to the date;
        ``carry`` carries these sums to the products; ``what_if_ctes``,
        ``what_if_columns`` and ``what_if_join`` value the on-hand quantity from
        those layers (the keys are the placeholders of the query): the latest ones
        for FIFO, the earliest ones for LIFO. Quantities beyond them, or
        negative ones, are valued at the weighted average of all of them."""
        if not options["show_what_if"]:
            return dict.fromkeys(
                (
                    "incoming",
                    "carry",
                    "what_if_ctes",
                    "what_if_columns",
                    "what_if_join",
                ),
                SQL(""),
            )
        dated_join, dated = self._layer_dated(options)
        ctes = SQL(
            """,
            incoming AS (
                -- each product's on-hand and received quantities, in a row that
                -- sorts before its incoming layers: one sort, one window carries
                -- them to its layers with the quantity received up to each
                SELECT b.product_id, '-infinity'::timestamp AS create_date,
                       0 AS id, NULL::float8 AS quantity, NULL::float8 AS value,
                       b.quantity::float8 AS onhand,
                       b.incoming_quantity::float8 AS received_in_all
                  FROM base b
                UNION ALL
                SELECT svl.product_id, svl.create_date, svl.id,
                       svl.quantity::float8, svl.value::float8, NULL, NULL
                  FROM stock_valuation_layer svl
                  %(dated_join)s
                 WHERE svl.company_id = %(company)s
                   AND %(dated)s
                   AND svl.quantity > 0
            ),
            ordered AS (
                SELECT i.product_id, i.quantity, i.value,
                       -- FIFO: what came after the first (received - on hand)
                       -- units; LIFO: the first on-hand units
                       FIRST_VALUE(i.onhand) OVER earliest_first
                           - FIRST_VALUE(i.received_in_all) OVER earliest_first
                           + SUM(i.quantity) OVER earliest_first AS fifo_part,
                       FIRST_VALUE(i.onhand) OVER earliest_first
                           - SUM(i.quantity) OVER earliest_first
                           + i.quantity AS lifo_part
                  FROM incoming i
                WINDOW earliest_first AS (
                    PARTITION BY i.product_id ORDER BY i.create_date, i.id
                    ROWS UNBOUNDED PRECEDING
                )
            ),
            what_if AS (
                -- in float8 (what-if figures, rounded at the end)
                SELECT o.product_id,
                       SUM(CASE WHEN o.fifo_part >= o.quantity THEN o.value
                                WHEN o.fifo_part > 0
                                THEN o.value / o.quantity * o.fifo_part
                           END) AS fifo_value,
                       SUM(CASE WHEN o.lifo_part >= o.quantity THEN o.value
                                WHEN o.lifo_part > 0
                                THEN o.value / o.quantity * o.lifo_part
                           END) AS lifo_value
                  FROM ordered o
                 WHERE o.quantity IS NOT NULL
                 GROUP BY o.product_id
            )
            """,
            company=options["company"].id,
            dated_join=dated_join,
            dated=dated,
        )
        Product = self.env["product.product"].sudo().with_company(options["company"])
        average_cost = SQL(
            "COALESCE(b.incoming_value::float8"
            " / NULLIF(b.incoming_quantity::float8, 0), 0)"
        )
        # what the incoming layers do not cover, at their average cost
        beyond = SQL(
            "(b.quantity::float8 - LEAST(COALESCE(b.incoming_quantity::float8, 0),"
            " GREATEST(b.quantity::float8, 0))) * %s",
            average_cost,
        )
        columns = SQL(
            """,
            COALESCE(w.fifo_value, 0) + %(beyond)s AS fifo_value,
            COALESCE(w.lifo_value, 0) + %(beyond)s AS lifo_value,
            b.quantity::float8 * %(average_cost)s AS average_value,
            b.quantity * COALESCE(%(standard_price)s, 0) AS standard_value
            """,
            beyond=beyond,
            average_cost=average_cost,
            standard_price=Product._field_to_sql("pp", "standard_price"),
        )
        join = SQL(
            """
            LEFT JOIN what_if w ON w.product_id = b.product_id
            JOIN product_product pp ON pp.id = b.product_id
            """
        )
        return {
            "incoming": SQL(
                """,
                SUM(svl.quantity) FILTER (WHERE svl.quantity > 0) AS incoming_quantity,
                SUM(svl.value) FILTER (WHERE svl.quantity > 0) AS incoming_value
                """
            ),
            "carry": SQL(", l.incoming_quantity, l.incoming_value"),
            "what_if_ctes": ctes,
            "what_if_columns": columns,
            "what_if_join": join,
        }

    def _has_journal_entries(self, company):
        """Whether a layer of ``company`` has a journal entry (real-time
        valuation, now or once): a probe of Odoo's partial index."""
        return bool(
            self.env["stock.valuation.layer"]
            .sudo()
            .search_count(
                [("company_id", "=", company.id), ("account_move_id", "!=", False)],
                limit=1,
            )
        )

    def _valuation_query(self, options, with_entries=True):
        """One read-only query, one scan of the layers. Its rows are, by ``kind``:

        - ``product`` (detail level only): a product, its category, item group and
          item model group, the costing method and valuation of its category, and
          its amounts;
        - ``subtotal``: the sums of every group: every category of the tree (its
          products and those of its subcategories), or every item group;
        - ``total``: the sums over all products;
        - ``account``: the value of all the company's products (whatever the
          filters) per stock valuation account (their item group's, else their
          category's), and in the quantity column the value of their layers with
          a journal entry (the reconciliation's). Without ``with_entries`` (no
          layer of the company has one), that sum is left out of the scan.

        Amounts are rounded to the company currency per product first, so that
        every subtotal is the sum of its products to the cent."""
        company = options["company"]
        digits = company.currency_id.decimal_places
        keys = SUM_KEYS if options["show_what_if"] else SUM_KEYS[:2]
        quantity, value, onhand_cte, onhand_join = self._location_parts(options)
        dated_join, dated = self._layer_dated(options)
        Template = self.env["product.template"].sudo().with_company(company)
        Category = self.env["product.category"].sudo().with_company(company)
        rounded = SQL(", ").join(
            SQL(
                "ROUND(r.%(key)s::numeric, %(digits)s) AS %(key)s",
                key=SQL.identifier(key),
                digits=digits,
            )
            if key != "quantity"
            else SQL("r.quantity")
            for key in keys
        )
        sums = SQL(", ").join(
            SQL("SUM(%(key)s)::float8", key=SQL.identifier(key)) for key in keys
        )
        nulls = SQL(", ").join(SQL("NULL::float8") for _key in keys[2:])
        plain = SQL(", ").join(
            SQL("r.%(key)s::float8", key=SQL.identifier(key)) for key in keys
        )
        # the sums of each category (or group), then of every level from them
        group_column = SQL.identifier(
            "category_id"
            if options["group_by"] == "category"
            else FLAT_GROUPS[options["group_by"]][0]
        )
        group_sums = SQL(", ").join(
            SQL("SUM(r.%(key)s) AS %(key)s", key=SQL.identifier(key)) for key in keys
        )
        if options["group_by"] == "category":
            subtotal = SQL(
                """
                SELECT 'subtotal', NULL::int, a.id, NULL::int, NULL::int, NULL,
                       NULL, %(sums)s
                  FROM grouped g
                  JOIN product_category c ON c.id = g.group_id
                  CROSS JOIN LATERAL unnest(
                      string_to_array(rtrim(c.parent_path, '/'), '/')::int[]
                  ) AS a(id)
                 GROUP BY a.id
                """,
                sums=sums,
            )
        else:
            subtotal = SQL(
                "SELECT 'subtotal', NULL::int, g.group_id, NULL::int, NULL::int,"
                " NULL, NULL, %(plain)s FROM grouped g",
                plain=SQL(", ").join(
                    SQL("g.%(key)s::float8", key=SQL.identifier(key)) for key in keys
                ),
            )
        products = SQL(
            """
            SELECT 'product', r.product_id, r.category_id, r.item_group_id,
                   r.item_model_group_id, r.cost_method, r.valuation, %(plain)s
              FROM rounded r
            UNION ALL
            """,
            plain=plain,
        )
        return SQL(
            """
            %(tag)s
            WITH layers AS (
                SELECT svl.product_id,
                       SUM(svl.quantity) AS quantity,
                       SUM(svl.value) AS value,
                       %(value_with_entry)s AS value_with_entry%(incoming)s
                  FROM stock_valuation_layer svl
                  %(dated_join)s
                 WHERE svl.company_id = %(company)s AND %(dated)s
                 GROUP BY svl.product_id
            ),
            categories AS MATERIALIZED (
                SELECT c.id,
                       %(cost_method)s AS cost_method,
                       %(valuation)s AS valuation,
                       %(categ_account)s AS account_id
                  FROM product_category c
            ),
            products AS MATERIALIZED (
                -- every product with layers, whatever the filters (accounts)
                SELECT l.product_id, l.quantity, l.value, l.value_with_entry,
                       t.categ_id,
                       %(item_group)s AS item_group_id,
                       %(item_model_group)s AS item_model_group_id,
                       k.cost_method, k.valuation,
                       k.account_id AS categ_account_id%(carry)s
                  FROM layers l
                  JOIN product_product p ON p.id = l.product_id
                  JOIN product_template t ON t.id = p.product_tmpl_id
                  JOIN categories k ON k.id = t.categ_id
            )%(onhand_cte)s,
            base AS (
                SELECT l.product_id, l.categ_id, l.item_group_id,
                       l.item_model_group_id, l.cost_method, l.valuation,
                       %(quantity)s AS quantity, %(value)s AS value%(carry)s
                  FROM products l
                  %(onhand_join)s
                 WHERE %(product_filter)s
            )%(what_if_ctes)s,
            unrounded AS (
                SELECT b.product_id, b.categ_id AS category_id, b.item_group_id,
                       b.item_model_group_id, b.cost_method, b.valuation,
                       b.quantity, b.value%(what_if_columns)s
                  FROM base b
                  %(what_if_join)s
                 WHERE %(zero_filter)s
            ),
            rounded AS (
                SELECT r.product_id, r.category_id, r.item_group_id,
                       r.item_model_group_id, r.cost_method, r.valuation,
                       %(rounded)s
                  FROM unrounded r
            ),
            grouped AS MATERIALIZED (
                SELECT r.%(group_column)s AS group_id, %(group_sums)s
                  FROM rounded r
                 GROUP BY r.%(group_column)s
            )
            %(products_rows)s
            %(subtotal)s
            UNION ALL
            SELECT 'total', NULL::int, NULL::int, NULL::int, NULL::int, NULL, NULL,
                   %(sums)s
              FROM grouped
            UNION ALL
            SELECT 'account', NULL::int,
                   COALESCE(g.stock_valuation_account_id, pr.categ_account_id),
                   NULL::int, NULL::int, NULL, NULL,
                   COALESCE(SUM(pr.value_with_entry), 0)::float8,
                   SUM(pr.value)::float8%(nulls)s
              FROM products pr
              LEFT JOIN product_item_group g ON g.id = pr.item_group_id
             GROUP BY 3
            """,
            tag=QUERY_TAG,
            value_with_entry=SQL(
                "SUM(svl.value) FILTER (WHERE svl.account_move_id IS NOT NULL)"
            )
            if with_entries
            else SQL("NULL::numeric"),
            company=company.id,
            dated_join=dated_join,
            dated=dated,
            item_group=Template._field_to_sql("t", "item_group_id"),
            item_model_group=Template._field_to_sql("t", "item_model_group_id"),
            cost_method=Category._field_to_sql("c", "property_cost_method"),
            valuation=Category._field_to_sql("c", "property_valuation"),
            categ_account=Category._field_to_sql(
                "c", "property_stock_valuation_account_id"
            ),
            quantity=quantity,
            value=value,
            onhand_cte=onhand_cte,
            onhand_join=onhand_join,
            product_filter=self._product_filter(options),
            **self._what_if_parts(options),
            zero_filter=SQL("TRUE")
            if options["include_zero"]
            else SQL("b.quantity <> 0"),
            rounded=rounded,
            products_rows=products if options["level"] == "detail" else SQL(""),
            group_column=group_column,
            group_sums=group_sums,
            subtotal=subtotal,
            sums=sums,
            nulls=SQL(", %s", nulls) if len(keys) > 2 else SQL(""),
        )

    def _execute(self, query):
        """Run ``query`` with the settings of a short analytical query, for it
        only: enough work_mem for the layers to aggregate in memory (PostgreSQL's
        default is 4 MB), and no JIT compilation, which costs seconds for a query
        that runs in a fraction of one."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute("SELECT current_setting('work_mem'), current_setting('jit')")
        previous = cr.fetchone()
        cr.execute(
            SQL(
                "SELECT set_config('work_mem', %s, true),"
                " set_config('jit', 'off', true)",
                AGGREGATION_WORK_MEM,
            )
        )
        try:
            return self.env.execute_query(query)
        finally:
            cr.execute(
                SQL(
                    "SELECT set_config('work_mem', %s, true),"
                    " set_config('jit', %s, true)",
                    *previous,
                )
            )

    @api.model
    def _get_valuation(self, options):
        """The valuation at the options' date, from the stock valuation layers, as
        Odoo values the same products at that date. Returns ``(lines,
        subtotals, total, accounts)``:

        - ``lines``: one dict per product (detail level only): ``product_id``,
          ``category_id``, ``item_group_id``, ``item_model_group_id``,
          ``quantity``, ``value`` (company currency), ``unit_cost`` (value /
          quantity, 0 without quantity), ``cost_method`` and ``valuation`` of the
          category in the company and, with the what-if columns, ``fifo_value``,
          ``lifo_value``, ``average_value`` and ``standard_value``;
        - ``subtotals``: {group id (category, item group or item model group; None
          for products without a group): sums of the same keys};
        - ``total``: the sums over all products;
        - ``accounts``: {stock valuation account id: (value, value of the layers
          with a journal entry) of all the company's products mapped to it}.
        """
        keys = SUM_KEYS if options["show_what_if"] else SUM_KEYS[:2]
        with_entries = self._has_journal_entries(options["company"])
        rows = self._execute(self._valuation_query(options, with_entries))
        line_keys = (
            "product_id",
            "category_id",
            "item_group_id",
            "item_model_group_id",
            "cost_method",
            "valuation",
            *keys,
        )
        lines, subtotals, accounts = [], {}, {}
        total = dict.fromkeys(keys, 0.0)
        append = lines.append
        for row in rows:  # tens of thousands of products: one tight loop
            kind = row[0]
            if kind == "product":
                line = dict(zip(line_keys, row[1:], strict=True))
                quantity = line["quantity"]
                line["unit_cost"] = line["value"] / quantity if quantity else 0.0
                append(line)
                continue
            sums = {
                key: amount or 0.0 for key, amount in zip(keys, row[7:], strict=True)
            }
            if kind == "subtotal":
                subtotals[row[2]] = sums
            elif kind == "total":
                total = sums
            else:
                # the quantity column carries the value of layers with an entry
                accounts[row[2]] = (sums["value"], sums["quantity"])
        return lines, subtotals, total, accounts

    # ------------------------------------------------------------------
    # Reconciliation
    # ------------------------------------------------------------------
    def _stock_accounts(self, options, accounts):
        """Every account that is, or was at the date, the stock valuation account
        of a category or an item group of the company: the current ones, those
        products post to now (``accounts``), and those the layers' entries up to
        the date posted their value to."""
        company = options["company"]
        Category = self.env["product.category"].sudo().with_company(company)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT %(categ_account)s FROM product_category c
                UNION
                SELECT g.stock_valuation_account_id FROM product_item_group g
                 WHERE g.company_id = %(company)s
                UNION
                -- the valuation line of a layer's entry goes the layer's way
                SELECT aml.account_id
                  FROM stock_valuation_layer svl
                  JOIN account_move_line aml ON aml.move_id = svl.account_move_id
                 WHERE svl.company_id = %(company)s AND aml.date <= %(date)s
                   AND SIGN(aml.balance) = SIGN(svl.value) AND svl.value <> 0
                UNION
                SELECT aml.account_id
                  FROM account_move_line aml
                  JOIN account_move am ON am.id = aml.move_id
                 WHERE am.stock_valuation_transfer AND am.company_id = %(company)s
                """,
                categ_account=Category._field_to_sql(
                    "c", "property_stock_valuation_account_id"
                ),
                company=company.id,
                date=options["local_date"],
            )
        )
        ids = {account_id for (account_id,) in rows if account_id} | set(accounts)
        return (
            self.env["account.account"]
            .sudo()
            .with_company(company)
            .browse(ids - {None})
            .filtered(lambda account: company in account.company_ids)
        )

    @api.model
    def _get_reconciliation(self, options, accounts):
        """Per stock valuation account (see ``_stock_accounts``): the ledger
        balance of its posted journal items up to the as-of day (in the user's
        time zone), the value of the products posting there now (``accounts``)
        and the difference, broken down into buckets that add up to it exactly:

        - ``unlinked``: posted items without a stock valuation layer (manual
          entries, other modules);
        - ``no_entry``: layers without a journal entry (periodic valuation,
          failed postings), with a minus sign;
        - ``other_side``: items of layers dated on the other side of the as-of
          date (accounting date not the layer's date);
        - ``moved``: value posted while the products mapped to another account,
          and the transfers that moved it since;

        and ``draft``: items of draft entries, shown, not counted. Each bucket
        also lists the journal items (``*_ids``) behind it."""
        company = options["company"]
        stock_accounts = self._stock_accounts(options, accounts)
        if not stock_accounts:
            return []
        dated_join, dated = self._layer_dated(options)
        mapping = self._mapping_query(options)
        rows = self.env.execute_query(
            SQL(
                """
                WITH mapping AS (%(mapping)s),
                linked AS (
                    SELECT svl.account_move_id AS move_id,
                           bool_or(%(dated)s) AS included,
                           array_agg(DISTINCT m.account_id) AS mapped_to
                      FROM stock_valuation_layer svl
                      %(dated_join)s
                      LEFT JOIN mapping m ON m.product_id = svl.product_id
                     WHERE svl.company_id = %(company)s
                       AND svl.account_move_id IS NOT NULL
                     GROUP BY svl.account_move_id
                ),
                items AS (
                    SELECT aml.id, aml.account_id, aml.balance,
                           aml.parent_state = 'posted' AS posted,
                           aml.date <= %(date)s AS dated,
                           COALESCE(am.stock_valuation_transfer, FALSE) AS transfer,
                           l.move_id IS NOT NULL AS linked,
                           COALESCE(l.included, FALSE) AS included,
                           NOT COALESCE(aml.account_id = ANY(l.mapped_to), FALSE)
                               AS elsewhere
                      FROM account_move_line aml
                      JOIN account_move am ON am.id = aml.move_id
                      LEFT JOIN linked l ON l.move_id = aml.move_id
                     WHERE aml.account_id = ANY(%(accounts)s)
                       AND aml.company_id = %(company)s
                       AND aml.parent_state IN ('posted', 'draft')
                )
                SELECT account_id,
                       COALESCE(SUM(balance) FILTER (WHERE posted AND dated), 0),
                       COALESCE(SUM(balance) FILTER (
                           WHERE posted AND dated AND NOT linked AND NOT transfer
                       ), 0),
                       array_agg(id) FILTER (
                           WHERE posted AND dated AND NOT linked AND NOT transfer
                       ),
                       COALESCE(SUM(balance) FILTER (
                           WHERE posted AND dated AND transfer
                       ), 0),
                       COALESCE(SUM(balance) FILTER (
                           WHERE posted AND linked AND dated
                       ), 0),
                       COALESCE(SUM(balance) FILTER (
                           WHERE posted AND linked AND included
                       ), 0),
                       array_agg(id) FILTER (
                           WHERE posted AND linked AND dated <> included
                       ),
                       array_agg(id) FILTER (
                           WHERE posted AND dated
                             AND (transfer OR (linked AND elsewhere))
                       ),
                       COALESCE(
                           SUM(balance) FILTER (WHERE NOT posted AND dated), 0
                       ),
                       array_agg(id) FILTER (WHERE NOT posted AND dated)
                  FROM items
                 GROUP BY account_id
                """,
                mapping=mapping,
                dated_join=dated_join,
                dated=dated,
                company=company.id,
                date=options["local_date"],
                accounts=stock_accounts.ids,
            )
        )
        by_account = {row[0]: row[1:] for row in rows}
        currency = company.currency_id
        reconciliation = []
        for account in stock_accounts.sorted("code"):
            (
                ledger,
                unlinked,
                unlinked_ids,
                transfers,
                linked_dated,
                linked_included,
                other_side_ids,
                moved_ids,
                draft,
                draft_ids,
            ) = by_account.get(
                account.id, (0.0, 0.0, None, 0.0, 0.0, 0.0, None, None, 0.0, None)
            )
            value, with_entry = accounts.get(account.id, (0.0, 0.0))
            without_entry = value - with_entry
            difference = currency.round(ledger - value)
            buckets = {
                "unlinked": currency.round(unlinked),
                "no_entry": currency.round(-without_entry),
                "other_side": currency.round(linked_dated - linked_included),
            }
            # the rest, exactly: value posted while the products mapped elsewhere
            buckets["moved"] = currency.round(difference - sum(buckets.values()))
            reconciliation.append(
                {
                    "account": account,
                    "account_name": account.display_name,
                    "ledger_balance": currency.round(ledger),
                    "report_value": currency.round(value),
                    "difference": difference,
                    "buckets": buckets,
                    "draft": currency.round(draft),
                    "unlinked_ids": unlinked_ids or [],
                    "other_side_ids": other_side_ids or [],
                    "moved_ids": moved_ids or [],
                    "draft_ids": draft_ids or [],
                    "transfers": currency.round(transfers),
                    "with_entry": currency.round(with_entry),
                }
            )
        return reconciliation

    def _layers_without_entry_domains(self, options):
        """{stock valuation account id: domain of the layers counted in its
        inventory value that have no journal entry}, from one query."""
        product_ids = defaultdict(list)
        for product_id, account_id in self.env.execute_query(
            self._mapping_query(options)
        ):
            product_ids[account_id].append(product_id)
        end = options["date"]
        if options["date_basis"] == "accounting":  # the end of the as-of day
            end = (
                fields.Datetime.context_timestamp(
                    self.with_context(tz=options["tz"]), options["date"]
                )
                .replace(hour=23, minute=59, second=59)
                .astimezone(pytz.utc)
                .replace(tzinfo=None)
            )
        return {
            account_id: [
                ("company_id", "=", options["company"].id),
                ("account_move_id", "=", False),
                ("product_id", "in", ids),
                ("create_date", "<=", fields.Datetime.to_string(end)),
            ]
            for account_id, ids in product_ids.items()
        }

    def _mapping_query(self, options):
        """The current stock valuation account of every product of the company:
        its item group's, else its category's."""
        company = options["company"]
        Template = self.env["product.template"].sudo().with_company(company)
        Category = self.env["product.category"].sudo().with_company(company)
        return SQL(
            """
            SELECT p.id AS product_id,
                   COALESCE(g.stock_valuation_account_id, %(categ_account)s)
                       AS account_id
              FROM product_product p
              JOIN product_template t ON t.id = p.product_tmpl_id
              JOIN product_category c ON c.id = t.categ_id
              LEFT JOIN product_item_group g ON g.id = %(item_group)s
            """,
            categ_account=Category._field_to_sql(
                "c", "property_stock_valuation_account_id"
            ),
            item_group=Template._field_to_sql("t", "item_group_id"),
        )

    # ------------------------------------------------------------------
    # What the outputs show
    # ------------------------------------------------------------------
    @api.model
    def _get_report_data(self, data):
        """Everything the QWeb templates and the XLSX writer show, from the user's
        choices ``data``: the options and their labels, the columns, one list of
        aligned rows (``kind``: ``group``, ``product``, ``subtotal`` or ``total``;
        ``level``: the depth), the reconciliation."""
        options = self._get_options(data)
        lines, subtotals, total, accounts = self._get_valuation(options)
        products = self._product_rows(lines)
        if options["group_by"] == "category":
            rows = self._category_rows(options, products, subtotals)
        else:
            rows = self._flat_rows(options, products, subtotals)
        if rows:
            rows.append(
                dict(self._subtotal_row(total, self.env._("Total"), 0), kind="total")
            )
        currency = options["company"].currency_id
        return {
            "options": options,
            "company": options["company"],
            "currency": currency,
            "format_amount": self._number_formatter(currency.decimal_places),
            "format_quantity": self._number_formatter(
                self.env["decimal.precision"].precision_get("Product Unit of Measure")
            ),
            "title": self._title(options),
            "header": self._header(options),
            "columns": self._columns(options),
            "rows": rows,
            "reconciliation": self._get_reconciliation(options, accounts),
            "bucket_titles": self._bucket_titles(),
            "future_date": options["date"] > fields.Datetime.now(),
        }

    def _bucket_titles(self):
        """(key, title) of the buckets of a reconciliation difference."""
        return [
            ("unlinked", self.env._("Journal Items Without Layer")),
            ("no_entry", self.env._("Layers Without Journal Entry")),
            ("other_side", self.env._("Dated Across the As-of Date")),
            ("moved", self.env._("Posted to Another Account")),
        ]

    def _number_formatter(self, digits):
        """A fast formatter of numbers in the user's language (thousands and
        decimal separators), for tens of thousands of cells."""
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        decimal_point = lang.decimal_point or "."
        thousands_sep = lang.thousands_sep or ""

        def format_number(value):
            text = f"{value or 0.0:,.{digits}f}"
            return (
                text.replace(",", "\x00")
                .replace(".", decimal_point)
                .replace("\x00", thousands_sep)
            )

        return format_number

    def _filename(self, data):
        options = self._get_options(data)
        return self.env._(
            "Inventory Valuation %(date)s",
            date=fields.Date.to_string(
                fields.Datetime.context_timestamp(self, options["date"])
            ),
        )

    def _title(self, options):
        return {
            "category": self.env._("Inventory Valuation by Category"),
            "item_group": self.env._("Inventory Valuation by Item Group"),
            "item_model_group": self.env._("Inventory Valuation by Item Model Group"),
        }[options["group_by"]]

    def _header(self, options):
        """(label, value) pairs of the first-page block."""
        Wizard = self.env["product.category.valuation.wizard"]
        selections = {
            fname: dict(Wizard._fields[fname]._description_selection(self.env))
            for fname in ("group_by", "level")
        }
        header = [
            (self.env._("Company"), options["company"].name),
            (
                self.env._("As of"),
                format_datetime(self.env, options["date"], dt_format="medium"),
            ),
            (self.env._("Currency"), options["company"].currency_id.name),
            (self.env._("Grouped by"), selections["group_by"][options["group_by"]]),
            (self.env._("Level"), selections["level"][options["level"]]),
        ]
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
                header.append((label, format_list(self.env, records.mapped(fname))))
        return header

    def _columns(self, options):
        """(key, title, kind) of the columns, after the label column."""
        columns = [
            ("item_group", self.env._("Item Group"), "text"),
            ("item_model_group", self.env._("Item Model Group"), "text"),
            ("cost_method", self.env._("Costing Method"), "text"),
            ("valuation", self.env._("Valuation"), "text"),
            ("quantity", self.env._("Quantity"), "quantity"),
            ("unit_cost", self.env._("Unit Cost"), "money"),
            ("value", self.env._("Value"), "money"),
        ]
        if options["level"] == "summary":
            columns = [column for column in columns if column[2] != "text"]
            columns = [column for column in columns if column[0] != "unit_cost"]
        if options["show_what_if"]:
            columns += [
                ("fifo_value", self.env._("FIFO"), "money"),
                ("lifo_value", self.env._("LIFO"), "money"),
                ("average_value", self.env._("Weighted Average"), "money"),
                ("standard_value", self.env._("Standard Cost"), "money"),
            ]
        return columns

    def _product_names(self, product_ids):
        """{product id: display name}, as Odoo shows it ("[code] name"), read in
        one query; variants with attributes go through the ORM."""
        Template = self.env["product.template"].sudo()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT p.id, p.default_code, %(name)s,
                       COALESCE(p.combination_indices, '') <> ''
                  FROM product_product p
                  JOIN product_template t ON t.id = p.product_tmpl_id
                 WHERE p.id = ANY(%(ids)s::int[])
                """,
                name=Template._field_to_sql("t", "name"),
                # one array literal: a Python list would become ARRAY[...] with
                # one constant per product for PostgreSQL to parse
                ids="{%s}" % ",".join(map(str, product_ids)),
            )
        )
        names = {
            product_id: f"[{code}] {name}" if code else name
            for product_id, code, name, _variant in rows
        }
        variants = (
            self.env["product.product"]
            .sudo()
            .with_context(active_test=False)
            .browse(row[0] for row in rows if row[3])
        )
        names.update(zip(variants.ids, variants.mapped("display_name"), strict=True))
        return names

    def _product_rows(self, lines):
        """Display rows of ``lines`` (the lines themselves, completed), sorted by
        product name, texts resolved (their ``level`` is set where they are
        placed)."""
        if not lines:
            return []
        names = self._product_names([line["product_id"] for line in lines])
        texts = {}
        for key, (column, model) in FLAT_GROUPS.items():
            groups = (
                self.env[model]
                .sudo()
                .with_context(active_test=False)
                .browse({line[column] for line in lines if line[column]})
            )
            texts[key] = dict(
                zip(groups.ids, groups.mapped("display_name"), strict=True)
            )
        Category = self.env["product.category"]
        selections = {
            key: dict(Category._fields[fname]._description_selection(self.env))
            for key, fname in (
                ("cost_method", "property_cost_method"),
                ("valuation", "property_valuation"),
            )
        }
        item_groups, model_groups = texts["item_group"], texts["item_model_group"]
        cost_methods, valuations = selections["cost_method"], selections["valuation"]
        for line in lines:  # in place: tens of thousands of them
            line["kind"] = "product"
            line["label"] = names[line["product_id"]]
            line["item_group"] = item_groups.get(line["item_group_id"], "")
            line["item_model_group"] = model_groups.get(line["item_model_group_id"], "")
            line["cost_method"] = cost_methods.get(line["cost_method"])
            line["valuation"] = valuations.get(line["valuation"])
        return sorted(lines, key=lambda row: row["label"])

    def _subtotal_row(self, sums, label, level):
        row = dict(sums, kind="subtotal", level=level, label=label)
        row["unit_cost"] = row["value"] / row["quantity"] if row["quantity"] else 0.0
        return row

    @staticmethod
    def _placed(rows, level):
        for row in rows:
            row["level"] = level
        return rows

    def _flat_rows(self, options, products, subtotals):
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
        by_group = defaultdict(list)
        for row in products:
            by_group[row[column]].append(row)
        ordered = [(group.id, group.display_name) for group in groups]
        if None in subtotals:
            ordered.append((None, no_group))
        rows = []
        detail = options["level"] == "detail"
        for group_id, label in ordered:
            if detail:
                rows.append({"kind": "group", "level": 0, "label": label})
                rows += self._placed(by_group[group_id], 1)
                label = self.env._("Total %(group)s", group=label)
            rows.append(self._subtotal_row(subtotals[group_id], label, 0))
        return rows

    def _category_rows(self, options, products, subtotals):
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
        by_category = defaultdict(list)
        for row in products:
            by_category[row["category_id"]].append(row)
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
                rows.extend(self._placed(by_category[category.id], level + 1))
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

    @api.model
    def _get_report_values(self, docids, data=None):
        return {
            "doc_ids": docids,
            "doc_model": "product.category.valuation.wizard",
            "docs": self.env["product.category.valuation.wizard"].browse(docids),
            "report": self._get_report_data(data or {}),
        }
