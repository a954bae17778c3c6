# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The what-if values of the inventory valuation engine: the on-hand quantity
valued under FIFO, LIFO, the weighted average of the receipts and the standard
cost, in the valuation query.

Every unit a product ever received has a place on one line, in the order the
units came (by the layers' creation, then id): the units of the first receipt,
then those of the next... FIFO keeps the last ``q`` units on hand (``q`` on
hand, at most all of them), LIFO the first ``q``. The value of the stock
received lies on that line in *pieces*, each spread evenly over a span of it:

- an incoming layer (a receipt, a return, an inventory gain) over its own units;
- a layer that only adds value (``quantity`` 0), over the units it adds value
  to when it is made (``T``), as Odoo spreads it over the remaining quantity of
  its layers, which Odoo consumes first in, first out:

  - attached to a receipt (``stock_valuation_layer_id``: a landed cost, a vendor
    bill's price difference): the units of that receipt still on hand at ``T``;
  - not attached (the Revaluation wizard, a standard price change): every unit
    on hand at ``T``, at the unit cost rounded to the currency, the last
    receipt's units taking the rest (the wizard's own rounding);
  - attached to units that are gone (an outgoing layer, a receipt consumed), or
    made while nothing is on hand: the units gone at ``T``, which no stock on
    hand holds (the weighted average counts it all the same).

So a FIFO product whose history has no return and never went below zero is
valued by FIFO as Odoo values it, landed costs and price differences
included."""

from odoo import models
from odoo.tools import SQL

WHAT_IF_PLACEHOLDERS = (
    "incoming",
    "carry",
    "what_if_ctes",
    "what_if_columns",
    "what_if_join",
)


def spread(length, start, point):
    """SQL of the share, from 0 to 1, of a piece of ``length`` units from
    ``start`` (SQL) that lies before the unit ``point`` (SQL) of the line: a
    piece of no units (value made while nothing was on hand, at the start of
    the line) counts past its start."""
    return SQL(
        "CASE WHEN %(length)s > 0"
        " THEN LEAST(GREATEST((%(point)s - %(start)s) / %(length)s, 0), 1)"
        " ELSE (%(point)s > %(start)s)::int END",
        length=length,
        start=start,
        point=point,
    )


class InventoryValuationReport(models.AbstractModel):
    _inherit = "report.product_category_valuation.inventory_valuation"

    def _what_if_parts(self, options):
        """SQL fragments of the what-if values, empty when they are off:
        ``incoming`` sums, in the layers' scan, the quantity and value of the
        stock received up to the date (the incoming layers' quantity, and their
        value with every value added to them) and counts the layers that only
        add value; ``carry`` carries these to the products; ``what_if_ctes``,
        ``what_if_columns`` and ``what_if_join`` value the on-hand quantity from
        the pieces of value of the stock received (the module's docstring).
        Quantities beyond the units received, or negative ones, are valued at
        the weighted average of all of them."""
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
                SUM(svl.value) FILTER (WHERE svl.quantity >= 0) AS incoming_value,
                COUNT(*) FILTER (
                    WHERE svl.quantity = 0 AND svl.value <> 0
                ) AS value_layers
                """
            ),
            "carry": SQL(", l.incoming_quantity, l.incoming_value, l.value_layers"),
            "what_if_ctes": ctes,
            "what_if_columns": columns,
            "what_if_join": join,
        }

    # ------------------------------------------------------------------
    # The pieces of value of the stock received
    # ------------------------------------------------------------------
    def _pieces_ctes(self, options, number="float8"):
        """CTEs ``walked``, ``added``, ``added_pieces`` and ``pieces`` from the
        CTE ``history``: rows
        (``product_id``, ``create_date``, ``id``, ``quantity``, ``value``,
        ``linked``: the layer's ``stock_valuation_layer_id``, ``kept`` and
        ``gone``: carried to ``pieces`` unchanged, for the rows that precede a
        product's layers) of the layers that make the pieces, in
        ``number`` (SQL type) arithmetic. ``pieces``: (``product_id``,
        ``kept``, ``gone``, ``layer``: the incoming layer of a receipt's
        own units, ``start``, ``length``, ``value``), each spread evenly over
        ``length`` units from the ``start``-th unit received (the module's
        docstring); ``added_pieces``, those of the layers adding value alone. A
        layer adding value needs the stock before it: ``history`` holds every
        layer of its products."""
        digits = options["company"].currency_id.decimal_places
        return SQL(
            """
            walked AS MATERIALIZED (
                -- each layer with the units received and on hand up to it
                SELECT h.product_id, h.id, h.quantity::%(number)s AS quantity,
                       h.value::%(number)s AS value, h.linked,
                       FIRST_VALUE(h.kept) OVER earliest_first AS kept,
                       FIRST_VALUE(h.gone) OVER earliest_first AS gone,
                       COALESCE(SUM(h.quantity::%(number)s) FILTER (
                           WHERE h.quantity > 0
                       ) OVER earliest_first, 0) AS received_to,
                       COALESCE(SUM(h.quantity::%(number)s) OVER earliest_first, 0)
                           AS onhand_to
                  FROM history h
                WINDOW earliest_first AS (
                    PARTITION BY h.product_id ORDER BY h.create_date, h.id
                    ROWS UNBOUNDED PRECEDING
                )
            ),
            added AS (
                -- a layer adding value, the units received (r) and gone (c)
                -- when it was made, and its receipt's units (t) if attached
                SELECT a.product_id, a.kept, a.gone, a.value, a.r, a.c,
                       CASE WHEN t.id IS NOT NULL
                                 AND LEAST(t.received_to, a.r)
                                     > GREATEST(t.received_to - t.quantity, a.c)
                            THEN 'receipt'
                            WHEN a.linked IS NULL AND a.r > a.c THEN 'on_hand'
                            ELSE 'gone'
                       END AS kind,
                       GREATEST(t.received_to - t.quantity, a.c) AS receipt_start,
                       LEAST(t.received_to, a.r) AS receipt_end,
                       -- the wizard's unit cost, and the units of the last
                       -- receipt on hand, which take the rest
                       ROUND((a.value / NULLIF(a.r - a.c, 0))::numeric,
                             %(digits)s)::%(number)s AS unit_cost,
                       LEAST(COALESCE(l.quantity, a.r - a.c), a.r - a.c) AS last
                  FROM (
                      SELECT w.*, w.received_to AS r,
                             w.received_to
                             - LEAST(GREATEST(w.onhand_to, 0), w.received_to) AS c
                        FROM walked w
                       WHERE w.quantity = 0 AND w.value <> 0
                  ) a
                  LEFT JOIN walked t
                         ON t.id = a.linked AND t.product_id = a.product_id
                        AND t.quantity > 0
                  LEFT JOIN walked l
                         ON l.product_id = a.product_id AND l.quantity > 0
                        AND l.received_to = a.r
            ),
            added_pieces AS (
                SELECT a.product_id, a.kept, a.gone, NULL::int AS layer,
                       p.start, p.length, p.value
                  FROM added a
                 CROSS JOIN LATERAL (
                     VALUES
                         (a.receipt_start, a.receipt_end - a.receipt_start,
                          CASE WHEN a.kind = 'receipt' THEN a.value END),
                         (a.c, a.r - a.c - a.last,
                          CASE WHEN a.kind = 'on_hand'
                               THEN a.unit_cost * (a.r - a.c - a.last) END),
                         (a.r - a.last, a.last,
                          CASE WHEN a.kind = 'on_hand'
                               THEN a.value - a.unit_cost * (a.r - a.c - a.last)
                          END),
                         (0, a.c, CASE WHEN a.kind = 'gone' THEN a.value END)
                 ) AS p(start, length, value)
                 WHERE p.value IS NOT NULL
            ),
            pieces AS (
                SELECT w.product_id, w.kept, w.gone, w.id AS layer,
                       w.received_to - w.quantity AS start, w.quantity AS length,
                       w.value
                  FROM walked w
                 WHERE w.quantity > 0
                UNION ALL
                SELECT * FROM added_pieces
            )
            """,
            number=SQL(number),
            digits=digits,
        )

    def _history_cte(self, options, rows, which):
        """The CTE ``history`` of ``_pieces_ctes``: the rows ``rows`` (SQL, may
        be empty), then the company's layers dated as the report dates them
        that meet ``which`` (an SQL condition on ``svl``)."""
        dated_join, dated = self._layer_dated(options)
        return SQL(
            """
            history (product_id, create_date, id, quantity, value, linked,
                     kept, gone) AS (
                %(rows)s
                SELECT svl.product_id, svl.create_date, svl.id, svl.quantity,
                       svl.value, svl.stock_valuation_layer_id, NULL::float8,
                       NULL::float8
                  FROM stock_valuation_layer svl
                  %(dated_join)s
                 WHERE svl.company_id = %(company)s AND %(dated)s
                   AND %(which)s
            )
            """,
            rows=rows,
            dated_join=dated_join,
            dated=dated,
            company=options["company"].id,
            which=which,
        )

    def _what_if_scan_ctes(self, options, only_value_products=False):
        """The CTE ``scanned`` (FIFO and LIFO values by product) from the
        pieces of the whole history, of the products of ``base`` or only of
        those that hold layers adding value (``only_value_products``): the
        receipts of every product in one sort and one window (a row before each
        product's receipts carries the units it keeps and has let go to them);
        the values added, from the whole history of the products that hold
        some, walked apart (most products hold none: nothing more to read)."""
        dated_join, dated = self._layer_dated(options)
        value_products = SQL(
            "ARRAY(SELECT b.product_id FROM base b WHERE b.value_layers > 0)"
        )
        which = SQL("b.value_layers > 0") if only_value_products else SQL("TRUE")
        # of the units ever received, those on hand (kept: FIFO keeps the last
        # ones, LIFO the first) and those gone before them
        kept = self.env["stock.valuation.closing.receipt"]._kept_units(
            SQL("b.quantity::float8"), SQL("COALESCE(b.incoming_quantity, 0)::float8")
        )
        lead = SQL(
            """
            SELECT b.product_id, '-infinity'::timestamp, 0, NULL::numeric,
                   NULL::numeric, NULL::int, %(kept)s,
                   COALESCE(b.incoming_quantity, 0)::float8 - %(kept)s
              FROM base b
             WHERE b.value_layers > 0
            UNION ALL
            """,
            kept=kept,
        )
        return SQL(
            """,
            incoming AS (
                SELECT b.product_id, '-infinity'::timestamp AS create_date,
                       0 AS id, NULL::float8 AS quantity, NULL::float8 AS value,
                       %(kept)s AS kept, %(gone)s AS gone
                  FROM base b
                 WHERE %(which)s
                UNION ALL
                SELECT svl.product_id, svl.create_date, svl.id,
                       svl.quantity::float8, svl.value::float8, NULL, NULL
                  FROM stock_valuation_layer svl
                  %(dated_join)s
                 WHERE svl.company_id = %(company)s AND %(dated)s
                   AND svl.quantity > 0 %(only)s
            ),
            receipts AS (
                SELECT i.product_id, i.quantity AS length, i.value,
                       SUM(i.quantity) OVER earliest_first - i.quantity AS start,
                       FIRST_VALUE(i.kept) OVER earliest_first AS kept,
                       FIRST_VALUE(i.gone) OVER earliest_first AS gone
                  FROM incoming i
                WINDOW earliest_first AS (
                    PARTITION BY i.product_id ORDER BY i.create_date, i.id
                    ROWS UNBOUNDED PRECEDING
                )
            ),
            %(history)s,
            %(pieces)s,
            scanned AS (
                -- in float8 (what-if figures, rounded at the end): FIFO keeps
                -- the units after those gone, LIFO the first units
                SELECT p.product_id,
                       SUM(CASE WHEN p.kept > 0
                                THEN p.value * (1 - %(before_gone)s) END)
                           AS fifo_value,
                       SUM(p.value * %(before_kept)s) AS lifo_value
                  FROM (
                      SELECT r.product_id, r.kept, r.gone, r.start, r.length,
                             r.value
                        FROM receipts r
                       WHERE r.length IS NOT NULL
                      UNION ALL
                      SELECT a.product_id, a.kept, a.gone, a.start, a.length,
                             a.value
                        FROM added_pieces a
                  ) p
                 GROUP BY p.product_id
            )
            """,
            kept=kept,
            gone=SQL("COALESCE(b.incoming_quantity, 0)::float8 - %s", kept),
            which=which,
            dated_join=dated_join,
            dated=dated,
            company=options["company"].id,
            only=SQL("AND svl.product_id = ANY(%s)", value_products)
            if only_value_products
            else SQL(""),
            history=self._history_cte(
                options, lead, SQL("svl.product_id = ANY(%s)", value_products)
            ),
            pieces=self._pieces_ctes(options),
            before_gone=spread(SQL("p.length"), SQL("p.start"), SQL("p.gone")),
            before_kept=spread(SQL("p.length"), SQL("p.start"), SQL("p.kept")),
        )

    def _what_if_ctes(self, options):
        """The CTE ``what_if`` (FIFO and LIFO values by product) from the
        pieces of the whole history."""
        return SQL(
            "%s, what_if AS (SELECT * FROM scanned)", self._what_if_scan_ctes(options)
        )

    def _what_if_from_closing_ctes(self, options):
        """The CTE ``what_if`` from the options' inventory closing, without
        sorting the history again, for the products without a layer adding
        value since it (the others are valued from their whole history,
        ``_what_if_scan_ctes``). Of the ``R`` units ever received, LIFO keeps
        the first ``q`` (``q`` on hand, at most ``R``), FIFO the last ``q``: the
        value of the first ``R - q``, taken from all of them. The value of the
        first ``x`` units is read off the part of a receipt that holds the
        ``x``-th unit: one index lookup among the receipts of the closing's
        chain when the closing had received that many (the latest closing's
        part where closings hold the same units), else among the receipts
        since."""
        closing = options["closing"]
        return SQL(
            """
            %(scanned)s,
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
                 WHERE k.units > 0 AND n.kept > 0 AND b.value_layers = 0
            ),
            first_units AS (
                SELECT p.product_id, p.method, (
                           SELECT r.value_before + (p.units - r.received_before)
                                  * r.value / r.quantity
                             FROM stock_valuation_closing_receipt r
                            WHERE r.product_id = p.product_id
                              AND r.received_before < p.units
                              AND r.closing_id = ANY(%(chain)s)
                            ORDER BY r.received_before DESC,
                                     array_position(%(chain)s, r.closing_id)
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
                       CASE WHEN %(kept)s > 0
                            THEN (COALESCE(b.incoming_value, 0) - COALESCE(
                                SUM(f.value) FILTER (WHERE f.method = 'fifo'), 0
                            ))::float8
                            ELSE 0
                       END AS fifo_value,
                       COALESCE(
                           SUM(f.value) FILTER (WHERE f.method = 'lifo'), 0
                       )::float8 AS lifo_value
                  FROM base b
                  LEFT JOIN first_units f ON f.product_id = b.product_id
                 WHERE b.value_layers = 0
                 GROUP BY b.product_id, b.incoming_value, b.quantity,
                          b.incoming_quantity
                UNION ALL
                SELECT * FROM scanned
            )
            """,
            scanned=self._what_if_scan_ctes(options, only_value_products=True),
            receipts_since=self._receipts_since_cte(options, closing),
            kept=self.env["stock.valuation.closing.receipt"]._kept_units(
                SQL("b.quantity"), SQL("COALESCE(b.incoming_quantity, 0)")
            ),
            closing=closing.id,
            chain=closing._receipts_chain().ids,
        )
