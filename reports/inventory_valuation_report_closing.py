# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What an inventory closing freezes: the stock of every product at its cut-off,
computed from the previous closing plus the layers between the two cut-offs, in
one set-based query, with the figures the report shows of each product."""

from odoo import models
from odoo.tools import SQL

from .inventory_valuation_report_query import QUERY_TAG


class InventoryValuationReport(models.AbstractModel):
    _inherit = "report.product_category_valuation.inventory_valuation"

    def _layers_since_closing_cte(self, options, previous):
        """The CTE ``layers`` of ``_layers_cte`` by valuation date, from the lines
        of the done closing ``previous`` (none: the start of history) plus the
        company's layers created after its cut-off, up to the as-of boundary."""
        operator, bound = self._creation_bound(options)
        since = (
            SQL("svl.create_date >= %s", previous.cutoff) if previous else SQL("TRUE")
        )
        return SQL(
            f"""
            layers AS (
                SELECT x.product_id, SUM(x.value) AS value,
                       SUM(x.quantity) AS quantity,
                       SUM(x.value_without_entry) AS value_without_entry
                  FROM (
                      SELECT cl.product_id, cl.value, cl.quantity,
                             cl.value_without_entry
                        FROM stock_valuation_closing_line cl
                       WHERE cl.closing_id = %(previous)s
                      UNION ALL
                      SELECT svl.product_id, svl.value, svl.quantity,
                             CASE WHEN svl.account_move_id IS NULL
                                  THEN svl.value ELSE 0 END
                        FROM stock_valuation_layer svl
                       WHERE svl.company_id = %(company)s AND %(since)s
                         AND svl.create_date {operator} %(bound)s
                  ) x
                 GROUP BY x.product_id
            )
            """,
            previous=previous.id or None,
            company=options["company"].id,
            since=since,
            bound=bound,
        )

    def _closing_snapshot_query(self, options, previous):
        """Rows (product, quantity, value, value of its layers without a journal
        entry, category, costing method, valuation, stock valuation account) of
        every product holding stock or value at the as-of day's end (by
        valuation date), from the closing ``previous``."""
        return SQL(
            """
            %(tag)s WITH %(layers)s, %(products)s
            SELECT pr.product_id, pr.quantity, pr.value, pr.value_without_entry,
                   pr.categ_id, pr.cost_method, pr.valuation, pr.account_id
              FROM products pr
             WHERE pr.quantity <> 0 OR pr.value <> 0
            """,
            tag=QUERY_TAG,
            layers=self._layers_since_closing_cte(options, previous),
            products=self._products_cte(options),
        )
