# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The what-if values of the inventory valuation engine: the on-hand quantity
valued under FIFO, LIFO, the weighted average of the receipts and the standard
cost, in the valuation query."""

from odoo import models
from odoo.tools import SQL

WHAT_IF_PLACEHOLDERS = (
    "incoming",
    "carry",
    "what_if_ctes",
    "what_if_columns",
    "what_if_join",
)


class InventoryValuationReport(models.AbstractModel):
    _inherit = "report.product_category_valuation.inventory_valuation"

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
            return dict.fromkeys(WHAT_IF_PLACEHOLDERS, SQL(""))
        if options.get("closing"):
            ctes = self._what_if_from_closing_ctes(options)
        else:
            ctes = self._what_if_ctes(options)
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

    def _what_if_ctes(self, options):
        """The CTE ``what_if`` (FIFO and LIFO values by product) from every
        incoming layer of the history: one sort, one window."""
        dated_join, dated = self._layer_dated(options)
        return SQL(
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

    def _what_if_from_closing_ctes(self, options):
        """The CTE ``what_if`` from the options' inventory closing, without
        sorting the history again. Of the ``R`` units ever received, LIFO keeps
        the first ``q`` (``q`` on hand, at most ``R``), FIFO the last ``q``: the
        value of the first ``R - q``, taken from all of them. The value of the
        first ``x`` units is read off the receipt that holds the ``x``-th unit:
        one index lookup among the receipts of the closing's chain when the
        closing had received that many, else among the receipts since."""
        closing = options["closing"]
        return SQL(
            """,
            %(receipts_since)s,
            points AS (
                SELECT b.product_id, k.method, k.units,
                       COALESCE(cl.incoming_quantity, 0) AS received_at_closing
                  FROM base b
                  LEFT JOIN stock_valuation_closing_line cl
                         ON cl.closing_id = %(closing)s
                        AND cl.product_id = b.product_id
                 CROSS JOIN LATERAL (
                     SELECT COALESCE(b.incoming_quantity, 0) AS received,
                            %(kept)s AS kept
                 ) AS n
                 CROSS JOIN LATERAL (
                     VALUES ('lifo', n.kept), ('fifo', n.received - n.kept)
                 ) AS k(method, units)
                 WHERE k.units > 0
            ),
            first_units AS (
                SELECT p.product_id, p.method, (
                           SELECT r.value_before + (p.units - r.received_before)
                                  * r.value / r.quantity
                             FROM stock_valuation_closing_receipt r
                            WHERE r.product_id = p.product_id
                              AND r.received_before < p.units
                              AND r.closing_id = ANY(%(chain)s)
                            ORDER BY r.received_before DESC
                            LIMIT 1
                       ) AS value
                  FROM points p
                 WHERE p.units <= p.received_at_closing
                UNION ALL
                SELECT p.product_id, p.method,
                       s.value_before + (p.units - s.received_before)
                       * s.value / s.quantity
                  FROM points p
                  JOIN receipts_since s
                    ON s.product_id = p.product_id
                   AND s.received_before < p.units
                   AND p.units <= s.received_before + s.quantity
                 WHERE p.units > p.received_at_closing
            ),
            what_if AS (
                SELECT b.product_id,
                       (COALESCE(b.incoming_value, 0) - COALESCE(
                           SUM(f.value) FILTER (WHERE f.method = 'fifo'), 0
                       ))::float8 AS fifo_value,
                       COALESCE(
                           SUM(f.value) FILTER (WHERE f.method = 'lifo'), 0
                       )::float8 AS lifo_value
                  FROM base b
                  LEFT JOIN first_units f ON f.product_id = b.product_id
                 GROUP BY b.product_id, b.incoming_value
            )
            """,
            receipts_since=self._receipts_since_cte(options, closing),
            kept=self.env["stock.valuation.closing.receipt"]._kept_units(
                SQL("b.quantity"), SQL("COALESCE(b.incoming_quantity, 0)")
            ),
            closing=closing.id,
            chain=closing._receipts_chain().ids,
        )
