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
        columns read the whole history), if any."""
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
        if options["show_what_if"]:
            return closing.browse(), (closing, "what_if")
        return closing, None

    def _layers_since_closing_cte(self, options, closing):
        """The CTE ``layers`` of ``_layers_cte``, from the lines of the done
        closing ``closing`` (none: the start of history) plus the company's
        layers created after its cut-off, dated as the report dates them. By
        accounting date, the closing's layers whose journal entry is dated
        after the as-of day are taken out (a closing freezes the stock by
        valuation date)."""
        dated_join, dated = self._layer_dated(options)
        since = SQL("svl.create_date >= %s", closing.cutoff) if closing else SQL("TRUE")
        later_entries = SQL("")
        if closing and options["date_basis"] == "accounting":
            later_entries = SQL(
                """
                UNION ALL
                SELECT svl.product_id, -svl.value, -svl.quantity, 0
                  FROM account_move am
                  JOIN stock_valuation_layer svl ON svl.account_move_id = am.id
                 WHERE am.date > %(day)s AND svl.company_id = %(company)s
                   AND svl.create_date < %(cutoff)s
                """,
                day=options["local_date"],
                company=options["company"].id,
                cutoff=closing.cutoff,
            )
        return SQL(
            """
            layers AS (
                SELECT x.product_id, SUM(x.value) AS value,
                       SUM(x.quantity) AS quantity,
                       SUM(x.value_without_entry) AS value_without_entry
                  FROM (
                      SELECT cl.product_id, cl.value, cl.quantity,
                             cl.value_without_entry
                        FROM stock_valuation_closing_line cl
                       WHERE cl.closing_id = %(closing)s
                      UNION ALL
                      SELECT svl.product_id, svl.value, svl.quantity,
                             CASE WHEN svl.account_move_id IS NULL
                                  THEN svl.value ELSE 0 END
                        FROM stock_valuation_layer svl
                        %(dated_join)s
                       WHERE svl.company_id = %(company)s AND %(since)s
                         AND %(dated)s
                      %(later_entries)s
                  ) x
                 GROUP BY x.product_id
            )
            """,
            closing=closing.id or None,
            company=options["company"].id,
            since=since,
            dated_join=dated_join,
            dated=dated,
            later_entries=later_entries,
        )

    def _closing_snapshot_query(self, options, previous):
        """Rows (product, quantity, value, value of its layers without a journal
        entry, category, costing method, valuation, stock valuation account) of
        every product valued up to the as-of day's end (``options`` by valuation
        date), from the closing ``previous``: those with nothing left too, which
        the report lists on request."""
        return SQL(
            """
            %(tag)s WITH %(layers)s, %(products)s
            SELECT pr.product_id, pr.quantity, pr.value, pr.value_without_entry,
                   pr.categ_id, pr.cost_method, pr.valuation, pr.account_id
              FROM products pr
            """,
            tag=QUERY_TAG,
            layers=self._layers_since_closing_cte(options, previous),
            products=self._products_cte(options),
        )
