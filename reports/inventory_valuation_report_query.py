# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The valuation SQL of the inventory valuation engine: one read-only query, one
scan of the stock valuation layers."""

from odoo import api, fields, models
from odoo.tools import SQL

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
    _inherit = "report.product_category_valuation.inventory_valuation"

    # ------------------------------------------------------------------
    # The as-of boundary, for every query and drill-down
    # ------------------------------------------------------------------
    def _creation_bound(self, options):
        """(operator, UTC instant) that a record's creation must satisfy to count
        at the as-of date when it has no journal entry: by valuation date at a
        precise time, up to that instant; otherwise before the end of the as-of
        day in the user's time zone."""
        if options["date_basis"] == "valuation" and options["precise"]:
            return "<=", options["date"]
        return "<", options["day_end"]

    def _dated(self, options, created, entry_date=None):
        """SQL condition: a record created at ``created`` (UTC), whose journal
        entry (if any) is dated ``entry_date``, counts at the as-of date. By
        accounting date, the entry's date wins over the creation."""
        operator, bound = self._creation_bound(options)
        condition = SQL(f"%s {operator} %s", created, bound)
        if options["date_basis"] == "valuation" or entry_date is None:
            return condition
        return SQL(
            "CASE WHEN %(entry)s IS NULL THEN %(created)s"
            " ELSE %(entry)s <= %(day)s END",
            entry=entry_date,
            created=condition,
            day=options["local_date"],
        )

    def _dated_domain(self, options):
        """The same boundary as a domain, for records without a journal entry."""
        operator, bound = self._creation_bound(options)
        return [("create_date", operator, fields.Datetime.to_string(bound))]

    def _layer_dated_domain(self, options):
        """The same boundary as ``_layer_dated``, as a domain on layers: by
        accounting date, a layer with a journal entry counts by its entry's
        date."""
        if options["date_basis"] == "valuation":
            return self._dated_domain(options)
        return [
            "|",
            "&",
            ("account_move_id", "=", False),
            *self._dated_domain(options),
            (
                "account_move_id.date",
                "<=",
                fields.Date.to_string(options["local_date"]),
            ),
        ]

    def _layer_entry(self, options, alias="svl"):
        """SQL of the journal entry that posted the value of the layer ``alias``
        to stock (NULL without one): its ``account_move_id``, save where that is
        the vendor bill of a price difference (a product valued periodically:
        Odoo posts no stock entry for it, and the layer keeps its bill, which
        posts nothing to stock). Those bills are read first, from the index of
        the price differences' layers, and tested as a constant: a subquery per
        layer would keep PostgreSQL from scanning the layers in parallel.
        ``_no_entry_domain`` says the same as a domain."""
        self.env["stock.valuation.layer"].flush_model(
            ["account_move_id", "account_move_line_id", "company_id"]
        )
        self.env["account.move"].flush_model(["move_type"])
        bills = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT svl.account_move_id
                  FROM stock_valuation_layer svl
                  JOIN account_move am ON am.id = svl.account_move_id
                 WHERE svl.account_move_line_id IS NOT NULL
                   AND svl.company_id = %s AND am.move_type <> 'entry'
                """,
                options["company"].id,
            )
        )
        entry = SQL.identifier(alias, "account_move_id")
        if not bills:
            return entry
        return SQL(
            "CASE WHEN %s = ANY(%s::int[]) THEN NULL ELSE %s END",
            entry,
            "{%s}" % ",".join(str(bill) for (bill,) in bills),
            entry,
        )

    @staticmethod
    def _no_entry_domain():
        """The layers without a journal entry that posted their value to stock
        (``_layer_entry``), as a domain."""
        return [
            "|",
            ("account_move_id", "=", False),
            ("account_move_id.move_type", "!=", "entry"),
        ]

    def _layer_dated(self, options):
        """(join, condition) that keep the layers ``svl`` of the as-of date."""
        if options["date_basis"] == "valuation":
            return SQL(""), self._dated(options, SQL("svl.create_date"))
        return (
            SQL("LEFT JOIN account_move svl_move ON svl_move.id = svl.account_move_id"),
            self._dated(options, SQL("svl.create_date"), SQL("svl_move.date")),
        )

    # ------------------------------------------------------------------
    # Filters
    # ------------------------------------------------------------------
    def _location_ids(self, options):
        """The internal locations of the chosen locations and warehouses."""
        locations = options["locations"] | options["warehouses"].view_location_id
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

    def _detail_rows_bound(self, options, stop):
        """How many product rows the detail shows at most, counted up to
        ``stop``: the products of the filters with a valuation layer in the
        company (an index lookup per product; the rows of no stock and no value
        are among them, shown or not)."""
        return self.env.execute_query(
            SQL(
                """
                SELECT COUNT(*) FROM (
                    SELECT 1
                      FROM (SELECT id AS product_id FROM product_product) l
                     WHERE %(products)s
                       AND EXISTS (
                           SELECT 1 FROM stock_valuation_layer svl
                            WHERE svl.product_id = l.product_id
                              AND svl.company_id = %(company)s
                       )
                     LIMIT %(stop)s
                ) bounded
                """,
                products=self._product_filter(options),
                company=options["company"].id,
                stop=stop,
            )
        )[0][0]

    def _location_parts(self, options):
        """Quantity and value expressions, with the CTE and join they need when
        warehouses or locations restrict the report. Valuation is company-wide:
        the quantity held there is valued at the company-wide unit cost. A move
        line is dated as the layers are: by accounting date, by the journal
        entry of its move's first layer, else by its own date."""
        if not (options["locations"] or options["warehouses"]):
            return SQL("l.quantity"), SQL("l.value"), SQL(""), SQL("")
        location_ids = self._location_ids(options)
        if options["date_basis"] == "valuation":
            entry_join, dated = SQL(""), self._dated(options, SQL("ml.date"))
        else:
            entry_join = SQL(
                """
                LEFT JOIN LATERAL (
                    SELECT am.date
                      FROM stock_valuation_layer s
                      JOIN account_move am ON am.id = s.account_move_id
                     WHERE s.stock_move_id = ml.move_id
                     ORDER BY s.id
                     LIMIT 1
                ) entry ON TRUE
                """
            )
            dated = self._dated(options, SQL("ml.date"), SQL("entry.date"))
        onhand_cte = SQL(
            """,
            onhand AS (
                SELECT ml.product_id,
                       SUM(CASE WHEN ml.location_dest_id = ANY(%(locs)s)
                                THEN ml.quantity_product_uom
                                ELSE -ml.quantity_product_uom END) AS quantity
                  FROM stock_move_line ml
                  %(entry_join)s
                 WHERE ml.state = 'done' AND ml.company_id = %(company)s
                   AND %(dated)s
                   AND (ml.location_id = ANY(%(locs)s))
                       <> (ml.location_dest_id = ANY(%(locs)s))
                 GROUP BY ml.product_id
            )
            """,
            locs=location_ids,
            company=options["company"].id,
            entry_join=entry_join,
            dated=dated,
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

    # ------------------------------------------------------------------
    # The query
    # ------------------------------------------------------------------
    def _layers_cte(self, options, incoming=None):
        """The CTE ``layers``: the company's layers of the as-of date summed by
        product, with the value of those without a journal entry, from the
        inventory closing of the options if any. From the whole history, that
        value is read off two counts where none of a product's layers has an
        entry, or none without one carries a value (Odoo posts no entry for a
        layer of no value): a count costs a fraction of a sum over a million
        layers. Where both kinds carry value (a product whose valuation changed
        with stock on hand, a posting that failed), it is NULL here, and
        ``_values_without_entry`` sums it apart from those products' layers
        alone."""
        if options.get("closing"):
            return self._layers_since_closing_cte(
                options, options["closing"], incoming=bool(incoming)
            )
        dated_join, dated = self._layer_dated(options)
        return SQL(
            """
            layers AS (
                SELECT svl.product_id,
                       SUM(svl.value) AS value,
                       SUM(svl.quantity) AS quantity,
                       CASE WHEN COUNT(%(entry)s) = 0
                            THEN SUM(svl.value)
                            WHEN COUNT(*) FILTER (
                                WHERE %(entry)s IS NULL AND svl.value <> 0
                            ) = 0 THEN 0
                       END AS value_without_entry%(incoming)s
                  FROM stock_valuation_layer svl
                  %(dated_join)s
                 WHERE svl.company_id = %(company)s AND %(dated)s
                 GROUP BY svl.product_id
            )
            """,
            incoming=incoming or SQL(""),
            entry=self._layer_entry(options),
            company=options["company"].id,
            dated_join=dated_join,
            dated=dated,
        )

    def _values_without_entry(self, options, product_ids):
        """{product id: value of its layers without a journal entry counted at
        the as-of date}, for the products ``product_ids`` (those whose layers
        ``_layers_cte`` leaves the value NULL of), from their layers alone."""
        dated_join, dated = self._layer_dated(options)
        return dict(
            self._execute(
                SQL(
                    """
                    %(tag)s
                    SELECT svl.product_id, SUM(svl.value)::float8
                      FROM stock_valuation_layer svl
                      %(dated_join)s
                     WHERE svl.company_id = %(company)s
                       AND svl.product_id = ANY(%(products)s::int[])
                       AND %(entry)s IS NULL AND %(dated)s
                     GROUP BY svl.product_id
                    """,
                    tag=QUERY_TAG,
                    entry=self._layer_entry(options),
                    dated_join=dated_join,
                    company=options["company"].id,
                    # one array literal, not one constant per product
                    products="{%s}" % ",".join(map(str, product_ids)),
                    dated=dated,
                )
            )
        )

    def _products_cte(self, options, carry=None, label=False):
        """The CTE ``products``: every product of ``layers`` (whatever the
        filters: the accounts need them all) with its category, groups and
        stock valuation account and, with ``label``, its name as the report
        shows it (``_product_label``; else NULL)."""
        Template = self.env["product.template"].sudo().with_company(options["company"])
        return SQL(
            """
            mapping AS MATERIALIZED (%(mapping)s),
            products AS MATERIALIZED (
                SELECT l.product_id, l.quantity, l.value, l.value_without_entry,
                       m.categ_id, m.item_group_id, m.item_model_group_id,
                       m.uom_id, %(label)s AS label, m.account_id%(carry)s
                  FROM layers l
                  JOIN mapping m ON m.product_id = l.product_id
            )
            """,
            mapping=Template._stock_valuation_accounts_query(
                SQL(", %s AS label", self._product_label("p", "t")) if label else None
            ),
            label=SQL("m.label" if label else "NULL::text"),
            carry=carry or SQL(""),
        )

    def _category_methods_query(self, options):
        """SQL of (``id``, ``cost_method``, ``valuation``): the costing method
        and valuation of every category in the report's company. Read once
        per report (``_get_valuation``), and by the closings, which freeze them
        with each product: not carried with every product's figures."""
        Category = self.env["product.category"].sudo().with_company(options["company"])
        return SQL(
            """
            SELECT c.id, %(cost_method)s AS cost_method, %(valuation)s AS valuation
              FROM product_category c
            """,
            cost_method=Category._field_to_sql("c", "property_cost_method"),
            valuation=Category._field_to_sql("c", "property_valuation"),
        )

    def _accounts_rows(self, columns=0):
        """The ``account`` rows of the valuation query, from ``products``, with
        ``columns`` more empty columns, and a ``mixed`` row (product, account)
        per product whose value without entry is summed apart (see
        ``_layers_cte`` and ``_account_values``)."""
        nulls = SQL("").join(SQL(", NULL::float8") for _column in range(columns))
        return SQL(
            """
            SELECT 'account', NULL::int, pr.account_id, NULL::int, NULL::int,
                   NULL::int, NULL::text,
                   COALESCE(SUM(pr.value_without_entry), 0)::float8,
                   SUM(pr.value)::float8%(nulls)s
              FROM products pr
             GROUP BY pr.account_id
            UNION ALL
            SELECT 'mixed', pr.product_id, pr.account_id, NULL::int, NULL::int,
                   NULL::int, NULL::text, NULL::float8, NULL::float8%(nulls)s
              FROM products pr
             WHERE pr.value_without_entry IS NULL
            """,
            nulls=nulls,
        )

    def _account_values(self, options, rows):
        """The ``accounts`` of ``_get_valuation`` from the ``account`` and
        ``mixed`` rows of ``_accounts_rows`` (kind, product, account, ...,
        value without entry, value): the value of the mixed products' layers
        without entry is added to their accounts'."""
        accounts, mixed = {}, {}
        for row in rows:
            if row[0] == "account":
                accounts[row[2]] = [row[8] or 0.0, row[7] or 0.0]
            else:
                mixed[row[1]] = row[2]
        if mixed:
            for product_id, value in self._values_without_entry(options, mixed).items():
                accounts[mixed[product_id]][1] += value
        return {account_id: tuple(values) for account_id, values in accounts.items()}

    def _sum_columns(self, keys, digits):
        """The amount columns ``keys`` of the valuation query, as SQL lists:
        ``rounded`` (each product's, to the currency's ``digits``), ``plain``
        (a product row's), ``sums`` (of a level's groups ``g``) and
        ``group_sums`` (of a group's products ``r``), and ``one_unit``, the
        unit of measure that all the products of a sum share (NULL when they do
        not: quantities of different units are not added up)."""
        return {
            "one_unit": SQL(
                "CASE WHEN MIN(g.uom_min) = MAX(g.uom_max) THEN MIN(g.uom_min) END"
            ),
            "rounded": SQL(", ").join(
                SQL(
                    "ROUND(r.%(key)s::numeric, %(digits)s) AS %(key)s",
                    key=SQL.identifier(key),
                    digits=digits,
                )
                if key != "quantity"
                else SQL("r.quantity")
                for key in keys
            ),
            "plain": SQL(", ").join(
                SQL("r.%(key)s::float8", key=SQL.identifier(key)) for key in keys
            ),
            "sums": SQL(", ").join(
                SQL("SUM(%(key)s)::float8", key=SQL.identifier(key)) for key in keys
            ),
            "group_sums": SQL(", ").join(
                SQL("SUM(r.%(key)s) AS %(key)s", key=SQL.identifier(key))
                for key in keys
            ),
        }

    def _subtotal_rows(self, options, keys, sums, one_unit):
        """The ``subtotal`` rows of the valuation query, from its ``grouped``
        sums of each category (or group): every level of the category tree
        from the categories' ``parent_path``, or each group as it is."""
        if options["group_by"] == "category":
            return SQL(
                """
                SELECT 'subtotal', NULL::int, a.id, NULL::int, NULL::int,
                       %(one_unit)s, NULL::text, %(sums)s
                  FROM grouped g
                  JOIN product_category c ON c.id = g.group_id
                  CROSS JOIN LATERAL unnest(
                      string_to_array(rtrim(c.parent_path, '/'), '/')::int[]
                  ) AS a(id)
                 GROUP BY a.id
                """,
                sums=sums,
                one_unit=one_unit,
            )
        return SQL(
            "SELECT 'subtotal', NULL::int, g.group_id, NULL::int, NULL::int,"
            " CASE WHEN g.uom_min = g.uom_max THEN g.uom_min END,"
            " NULL::text, %(plain)s FROM grouped g",
            plain=SQL(", ").join(
                SQL("g.%(key)s::float8", key=SQL.identifier(key)) for key in keys
            ),
        )

    def _valuation_query(self, options):
        """One read-only query, one scan of the layers. Its rows are, by ``kind``:

        - ``product`` (detail level only): a product, its category, item group and
          item model group, unit, its name as the report shows it
          (``_product_label``) and its amounts;
        - ``subtotal``: the sums of every group: every category of the tree (its
          products and those of its subcategories), or every item group;
        - ``total``: the sums over all products;
        - ``account`` and ``mixed``: the values per stock valuation account of
          all the company's products, whatever the filters (``_accounts_rows``).

        Amounts are rounded to the company currency per product first, so that
        every subtotal is the sum of its products to the cent."""
        digits = options["company"].currency_id.decimal_places
        keys = SUM_KEYS if options["show_what_if"] else SUM_KEYS[:2]
        quantity, value, onhand_cte, onhand_join = self._location_parts(options)
        what_if = self._what_if_parts(options)
        columns = self._sum_columns(keys, digits)
        one_unit = columns["one_unit"]
        # the sums of each category (or group), then of every level from them
        group_column = SQL.identifier(
            "category_id"
            if options["group_by"] == "category"
            else FLAT_GROUPS[options["group_by"]][0]
        )
        subtotal = self._subtotal_rows(options, keys, columns["sums"], one_unit)
        return SQL(
            """
            %(tag)s
            WITH %(layers)s, %(products)s%(onhand_cte)s,
            base AS (
                SELECT l.product_id, l.categ_id, l.item_group_id,
                       l.item_model_group_id, l.uom_id, l.label,
                       %(quantity)s AS quantity, %(value)s AS value%(carry)s
                  FROM products l
                  %(onhand_join)s
                 WHERE %(product_filter)s
            )%(what_if_ctes)s,
            unrounded AS (
                SELECT b.product_id, b.categ_id AS category_id, b.item_group_id,
                       b.item_model_group_id, b.uom_id, b.label, b.quantity,
                       b.value%(what_if_columns)s
                  FROM base b
                  %(what_if_join)s
                 WHERE %(zero_filter)s
            ),
            rounded AS (
                SELECT r.product_id, r.category_id, r.item_group_id,
                       r.item_model_group_id, r.uom_id, r.label, %(rounded)s
                  FROM unrounded r
            ),
            grouped AS MATERIALIZED (
                SELECT r.%(group_column)s AS group_id, %(group_sums)s,
                       MIN(r.uom_id) AS uom_min, MAX(r.uom_id) AS uom_max
                  FROM rounded r
                 GROUP BY r.%(group_column)s
            )
            %(products_rows)s
            %(subtotal)s
            UNION ALL
            SELECT 'total', NULL::int, NULL::int, NULL::int, NULL::int,
                   %(one_unit)s, NULL::text, %(sums)s
              FROM grouped g
            UNION ALL
            %(accounts)s
            """,
            tag=QUERY_TAG,
            layers=self._layers_cte(options, what_if["incoming"]),
            products=self._products_cte(
                options, what_if["carry"], label=options["level"] == "detail"
            ),
            quantity=quantity,
            value=value,
            onhand_cte=onhand_cte,
            onhand_join=onhand_join,
            product_filter=self._product_filter(options),
            carry=what_if["carry"],
            what_if_ctes=what_if["what_if_ctes"],
            what_if_columns=what_if["what_if_columns"],
            what_if_join=what_if["what_if_join"],
            zero_filter=SQL("TRUE")
            if options["include_zero"]
            else SQL("b.quantity <> 0"),
            rounded=columns["rounded"],
            products_rows=SQL(
                "SELECT 'product', r.product_id, r.category_id, r.item_group_id,"
                " r.item_model_group_id, r.uom_id, r.label, %s FROM rounded r"
                " UNION ALL",
                columns["plain"],
            )
            if options["level"] == "detail"
            else SQL(""),
            group_column=group_column,
            group_sums=columns["group_sums"],
            subtotal=subtotal,
            sums=columns["sums"],
            one_unit=one_unit,
            accounts=self._accounts_rows(len(keys) - 2),
        )

    def _execute(self, query, nestloop=True, work_mem=AGGREGATION_WORK_MEM):
        """Run ``query`` with the settings of a short analytical query, for it
        only: enough ``work_mem`` for the layers to aggregate in memory
        (PostgreSQL's default is 4 MB; None keeps the server's), no JIT
        compilation, which costs seconds for a query that runs in a fraction of
        one, and without ``nestloop`` no nested loops (whose estimates over
        CTEs can make them quadratic)."""
        cr = self.env.cr
        self.env.flush_all()
        settings = {
            "jit": "off",
            "enable_nestloop": "on" if nestloop else "off",
        }
        if work_mem:
            settings["work_mem"] = work_mem
        cr.execute(
            SQL(
                "SELECT %s",
                SQL(", ").join(SQL("current_setting(%s)", name) for name in settings),
            )
        )
        previous = dict(zip(settings, cr.fetchone(), strict=True))

        def apply(values):
            cr.execute(
                SQL(
                    "SELECT %s",
                    SQL(", ").join(
                        SQL("set_config(%s, %s, true)", name, value)
                        for name, value in values.items()
                    ),
                )
            )

        apply(settings)
        try:
            return self.env.execute_query(query)
        finally:
            apply(previous)

    @api.model
    def _get_valuation(self, options):
        """The valuation at the options' date, from the stock valuation layers, as
        Odoo values the same products at that date. Returns ``(lines,
        subtotals, total, accounts)``:

        - ``lines``: one dict per product (detail level only): ``product_id``,
          ``category_id``, ``item_group_id``, ``item_model_group_id``,
          ``uom_id``, ``label`` (its name as Odoo shows it; None for a variant
          with attributes: ``_product_label``), ``quantity``, ``value`` (company
          currency), ``unit_cost`` (value / quantity, 0 without quantity),
          ``cost_method`` and ``valuation`` of the category in the company and,
          with the what-if columns, ``fifo_value``,
          ``lifo_value``, ``average_value`` and ``standard_value``;
        - ``subtotals``: {group id (category, item group or item model group; None
          for products without a group): sums of the same keys, and ``uom_id``,
          the unit of measure that all its products share; without one (units
          differ) ``quantity`` is None, for quantities of different units do not
          add up};
        - ``total``: the sums over all products, likewise;
        - ``accounts``: {stock valuation account id: (value, value of the layers
          without a journal entry) of all the company's products mapped to it}.
        """
        what_if = options["show_what_if"]
        keys = SUM_KEYS if what_if else SUM_KEYS[:2]
        methods = {
            category_id: (cost_method, valuation)
            for category_id, cost_method, valuation in self.env.execute_query(
                self._category_methods_query(options)
            )
        }
        rows = self._execute(self._valuation_query(options))
        lines, subtotals, account_rows = [], {}, []
        total = dict.fromkeys(keys, 0.0)
        append = lines.append
        for row in rows:  # tens of thousands of products: one tight loop
            kind = row[0]
            if kind == "product":
                quantity, value = row[7], row[8]
                cost_method, valuation = methods[row[2]]
                line = {
                    "product_id": row[1],
                    "category_id": row[2],
                    "item_group_id": row[3],
                    "item_model_group_id": row[4],
                    "cost_method": cost_method,
                    "valuation": valuation,
                    "uom_id": row[5],
                    "label": row[6],
                    "quantity": quantity,
                    "value": value,
                    "unit_cost": value / quantity if quantity else 0.0,
                }
                if what_if:
                    line.update(zip(WHAT_IF_KEYS, row[9:], strict=True))
                append(line)
            elif kind in ("account", "mixed"):
                account_rows.append(row)
            else:
                sums = {
                    key: amount or 0.0
                    for key, amount in zip(keys, row[7:], strict=True)
                }
                # a quantity only where every product counts in one unit
                sums["uom_id"] = row[5]
                if row[5] is None:
                    sums["quantity"] = None
                if kind == "subtotal":
                    subtotals[row[2]] = sums
                else:
                    total = sums
        return lines, subtotals, total, self._account_values(options, account_rows)

    @api.model
    def _get_account_values(self, options):
        """The ``accounts`` of ``_get_valuation`` alone: one scan of the layers,
        no product rows."""
        rows = self._execute(
            SQL(
                "%(tag)s WITH %(layers)s, %(products)s %(accounts)s",
                tag=QUERY_TAG,
                layers=self._layers_cte(options),
                products=self._products_cte(options),
                accounts=self._accounts_rows(),
            )
        )
        return self._account_values(options, rows)
