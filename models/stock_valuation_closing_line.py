# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


def _category_selection(fname):
    """The selection of the category's field ``fname``, in Odoo's words and the
    user's language (``product.category._selection_labels``)."""
    return lambda self: self.env["product.category"]._selection_labels(fname)


class StockValuationClosingLine(models.Model):
    """A product's stock at a closing's cut-off, as the report values it.
    Written by the closing in one statement, never edited."""

    _name = "stock.valuation.closing.line"
    _description = "Inventory Closing Line"
    _order = "closing_id, product_id"
    # written in one statement by its closing, which holds who and when: no
    # more foreign keys to check on every line than the figures need
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
    quantity = fields.Float(digits="Product Unit of Measure")
    uom_id = fields.Many2one(related="product_id.uom_id")
    value = fields.Monetary()
    value_without_entry = fields.Monetary(
        string="Value Without Journal Entry",
        help="The value of the product's layers that have no journal entry.",
    )
    incoming_quantity = fields.Float(
        string="Quantity Received",
        digits="Product Unit of Measure",
        help="The quantity of all the product's incoming layers up to the cut-off "
        "(receipts, returns, inventory gains): the what-if average cost's base.",
    )
    incoming_value = fields.Monetary(
        string="Value Received",
        help="The value of all the product's incoming layers up to the cut-off.",
    )
    categ_id = fields.Many2one(
        comodel_name="product.category", string="Category", ondelete="restrict"
    )
    cost_method = fields.Selection(
        selection=_category_selection("property_cost_method"),
        string="Costing Method",
    )
    valuation = fields.Selection(
        selection=_category_selection("property_valuation"),
        string="Inventory Valuation",
    )
    account_id = fields.Many2one(
        comodel_name="account.account",
        string="Stock Valuation Account",
        ondelete="restrict",
        help="The product's stock valuation account at the closing date: its item "
        "group's, else its category's.",
    )
