# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

# a product's receipts in the order they came, by what was received before them
RECEIVED_INDEX = "stock_valuation_closing_receipt_product_received_index"


class StockValuationClosingReceipt(models.Model):
    """A receipt of a closing's period (an incoming valuation layer: a receipt,
    a return, an inventory gain), or a part of one, with its value (its own and
    the values added to those units: landed costs, price differences,
    revaluations) and the quantity and value of everything the product received
    before it since the start of history.

    With them, what FIFO or LIFO keeps on hand at any later date is found
    without sorting the history again: LIFO keeps the first ``q`` units ever
    received (``q`` on hand), FIFO the last ``q``, and the value of the first
    ``x`` units is read off the one part that holds the ``x``-th unit. A
    closing writes the receipts of its own period, in one statement, from its
    predecessor's totals; for a product that received added value in the
    period, every receipt of its history again, cut in parts where the added
    values begin and end (``_closing_receipts_query``): where two closings hold
    the same units, the latest's part is read. Never edited."""

    _name = "stock.valuation.closing.receipt"
    _description = "Inventory Closing Receipt"
    _order = "closing_id, product_id, received_before"
    # tens of thousands a month, written in one statement by their closing: no
    # more foreign keys to check on every row than the lookups need (the layer
    # is kept by its id; layers of a closed period cannot be deleted)
    _log_access = False

    closing_id = fields.Many2one(
        comodel_name="stock.valuation.closing",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="closing_id.company_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one(
        comodel_name="product.product", required=True, ondelete="restrict"
    )
    layer = fields.Integer(
        string="Layer ID", required=True, help="The id of the incoming valuation layer."
    )
    layer_id = fields.Many2one(
        comodel_name="stock.valuation.layer",
        string="Receipt",
        compute="_compute_layer_id",
        help="The incoming valuation layer.",
    )
    receipt_date = fields.Datetime(
        required=True, help="When the receipt was valued (its layer's creation)."
    )
    quantity = fields.Float(digits="Product Unit of Measure")
    uom_id = fields.Many2one(related="product_id.uom_id")
    value = fields.Monetary()
    received_before = fields.Float(
        string="Quantity Received Before",
        digits="Product Unit of Measure",
        aggregator=None,
        help="The quantity of all the product's receipts before this one.",
    )
    value_before = fields.Monetary(
        string="Value Received Before",
        aggregator=None,
        help="The value of all the product's receipts before this one.",
    )

    @staticmethod
    def _kept_units(on_hand, received):
        """SQL of how many of the ``received`` units ever received FIFO and LIFO
        keep on hand (``on_hand``, SQL too): none below 0, all of them at most;
        LIFO keeps the first ones, FIFO the last ones, after the first
        ``received - kept``."""
        return SQL("LEAST(GREATEST(%s, 0), %s)", on_hand, received)

    @api.depends("layer")
    def _compute_layer_id(self):
        for receipt in self:
            receipt.layer_id = self.env["stock.valuation.layer"].browse(receipt.layer)

    def init(self):
        create_index(
            self.env.cr,
            RECEIVED_INDEX,
            self._table,
            ["product_id", "received_before"],
        )
