# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists


class AccountAccount(models.Model):
    _inherit = "account.account"

    stock_valuation_history = fields.Boolean(
        string="Received Stock Valuation",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Stock valuation entries were posted to this account: the inventory "
        "valuation report reconciles it with the stock, even once no product "
        "posts there any more.",
    )

    def init(self):
        """Mark the accounts that the stock valuation entries (the valuation
        line of an entry goes the way of its layer's value) and the account
        transfers of the database posted to before this version of the addon
        was there. On a fresh install, account transfers do not exist yet."""
        res = super().init()
        transfers = SQL("")
        if column_exists(self.env.cr, "account_move", "stock_valuation_transfer"):
            transfers = SQL(
                """
                UNION
                SELECT aml.account_id
                  FROM account_move am
                  JOIN account_move_line aml ON aml.move_id = am.id
                 WHERE am.stock_valuation_transfer
                """
            )
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_account SET stock_valuation_history = TRUE
                 WHERE stock_valuation_history IS NOT TRUE
                   AND id IN (
                       SELECT aml.account_id
                         FROM stock_valuation_layer svl
                         JOIN account_move_line aml
                           ON aml.move_id = svl.account_move_id
                        WHERE SIGN(aml.balance) = SIGN(svl.value)
                          AND svl.value <> 0
                       %s
                   )
                """,
                transfers,
            )
        )
        return res

    def _mark_stock_valuation_history(self):
        """Mark these accounts as holding stock value, once."""
        unmarked = self.filtered(lambda account: not account.stock_valuation_history)
        if unmarked:
            unmarked.sudo().write({"stock_valuation_history": True})
