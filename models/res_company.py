# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools import SQL

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

    def _stock_valuation_accounts(self):
        """Every account of the company that is, or ever was, a stock valuation
        account: those of its categories and item groups, and those that stock
        valuation entries or transfers posted to
        (``account.account.stock_valuation_history``). What the closings lock and
        the valuation report reconciles."""
        self.ensure_one()
        Category = self.env["product.category"].sudo().with_company(self)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT %(categ_account)s FROM product_category c
                UNION
                SELECT g.stock_valuation_account_id FROM product_item_group g
                 WHERE g.company_id = %(company)s
                UNION
                SELECT a.id FROM account_account a
                 WHERE a.stock_valuation_history
                """,
                categ_account=Category._field_to_sql(
                    "c", "property_stock_valuation_account_id"
                ),
                company=self.id,
            )
        )
        return (
            self.env["account.account"]
            .sudo()
            .with_company(self)
            .browse({account_id for (account_id,) in rows if account_id})
            .filtered(lambda account: self in account.company_ids)
        )
