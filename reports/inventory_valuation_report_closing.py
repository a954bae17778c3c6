# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What an inventory closing freezes: the stock of every product at its cut-off,
computed from the previous closing plus the layers between the two cut-offs, in
one set-based query, with the figures the report shows of each product."""

from odoo import models
from odoo.tools import SQL

from .inventory_valuation_report_query import QUERY_TAG


class InventoryValuationReport(models.AbstractModel):
    _inherit = "report.product_category_valuation.inventory_valuation"

    def _starting_closing(self, options):
        """(closing, skipped): the latest done closing of the company that the
        figures at the as-of date can start from (its day and cut-off at or
        before the as-of date), and the one passed over with the reason
        ("stale": its period changed behind its lock; "what_if": the what-if
        columns by accounting date read the whole history), if any."""
        closing = options["company"].sudo().inventory_closing_id
        # every layer the closing holds counts at the as-of date
        _operator, bound = self._creation_bound(options)
        while closing and not (
            closing.date <= options["local_date"] and closing.cutoff <= bound
        ):
            closing = closing.previous_id
        if not closing:
            return closing, None
        if closing.stale:
            return closing.browse(), (closing, "stale")
        # a closing's receipts are those of its period by valuation date: by
        # accounting date, some of them count later
        if options["show_what_if"] and options["date_basis"] == "accounting":
            return closing.browse(), (closing, "what_if")
        return closing, None

    @staticmethod
    def _created_since(closing):
        """The condition on a layer ``svl`` of being created after the cut-off
        of the closing ``closing`` (none: always)."""
        return SQL("svl.create_date >= %s", closing.cutoff) if closing else SQL("TRUE")

    def _layers_since_closing_cte(self, options, closing, incoming=False):
        """The CTE ``layers`` of ``_layers_cte``, from the lines of the done
        closing ``closing`` (none: the start of history) plus the company's
        layers created after its cut-off, dated as the report dates them, with
        ``incoming``, the quantity received and the value of the stock received
        up to the date too (``_what_if_parts``), and in every case the count of
        the layers adding value since the closing. By accounting date, the
        closing's layers whose journal entry is dated after the as-of day are
        taken out (a closing freezes the stock by valuation date)."""
        dated_join, dated = self._layer_dated(options)
        since = self._created_since(closing)
        later_entries = SQL("")
        if closing and options["date_basis"] == "accounting":
            later_entries = SQL(
                """
                UNION ALL
                SELECT svl.product_id, -svl.value, -svl.quantity, 0, NULL, NULL, 0
                  FROM account_move am
                  JOIN stock_valuation_layer svl ON svl.account_move_id = am.id
                 WHERE am.date > %(day)s AND svl.company_id = %(company)s
                   AND svl.create_date < %(cutoff)s
                """,
                day=options["local_date"],
                company=options["company"].id,
                cutoff=closing.cutoff,
            )
        # the closing's lines joined with the layers since, summed by product:
        # a month of layers is aggregated, not the lines again; the layers
        # adding value are counted since the closing only
        columns = ("value", "quantity", "value_without_entry")
        if incoming:
            columns += ("incoming_quantity", "incoming_value")
        return SQL(
            """
            layers_since AS (
                SELECT x.product_id, %(since_sums)s
                  FROM (
                      SELECT svl.product_id, svl.value, svl.quantity,
                             CASE WHEN %(entry)s IS NULL
                                  THEN svl.value ELSE 0 END AS value_without_entry,
                             CASE WHEN svl.quantity > 0 THEN svl.quantity END
                                 AS incoming_quantity,
                             CASE WHEN svl.quantity >= 0 THEN svl.value END
                                 AS incoming_value,
                             (svl.quantity = 0 AND svl.value <> 0)::int
                                 AS value_layers
                        FROM stock_valuation_layer svl
                        %(dated_join)s
                       WHERE svl.company_id = %(company)s AND %(since)s
                         AND %(dated)s
                      %(later_entries)s
                  ) x
                 GROUP BY x.product_id
            ),
            layers AS (
                SELECT COALESCE(cl.product_id, s.product_id) AS product_id,
                       %(joined)s
                  FROM (
                      SELECT * FROM stock_valuation_closing_line
                       WHERE closing_id = %(closing)s
                  ) cl
                  FULL JOIN layers_since s ON s.product_id = cl.product_id
            )
            """,
            closing=closing.id or None,
            company=options["company"].id,
            entry=self._layer_entry(options),
            since=since,
            dated_join=dated_join,
            dated=dated,
            later_entries=later_entries,
            since_sums=SQL(", ").join(
                SQL("SUM(x.%(c)s) AS %(c)s", c=SQL.identifier(column))
                for column in (*columns, "value_layers")
            ),
            joined=SQL(", ").join(
                [
                    *(
                        SQL(
                            "COALESCE(cl.%(c)s, 0) + COALESCE(s.%(c)s, 0) AS %(c)s",
                            c=SQL.identifier(column),
                        )
                        for column in columns
                    ),
                    SQL("COALESCE(s.value_layers, 0) AS value_layers"),
                ]
            ),
        )

    def _receipts_since_cte(self, options, closing):
        """The CTE ``receipts_since``: the company's incoming layers created
        after the cut-off of the done closing ``closing`` (none: the start of
        history), dated as the report dates them, each with the quantity and
        value of all the product's receipts before it (the closing's totals,
        then those since, in the order they came: creation, then id)."""
        dated_join, dated = self._layer_dated(options)
        return SQL(
            """
            receipts_since AS (
                SELECT svl.product_id, svl.id AS layer_id,
                       svl.create_date AS receipt_date, svl.quantity, svl.value,
                       COALESCE(cl.incoming_quantity, 0)
                           + SUM(svl.quantity) OVER earlier - svl.quantity
                           AS received_before,
                       COALESCE(cl.incoming_value, 0)
                           + SUM(svl.value) OVER earlier - svl.value
                           AS value_before
                  FROM stock_valuation_layer svl
                  %(dated_join)s
                  LEFT JOIN stock_valuation_closing_line cl
                         ON cl.closing_id = %(closing)s
                        AND cl.product_id = svl.product_id
                 WHERE svl.company_id = %(company)s AND %(since)s AND %(dated)s
                   AND svl.quantity > 0
                WINDOW earlier AS (
                    PARTITION BY svl.product_id ORDER BY svl.create_date, svl.id
                    ROWS UNBOUNDED PRECEDING
                )
            )
            """,
            closing=closing.id or None,
            company=options["company"].id,
            since=self._created_since(closing),
            dated_join=dated_join,
            dated=dated,
        )

    def _closing_snapshot_query(self, options, previous):
        """Rows (product, quantity, value, value of its layers without a journal
        entry, quantity and value received, category, costing method,
        valuation, stock valuation account) of every product valued up to the
        as-of day's end (``options`` by valuation date), from the closing
        ``previous``: those with nothing left too, which the report lists on
        request."""
        return SQL(
            """
            %(tag)s WITH %(layers)s, %(products)s
            SELECT pr.product_id, pr.quantity, pr.value, pr.value_without_entry,
                   pr.incoming_quantity, pr.incoming_value, pr.categ_id,
                   k.cost_method, k.valuation, pr.account_id
              FROM products pr
              JOIN (%(methods)s) k ON k.id = pr.categ_id
            """,
            tag=QUERY_TAG,
            methods=self._category_methods_query(options),
            layers=self._layers_since_closing_cte(options, previous, incoming=True),
            products=self._products_cte(
                options, SQL(", l.incoming_quantity, l.incoming_value")
            ),
        )

    def _closing_receipts_query(self, options, previous, added_only=False):
        """Rows (product, layer, receipt date, quantity, value, quantity and
        value received before) of the parts of receipts that a closing at that
        day writes (``options`` by valuation date, up to the as-of day's end):
        the receipts after the cut-off of the closing ``previous`` (none: the
        start of history) of the products without a layer adding value since;
        for the products with one, every receipt of their history, in parts
        cut wherever a piece of value begins or ends (``_pieces_ctes``: the
        part of a receipt still on hand when a landed cost came...), each part
        with the value of the units before it. The value of the first ``x``
        units is read off the one part that holds the ``x``-th unit: that of
        the latest closing, where closings hold the same units. With
        ``added_only``, the rows of the products with a layer adding value
        alone."""
        dated_join, dated = self._layer_dated(options)
        receipts = SQL(
            """
            SELECT r.product_id, r.layer_id, r.receipt_date, r.quantity, r.value,
                   r.received_before, r.value_before
              FROM receipts_since r
             WHERE r.product_id NOT IN (SELECT product_id FROM value_products)
            UNION ALL
            """
        )
        return SQL(
            """
            %(tag)s WITH %(receipts_since)s,
            value_products AS MATERIALIZED (
                SELECT DISTINCT svl.product_id
                  FROM stock_valuation_layer svl
                  %(dated_join)s
                 WHERE svl.company_id = %(company)s AND %(since)s AND %(dated)s
                   AND svl.quantity = 0 AND svl.value <> 0
            ),
            %(history)s,
            %(pieces)s,
            %(parts)s
            %(receipts)s
            SELECT p.product_id, p.layer AS layer_id, svl.create_date AS receipt_date,
                   p.quantity, p.value, p.received_before, p.value_before
              FROM parts p
              JOIN stock_valuation_layer svl ON svl.id = p.layer
            """,
            tag=QUERY_TAG,
            receipts_since=self._receipts_since_cte(options, previous),
            receipts=SQL("") if added_only else receipts,
            dated_join=dated_join,
            dated=dated,
            company=options["company"].id,
            since=self._created_since(previous),
            history=self._history_cte(
                options,
                SQL(""),
                SQL("svl.product_id IN (SELECT product_id FROM value_products)"),
            ),
            pieces=self._pieces_ctes(options, number="numeric"),
            parts=self._receipt_parts_ctes(),
        )

    @staticmethod
    def _receipt_parts_ctes():
        """The CTEs ``points`` and ``parts`` from ``pieces``: the line of units
        received cut wherever a piece begins or ends, each part with its
        receipt (the incoming layer that holds it), its units, the value spread
        over them, and the value of the units before it (with the value made
        while nothing was on hand, ``spread``)."""
        return SQL(
            """
            points AS (
                SELECT e.product_id, e.position, SUM(e.slope) AS slope,
                       SUM(e.jump) AS jump, MAX(e.layer) AS layer
                  FROM (
                      SELECT p.product_id, p.start AS position,
                             p.value / p.length AS slope, 0 AS jump, p.layer
                        FROM pieces p WHERE p.length > 0
                      UNION ALL
                      SELECT p.product_id, p.start + p.length,
                             -p.value / p.length, 0, NULL
                        FROM pieces p WHERE p.length > 0
                      UNION ALL
                      SELECT p.product_id, p.start, 0, p.value, NULL
                        FROM pieces p WHERE p.length = 0
                  ) e
                 GROUP BY e.product_id, e.position
            ),
            cut AS (
                SELECT o.product_id, o.position AS received_before,
                       LEAD(o.position) OVER by_unit - o.position AS quantity,
                       SUM(o.slope) OVER by_unit AS slope,
                       SUM(o.jump) OVER by_unit AS jumps,
                       -- the receipt that began last
                       (MAX(ARRAY[o.position, o.layer]) FILTER (
                           WHERE o.layer IS NOT NULL
                       ) OVER by_unit)[2]::int AS layer
                  FROM points o
                WINDOW by_unit AS (
                    PARTITION BY o.product_id ORDER BY o.position
                    ROWS UNBOUNDED PRECEDING
                )
            ),
            parts AS (
                SELECT c.product_id, c.layer, c.quantity,
                       c.slope * c.quantity AS value, c.received_before,
                       COALESCE(SUM(c.slope * c.quantity) OVER (
                           PARTITION BY c.product_id ORDER BY c.received_before
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                       ), 0) + c.jumps AS value_before
                  FROM cut c
                 WHERE c.quantity > 0
            )
            """
        )
