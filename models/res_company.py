# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from .product_category import NEGATIVE_INVENTORY_RULES


class ResCompany(models.Model):
    _inherit = "res.company"

    margin_policy = fields.Selection(
        selection=[
            ("block", "Block"),
            ("warn", "Warn"),
            ("off", "Off"),
        ],
        string="Minimum Margin Policy",
        required=True,
        default="block",
        help="What happens to a quotation below the minimum margin rate of its main "
        "article's category. Block: it cannot be confirmed until a sales manager "
        "approves its margin. Warn: the warning shows and confirming it is logged "
        "in its chatter. Off: minimum margin rates are not applied.",
    )
    negative_inventory = fields.Selection(
        selection=NEGATIVE_INVENTORY_RULES,
        string="Negative Physical Inventory",
        required=True,
        default="allowed",
        help="Default rule for products whose item model group and category say "
        "nothing: whether their stock may go below zero in an internal location.",
    )
    item_group_required = fields.Boolean(
        help="Storable products cannot be saved in this company without an item group.",
    )
    inventory_closing_id = fields.Many2one(
        comodel_name="stock.valuation.closing",
        string="Latest Inventory Closing",
        readonly=True,
        copy=False,
        help="The end of the company's chain of inventory closings: the one the "
        "next closing is computed from. Written by every closing and reopening, "
        "so that two people closing at once cannot both extend the chain.",
    )
    inventory_closing_schedule = fields.Selection(
        selection=[("none", "No Automatic Closing"), ("monthly", "Monthly")],
        string="Inventory Closing",
        required=True,
        default="none",
        help="Monthly: on the first days of each month, the previous month is "
        "closed when the ledger agrees with the inventory; otherwise a draft "
        "closing waits for an inventory valuation manager, with an activity.",
    )
    inventory_closing_adjustment = fields.Boolean(
        string="Periodic Adjustment Entry",
        help="Each inventory closing posts, dated on its day, one entry that brings "
        "the stock valuation accounts of periodically valued products to their "
        "closing value, against each category's stock variation account. "
        "Reopening the closing reverses it.",
    )
