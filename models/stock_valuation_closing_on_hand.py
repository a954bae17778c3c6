# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL, drop_view_if_exists


class StockValuationClosingOnHand(models.Model):
    """The receipts still on hand at a done closing's cut-off under FIFO (the
    last units received) and under LIFO (the first ones), each with the part of
    it kept and its value, the values added to those units included (landed
    costs, price differences, revaluations): the tranches the what-if columns
    value. Read from the receipts of the closing's chain
    (``stock.valuation.closing.receipt``, the latest closing's part where two
    hold the same units) and its lines, never stored."""

    _name = "stock.valuation.closing.on.hand"
    _description = "Inventory Closing Receipt on Hand"
    _auto = False
    _order = "closing_id, product_id, method, receipt_date, layer"
    # what the view reads, flushed before it is read
    _depends = {
        "stock.valuation.closing": ["company_id", "cutoff", "state", "from_start"],
        "stock.valuation.closing.line": [
            "closing_id",
            "product_id",
            "quantity",
            "incoming_quantity",
        ],
        "stock.valuation.closing.receipt": [
            "closing_id",
            "product_id",
            "layer",
            "receipt_date",
            "quantity",
            "value",
            "received_before",
        ],
    }

    closing_id = fields.Many2one(comodel_name="stock.valuation.closing", readonly=True)
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one(comodel_name="product.product", readonly=True)
    method = fields.Selection(
        selection=[
            ("fifo", "First In First Out (FIFO)"),
            ("lifo", "Last In First Out (LIFO)"),
        ],
        string="What-If Method",
        readonly=True,
        help="The what-if column of the valuation report that values this part "
        "of the receipt: FIFO keeps the last units received, LIFO the first ones, "
        "whatever the product's own costing method.",
    )
    layer = fields.Integer(string="Layer ID", readonly=True)
    layer_id = fields.Many2one(
        comodel_name="stock.valuation.layer",
        string="Receipt",
        compute="_compute_layer_id",
    )
    receipt_date = fields.Datetime(readonly=True)
    quantity = fields.Float(
        digits="Product Unit of Measure",
        readonly=True,
        # quantities of different products (and units) do not add up
        aggregator=None,
        help="The part of the receipt still on hand under this what-if method.",
    )
    uom_id = fields.Many2one(related="product_id.uom_id")
    unit_cost = fields.Float(digits="Product Price", readonly=True, aggregator=None)
    value = fields.Monetary(readonly=True)

    @api.depends("layer")
    def _compute_layer_id(self):
        for row in self:
            row.layer_id = self.env["stock.valuation.layer"].browse(row.layer)

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %(view)s AS (
                    -- a done closing and each product's line
                    WITH lines AS (
                        SELECT c.id AS closing_id, c.company_id, c.cutoff,
                               l.product_id, l.incoming_quantity AS received,
                               %(kept)s AS kept
                          FROM stock_valuation_closing c
                          JOIN stock_valuation_closing_line l ON l.closing_id = c.id
                         WHERE c.state = 'done'
                    ),
                    chain_parts AS (
                        -- the parts of receipts of its chain, the latest
                        -- closing's where two hold the same units
                        SELECT DISTINCT ON (l.closing_id, r.product_id,
                                            r.received_before)
                               l.closing_id, l.company_id, l.received, l.kept,
                               r.product_id, r.layer, r.receipt_date,
                               r.received_before, r.quantity, r.value
                          FROM lines l
                          JOIN stock_valuation_closing k ON %(in_chain)s
                          JOIN stock_valuation_closing_receipt r
                            ON r.closing_id = k.id AND r.product_id = l.product_id
                         ORDER BY l.closing_id, r.product_id, r.received_before,
                                  k.cutoff DESC, k.id DESC
                    ),
                    parts AS (
                        -- the units of each part that each method keeps: the
                        -- last ``kept`` units received (FIFO), the first (LIFO)
                        SELECT p.closing_id, p.company_id, p.product_id, m.method,
                               p.layer, p.receipt_date, p.quantity AS units,
                               p.value, GREATEST(
                                   LEAST(p.received_before + p.quantity, m.last)
                                   - GREATEST(p.received_before, m.first), 0
                               ) AS quantity
                          FROM chain_parts p
                         CROSS JOIN LATERAL (
                             VALUES ('fifo', p.received - p.kept, p.received),
                                    ('lifo', 0, p.kept)
                         ) AS m(method, first, last)
                    )
                    -- the closing in the high bits, the receipt and method below
                    SELECT (p.closing_id::bigint << 32)
                               + p.layer::bigint * 2
                               + (p.method = 'lifo')::int AS id,
                           p.closing_id, p.company_id, p.product_id, p.method,
                           p.layer, p.receipt_date, SUM(p.quantity) AS quantity,
                           SUM(p.value / p.units * p.quantity)
                               / SUM(p.quantity) AS unit_cost,
                           SUM(p.value / p.units * p.quantity) AS value
                      FROM parts p
                     WHERE p.quantity > 0
                     GROUP BY p.closing_id, p.company_id, p.product_id, p.method,
                              p.layer, p.receipt_date
                )
                """,
                view=SQL.identifier(self._table),
                kept=self.env["stock.valuation.closing.receipt"]._kept_units(
                    SQL("l.quantity"), SQL("l.incoming_quantity")
                ),
                in_chain=self.env["stock.valuation.closing"]._in_chain("l", "k"),
            )
        )
