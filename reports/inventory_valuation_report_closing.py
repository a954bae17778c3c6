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
        ``incoming``, the quantity and value of the incoming layers up to the
        date too. By accounting date, the closing's layers whose journal entry
        is dated after the as-of day are taken out (a closing freezes the stock
        by valuation date)."""
        dated_join, dated = self._layer_dated(options)
        since = self._created_since(closing)
        later_entries = SQL("")
        if closing and options["date_basis"] == "accounting":
            later_entries = SQL(
                """
                UNION ALL
                SELECT svl.product_id, -svl.value, -svl.quantity, 0, NULL, NULL
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
        # a month of layers is aggregated, not the lines again
        columns = ("value", "quantity", "value_without_entry")
        if incoming:
            columns += ("incoming_quantity", "incoming_value")
        return SQL(
            """
            layers_since AS (
                SELECT x.product_id, %(since_sums)s
                  FROM (
                      SELECT svl.product_id, svl.value, svl.quantity,
                             CASE WHEN svl.account_move_id IS NULL
                                  THEN svl.value ELSE 0 END AS value_without_entry,
                             CASE WHEN svl.quantity > 0 THEN svl.quantity END
                                 AS incoming_quantity,
                             CASE WHEN svl.quantity > 0 THEN svl.value END
                                 AS incoming_value
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
            since=since,
            dated_join=dated_join,
            dated=dated,
            later_entries=later_entries,
            since_sums=SQL(", ").join(
                SQL("SUM(x.%(c)s) AS %(c)s", c=SQL.identifier(column))
                for column in columns
            ),
            joined=SQL(", ").join(
                SQL(
                    "COALESCE(cl.%(c)s, 0) + COALESCE(s.%(c)s, 0) AS %(c)s",
                    c=SQL.identifier(column),
                )
                for column in columns
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

    def _closing_receipts_query(self, options, previous):
        """Rows (product, layer, receipt date, quantity, value, quantity and
        value received before) of the receipts after the cut-off of the closing
        ``previous`` up to the as-of day's end (``options`` by valuation date):
        those that a closing at that day writes."""
        return SQL(
            """
            %(tag)s WITH %(receipts)s
            SELECT r.product_id, r.layer_id, r.receipt_date, r.quantity, r.value,
                   r.received_before, r.value_before
              FROM receipts_since r
            """,
            tag=QUERY_TAG,
            receipts=self._receipts_since_cte(options, previous),
        )
